"""Roll-up: an actor stands for its parts, in the periods they were its parts.

Asking about Mali includes its armed forces; about Russia, Wagner and Africa
Corps while they acted for it; about JNIM, its component groups after they
joined. The graph says so with dated "part of" and "acts for" statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kg.graph.dates import Period
from kg.graph.terms import IRI

ALWAYS = Period(date(1, 1, 1), None, "Year", "Day")


@dataclass(frozen=True)
class Member:
    """An actor counted as part of another during ``period``; ``via`` is None for
    the actor itself, else the part through which it is counted."""

    actor: IRI
    period: Period
    via: IRI | None
    root: IRI


def members(store, whole: IRI, *, exact: bool = False) -> list[Member]:
    """The actor itself, then every part of it (transitively), with the periods."""
    out = [Member(whole, ALWAYS, None, whole)]
    if exact:
        return out
    from kg.store.actor_table import rollup_parts

    parts = rollup_parts(store)  # kept beside the store, else asked (rollup-edges)
    frontier = [(whole, ALWAYS)]
    seen = {whole}
    while frontier:
        current, current_period = frontier.pop(0)
        for part, period in sorted(parts.get(current, [])):
            clipped = period.clip(current_period)
            if clipped is None or part in seen:
                continue
            seen.add(part)
            out.append(Member(part, clipped, part, whole))
            frontier.append((part, clipped))
    return out
