"""Pair-year summaries: one node per pair of actors, relation and calendar year.

A triple store has no range index on dates, so "who fought whom in 2020"
would otherwise compare the dates of every "fought" statement, and join each
match to its actors: minutes at a million statements. The summaries are
written where statements are written (the curated graph when it is stored,
an import when it is loaded) into the same named graph, so the year question
reads one index entry per pair that was active that year. The same goes for
events: each graph's events with two sides are filed by year (the event
index), so that the year question does not join every event's participations.

They are derived, not curated: SHACL checks the statements, and these are
recomputed whenever the statements are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from kg.graph import namespaces as ns
from kg.graph.dates import Period, merge

PAIR_YEAR = ns.ID + "pair-year/"
YEAR_INDEX = ns.ID + "year-index/"
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

# The fields of one line of skg:pairAnswers, tab-separated: a "fought" pair-year's
# statements as kg fought answers them for that whole calendar year when nothing
# else cuts in (no lifespan inside their span, no event of the pair, no other data
# set): the pair-year (its IRI), the pair (its two IRIs), the first statement line
# (statement, subject, object: the order kg fought meets pairs in), the span of the
# statements (first start, last end; empty when one is ongoing), the merged periods
# ("start,precision,end,precision" joined by ";") and as kg fought prints them, the
# sums of events and fatalities (empty when no statement gives one), the sources'
# and the statements' ids (space-separated, sorted). A pair-year whose statements
# are not all in its skg:pairRows has a line of its IRI alone: no answer.
ANSWER_FIELDS = ("pairYear", "subject", "object", "firstStatement", "firstSubject", "firstObject", "spanStart", "spanEnd",
                 "periods", "periodText", "events", "fatalities", "sources", "statements")

# The fields of one line of skg:eventRows, tab-separated: an event with actors on
# two sides, filed under each year its days touch, so that kg fought --year without
# an actor reads a year's events as one literal per data set instead of joining
# each event's participations, class, dates and sources. The classes are the
# event's rdf:types (kg fought keeps the events of a skg:CombatEvent subclass);
# sideA and sideB the actors of each side, space-separated.
EVENT_FIELDS = ("event", "classes", "start", "startPrecision", "end", "endPrecision", "fatalities", "sources",
                "sideA", "sideB")


class Summariser:
    """Collects statements (and events) of one named graph; ``nquads()`` writes their
    summaries and the graph's event index.

    Statements of other relations than ``relations`` are left out.
    ``symmetric`` holds the relation IRIs whose direction does not matter
    (fought, allied with): their statements are summed per unordered pair.
    Memory holds one entry per pair and year, with one line per statement of it
    when its row is given, and one line per event and year.
    """

    def __init__(self, graph: str, as_of: date, symmetric: Iterable[str],
                 relations: Iterable[str] = SUMMARISED) -> None:
        self.graph = graph
        self.as_of = as_of
        self.symmetric = set(symmetric)
        self.relations = frozenset(relations)
        self.pairs: dict[tuple[str, str, str, int], PairYear] = {}
        self.event_rows: dict[int, list[str]] = {}
        # lines of skg:pairAnswers already written for pair-years not given here (an import
        # adding to its data set rewrites only the years it changes), by year
        self.kept_answers: dict[int, list[str]] = {}
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

    def add_event(self, event: str, classes: Iterable[str], start: date, end: date,
                  precisions: tuple[str, str], sides: dict[str, Iterable[str]], *,
                  fatalities: int | None = None, sources: Iterable[str] = ()) -> None:
        """File one event with actors on two sides ("a" and "b") under each year its days touch.

        Every event a graph holds with two sides must be given here (or none of the
        graph's events is ever a combat event, as with imports): the graph's event
        index then stands for them, and kg fought reads no event of that graph any other way.
        """
        side_a, side_b = sorted(set(sides.get("a", ()))), sorted(set(sides.get("b", ())))
        if not side_a or not side_b:
            return
        line = "\t".join((
            event, " ".join(sorted(set(classes))), start.isoformat(), precisions[0], end.isoformat(), precisions[1],
            "" if fatalities is None else str(fatalities), " ".join(sorted(set(sources))),
            " ".join(side_a), " ".join(side_b),
        ))
        for year in range(start.year, end.year + 1):
            self.event_rows.setdefault(year, []).append(line)

    def iri(self, key: tuple[str, str, str, int]) -> str:
        subject, relation, obj, year = key
        return f"{PAIR_YEAR}{self._tag}/{_tag(subject)}--{ns.local_id(relation)}--{_tag(obj)}--{year}"

    def nquads(self) -> Iterator[str]:
        """N-Quads lines (newline-terminated), one summary at a time."""
        g = f" <{self.graph}> .\n"
        skg, integer, day = ns.SKG, f"^^<{ns.XSD}integer>", f"^^<{ns.XSD}date>"
        answers: dict[int, list[str]] = {year: list(lines) for year, lines in self.kept_answers.items()}
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
            if relation == FOUGHT:
                complete = pair.rows is not None and len(pair.rows) == pair.statements
                answers.setdefault(year, []).append(
                    answer(self.iri(key), subject, obj, pair.rows) if complete else self.iri(key))
            yield text
        # the year index: its marker says that every event of the graph with two sides,
        # and every "fought" pair-year, is in its nodes
        yield f"<{YEAR_INDEX}{self._tag}> <{ns.RDF}type> <{skg}YearIndex>{g}"
        for year in sorted(answers.keys() | self.event_rows.keys()):
            node = f"<{YEAR_INDEX}{self._tag}/{year}>"
            text = f'{node} <{ns.RDF}type> <{skg}IndexedYear>{g}{node} <{skg}year> "{year}"{integer}{g}'
            if year in self.event_rows:
                text += f"{node} <{skg}eventRows> {_literal(chr(10).join(sorted(self.event_rows[year])))}{g}"
            if year in answers:
                text += f"{node} <{skg}pairAnswers> {_literal(chr(10).join(answers[year]))}{g}"
            yield text

    def __len__(self) -> int:
        return len(self.pairs)


FOUGHT = ns.SKG + "fought"


def answer(pair_year: str, subject: str, obj: str, lines: list[str]) -> str:
    """A pair-year's line of skg:pairAnswers (ANSWER_FIELDS) from its skg:pairRows lines.

    Computed as kg fought computes a pair from these rows, in its order (by
    statement, subject, object: a tab sorts before any character of an IRI, so the
    lines sort as those tuples do), so that its merged periods keep the same
    precisions where two periods tie."""
    lines = sorted(lines)
    periods, stmts, sources = [], set(), set()
    events, fatalities, span_end, open_end = 0, None, None, False
    for line in lines:
        stmt, _s, _o, start, sp, end, ep, ev, fat, src = line.split("\t")
        period = Period(date.fromisoformat(start), date.fromisoformat(end) if end else None, sp or "Day", ep or "Day")
        periods.append(period)
        if period.end is None:
            open_end = True
        elif span_end is None or period.end > span_end:
            span_end = period.end
        stmts.add(ns.local_id(stmt))
        sources.update(ns.local_id(x) for x in src.split())
        if ev:
            events += int(ev)
        if fat:
            fatalities = (fatalities or 0) + int(fat)
    merged = merge(periods)
    first = lines[0].split("\t", 3)[:3]
    return "\t".join((
        pair_year, subject, obj, *first, merged[0].start.isoformat(), "" if open_end else span_end.isoformat(),
        ";".join(f"{p.start.isoformat()},{p.start_precision},{p.end.isoformat() if p.end else ''},{p.end_precision}"
                 for p in merged),
        "; ".join(p.text() for p in merged),
        str(events), "" if fatalities is None else str(fatalities), " ".join(sorted(sources)), " ".join(sorted(stmts)),
    ))


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
    ``graph`` count), and the event index of its events with two sides. One pass,
    collecting each node's properties; no joins.

    An ongoing statement runs to ``as_of``, else to the graph's own ``skg:asOf``, else to today.
    """
    wanted = {ns.SKG + p: p for p in (
        "subject", "predicate", "object", "start", "end", "startPrecision", "endPrecision",
        "eventCount", "fatalities", "asOf", "actor", "side")}
    derived, rdf_type, participation = ns.PROV + "wasDerivedFrom", ns.RDF + "type", ns.SKG + "participation"
    nodes: dict[str, dict[str, str]] = {}
    sources: dict[str, list[str]] = {}
    types: dict[str, list[str]] = {}
    participations: dict[str, list[str]] = {}
    for q in quads:
        if q.graph_name.value != graph:
            continue
        predicate = q.predicate.value
        prop = wanted.get(predicate)
        if prop is not None:
            nodes.setdefault(q.subject.value, {})[prop] = q.object.value
        elif predicate == derived:
            sources.setdefault(q.subject.value, []).append(q.object.value)
        elif predicate == rdf_type:
            types.setdefault(q.subject.value, []).append(q.object.value)
        elif predicate == participation:
            participations.setdefault(q.subject.value, []).append(q.object.value)
    if as_of is None:
        stated = [date.fromisoformat(s["asOf"]) for s in nodes.values() if "asOf" in s]
        as_of = max(stated) if stated else date.today()
    summariser = Summariser(graph, as_of, symmetric_relations() if symmetric is None else symmetric)
    for iri, stmt in nodes.items():
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
    for iri, parts in participations.items():
        event = nodes.get(iri, {})
        if not {"start", "end", "startPrecision", "endPrecision"} <= event.keys() or iri not in types:
            continue  # not an event kg fought could count: it asks for all of these
        sides: dict[str, list[str]] = {}
        for part in parts:
            node = nodes.get(part, {})
            if "actor" in node and "side" in node:
                sides.setdefault(node["side"], []).append(node["actor"])
        summariser.add_event(
            iri, types[iri], date.fromisoformat(event["start"]), date.fromisoformat(event["end"]),
            (_local(event["startPrecision"]), _local(event["endPrecision"])), sides,
            fatalities=int(event["fatalities"]) if "fatalities" in event else None, sources=sources.get(iri, ()),
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
    from kg.graph.vocab import vocabulary

    return {r.iri for r in vocabulary().relations.values() if r.symmetric}
