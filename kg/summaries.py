"""Pair-year summaries: one node per pair of actors, relation and calendar year.

A triple store has no range index on dates, so "who fought whom in 2020"
would otherwise compare the dates of every "fought" statement, and join each
match to its actors: minutes at a million statements. The summaries are
written where statements are written (the curated graph when it is stored,
an import when it is loaded) into the same named graph, so the year question
reads one index entry per pair that was active that year.

They are derived, not curated: SHACL checks the statements, and these are
recomputed whenever the statements are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from . import namespaces as ns

PAIR_YEAR = ns.ID + "pair-year/"
# The relations year questions ask about. Not the structural ones (member of,
# part of, leads ...): they run for decades, and a summary per year of each
# would triple the curated graph for no question anyone asks by year.
SUMMARISED = frozenset({ns.SKG + "fought"})


@dataclass
class PairYear:
    first: date
    last: date
    statements: int = 0
    events: int | None = None
    fatalities: int | None = None
    members: list[str] | None = None  # the statements' IRIs, when the caller gave them
    rows: list[str] | None = None  # the statements themselves, one line each (ROW_FIELDS)


# The fields of one line of skg:pairRows, tab-separated (empty when unknown or
# ongoing): what kg fought needs of a statement, so that a year's statements are
# read as one literal per pair-year instead of joined triple by triple.
ROW_FIELDS = ("statement", "subject", "object", "start", "startPrecision", "end", "endPrecision",
              "events", "fatalities", "sources")


class Summariser:
    """Collects statements of one named graph; ``nquads()`` writes their summaries.

    Statements of other relations than ``relations`` are left out.
    ``symmetric`` holds the relation IRIs whose direction does not matter
    (fought, allied with): their statements are summed per unordered pair.
    Memory holds one entry per pair and year, never the statements.
    """

    def __init__(self, graph: str, as_of: date, symmetric: Iterable[str],
                 relations: Iterable[str] = SUMMARISED) -> None:
        self.graph = graph
        self.as_of = as_of
        self.symmetric = set(symmetric)
        self.relations = frozenset(relations)
        self.pairs: dict[tuple[str, str, str, int], PairYear] = {}
        self._tag = graph.removeprefix(ns.GRAPH).replace("/", ".")

    def add(self, subject: str, relation: str, obj: str, start: date, end: date | None,
            *, events: int | None = None, fatalities: int | None = None, statement: str | None = None,
            precisions: tuple[str, str | None] | None = None, sources: Iterable[str] = ()) -> None:
        """Count one statement into each year its period touches (an open end runs to the as-of day).

        With ``statement`` (its IRI), each of those years links to it (``skg:pairStatement``): the
        index through which ``kg fought --year`` reads a year's statements without scanning all.
        With its ``precisions`` (local names: "Day", "Month", "Year"; None for an open end)
        and ``sources`` (IRIs) too, each year also holds the statement as one line of its
        ``skg:pairRows`` literal (ROW_FIELDS), in the direction it was stated.
        """
        if relation not in self.relations:
            return
        row = None
        if statement is not None and precisions is not None and precisions[0]:
            row = "\t".join((
                statement, subject, obj, start.isoformat(), precisions[0],
                end.isoformat() if end else "", precisions[1] or "",
                "" if events is None else str(events), "" if fatalities is None else str(fatalities),
                " ".join(sorted(set(sources))),
            ))
        if relation in self.symmetric and obj < subject:
            subject, obj = obj, subject
        last_day = end or max(self.as_of, start)
        for year in range(start.year, last_day.year + 1):
            first = max(start, date(year, 1, 1))
            last = min(last_day, date(year, 12, 31))
            key = (subject, relation, obj, year)
            pair = self.pairs.get(key)
            if pair is None:
                pair = self.pairs[key] = PairYear(first, last)
            else:
                pair.first = min(pair.first, first)
                pair.last = max(pair.last, last)
            pair.statements += 1
            if statement is not None:
                if pair.members is None:
                    pair.members = []
                pair.members.append(statement)
            if row is not None:
                if pair.rows is None:
                    pair.rows = []
                pair.rows.append(row)
            if events is not None:
                pair.events = (pair.events or 0) + events
            if fatalities is not None:
                pair.fatalities = (pair.fatalities or 0) + fatalities

    def iri(self, key: tuple[str, str, str, int]) -> str:
        subject, relation, obj, year = key
        return f"{PAIR_YEAR}{self._tag}/{_tag(subject)}--{ns.local_id(relation)}--{_tag(obj)}--{year}"

    def nquads(self) -> Iterator[str]:
        """N-Quads lines (newline-terminated), one summary at a time."""
        g = f" <{self.graph}> .\n"
        skg, integer, day = ns.SKG, f"^^<{ns.XSD}integer>", f"^^<{ns.XSD}date>"
        for key, pair in self.pairs.items():
            subject, relation, obj, year = key
            s = f"<{self.iri(key)}>"
            text = (
                f"{s} <{ns.RDF}type> <{skg}PairYear>{g}"
                f"{s} <{skg}pairSubject> <{subject}>{g}"
                f"{s} <{skg}pairRelation> <{relation}>{g}"
                f"{s} <{skg}pairObject> <{obj}>{g}"
                f'{s} <{skg}year> "{year}"{integer}{g}'
                f'{s} <{skg}firstDay> "{pair.first.isoformat()}"{day}{g}'
                f'{s} <{skg}lastDay> "{pair.last.isoformat()}"{day}{g}'
                f'{s} <{skg}statementCount> "{pair.statements}"{integer}{g}'
            )
            if pair.events is not None:
                text += f'{s} <{skg}eventCount> "{pair.events}"{integer}{g}'
            if pair.fatalities is not None:
                text += f'{s} <{skg}fatalities> "{pair.fatalities}"{integer}{g}'
            if pair.members:
                text += "".join(f"{s} <{skg}pairStatement> <{m}>{g}" for m in pair.members)
            if pair.rows:
                text += f"{s} <{skg}pairRows> {_literal(chr(10).join(pair.rows))}{g}"
            yield text

    def __len__(self) -> int:
        return len(self.pairs)


def _literal(text: str) -> str:
    """An N-Quads string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped.replace(chr(9), chr(92) + "t")}"'


