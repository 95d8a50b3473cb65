"""Every dated relation of an actor: the answer to ``kg relations``."""

from __future__ import annotations

from typing import Any

from kg.errors import UsageError
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.graph.vocab import vocabulary
from kg.store import sparql
from kg.store.names import resolve


def relations(
    name: str,
    *,
    relation: str | None = None,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
    store=None,
) -> list[dict[str, Any]]:
    """Statements in which the actor is subject or object, oldest first.

    ``relation`` is a relation type (fought, allied_with, leads ...); the time
    window is a year or from/to bounds, exact on intervals.
    """
    from kg.store.cache import or_default

    store = or_default(store)
    actor = resolve(name, store, source)  # source: that data set's own names first
    params: dict[str, Any] = {"actor": actor}
    if relation is not None:
        table = vocabulary().relations
        if relation not in table:
            raise UsageError(f"unknown relation type '{relation}'; expected one of: {', '.join(sorted(table))}")
        params["relation"] = _iri(table[relation].iri)
    params.update(_window_params(year, start, end))
    rows = sparql.run(store, "relations-of-actor", **params)
    return [_statement(r) for r in rows]


def _iri(value: str):
    from kg.graph.terms import IRI

    return IRI(value)


def _window_params(year, start, end) -> dict[str, Any]:
    try:
        window = dates.window(year, start, end)
    except dates.DateFormatError as e:
        raise UsageError(str(e)) from None
    if window is None:
        return {}
    return {"from": window.start, **({"to": window.end} if window.end else {})}


def _statement(r: dict) -> dict[str, Any]:
    period = dates.Period(r["start"], r["end"], r["startPrecision"] or "Day", r["endPrecision"] or "Day")
    relation = vocabulary().relation_by_iri(r["relation"])
    return {
        "id": ns.local_id(r["stmt"]),
        "subject": r["subjectLabel"],
        "subject_id": ns.local_id(r["subject"]),
        "relation": relation.csv_name,
        "relation_label": r["relationLabel"],
        "object": r["objectLabel"],
        "object_id": ns.local_id(r["object"]),
        "symmetric": relation.symmetric,
        "period": period.as_dict(),
        "period_text": period.text(),
        "certainty": r["certainty"],
        "sources": sorted(ns.local_id(s) for s in (r["sources"] or "").split()),
    }