def rows(text: str) -> list[dict[str, str]]:
    """The statements of one skg:pairRows literal, as dicts of ROW_FIELDS."""
    return [dict(zip(ROW_FIELDS, line.split("\t"), strict=True)) for line in text.split("\n")]


def _tag(iri: str) -> str:
    """A curated actor's id; anything else by its path (``acled.actor.x``, ``place.gao``)."""
    if iri.startswith(ns.ACTOR):
        return iri[len(ns.ACTOR):]
    return iri.removeprefix(ns.ID).replace("/", ".")


def summarise(quads: Iterable, graph: str, as_of: date | None = None,
              symmetric: Iterable[str] | None = None) -> Summariser:
    """The summaries of the dated statements among ``quads`` (pyoxigraph quads; those of
    ``graph`` count). One pass, collecting each statement's properties; no joins.

    An ongoing statement runs to ``as_of``, else to the graph's own ``skg:asOf``, else to today.
    """
    wanted = {ns.SKG + p: p for p in (
        "subject", "predicate", "object", "start", "end", "startPrecision", "endPrecision",
        "eventCount", "fatalities", "asOf")}
    derived = ns.PROV + "wasDerivedFrom"
    statements: dict[str, dict[str, str]] = {}
    sources: dict[str, list[str]] = {}
    for q in quads:
        if q.graph_name.value != graph:
            continue
        prop = wanted.get(q.predicate.value)
        if prop is not None:
            statements.setdefault(q.subject.value, {})[prop] = q.object.value
        elif q.predicate.value == derived:
            sources.setdefault(q.subject.value, []).append(q.object.value)
    if as_of is None:
        stated = [date.fromisoformat(s["asOf"]) for s in statements.values() if "asOf" in s]
        as_of = max(stated) if stated else date.today()
    summariser = Summariser(graph, as_of, symmetric_relations() if symmetric is None else symmetric)
    for iri, stmt in statements.items():
        if not {"subject", "predicate", "object", "start"} <= stmt.keys():
            continue  # an event, or an undated statement: no year to file it under
        end = stmt.get("end")
        summariser.add(
            stmt["subject"], stmt["predicate"], stmt["object"],
            date.fromisoformat(stmt["start"]), date.fromisoformat(end) if end else None,
            events=int(stmt["eventCount"]) if "eventCount" in stmt else None,
            fatalities=int(stmt["fatalities"]) if "fatalities" in stmt else None,
            statement=iri,
            precisions=(_local(stmt.get("startPrecision")), _local(stmt.get("endPrecision"))),
            sources=sources.get(iri, ()),
        )
    return summariser


def _local(iri: str | None) -> str | None:
    return iri.rpartition("#")[2] if iri else None


def with_summaries(quads: list, graph: str) -> list:
    """``quads`` and the summaries of their statements in ``graph``: what the store holds."""
    import pyoxigraph as ox

    text = "".join(summarise(quads, graph).nquads())
    return [*quads, *ox.parse(text, format=ox.RdfFormat.N_QUADS)]


def symmetric_relations() -> set[str]:
    from .vocab import vocabulary

    return {r.iri for r in vocabulary().relations.values() if r.symmetric}
