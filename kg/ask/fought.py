"""Who fought whom, when: the answer to ``kg fought``.

It merges two kinds of evidence: dated "fought" statements, and combat events
with the two actors on opposite sides. For each pair it gives the periods
(merged where they touch or overlap), the number of events, the known
fatalities and the sources. Time filters are exact on intervals, and actors
stand for their parts (see ``rollup.py``) unless ``exact`` is set.

Evidence is clipped to both actors' lifespans (a group merged away in 2017
did not fight in 2018, even if an operation it faced ran on). Persons who
took part in combat events (commanders) appear only when asked about by
name: groups, forces and states carry the fighting.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from kg.ask.rollup import ALWAYS, Member, members
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.graph.dates import Period
from kg.graph.terms import IRI
from kg.store import actor_table, sparql

SOURCES = ("curated", "acled", "ucdp")


@dataclass
class _Pair:
    actor: IRI
    opponent: IRI
    via: IRI | None
    opponent_via: IRI | None
    periods: list[Period] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    statement_events: dict[str, int] = field(default_factory=dict)
    fatalities: dict[str, int] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)
    statements: set[str] = field(default_factory=set)
    datasets: set[str] = field(default_factory=set)
    first: tuple = ()  # the first row that counted for the pair: (is an event, IRI, actor, opponent)


def _period(row: dict, *, closed: bool) -> Period:
    end = row["end"]
    return Period(
        row["start"],
        end if end is not None or not closed else row["start"],
        row.get("startPrecision") or "Day",
        row.get("endPrecision") or "Day",
    )


def fought(
    actor: str | None = None,
    opponent: str | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    exact: bool = False,
    source: str | None = None,
    possible: bool = False,
    store=None,
) -> list[dict[str, Any]]:
    """Pairs of actors that fought, with periods, events, fatalities, sources and ``via``.

    ``actor``/``opponent`` are names, ids or aliases, or the names an imported file
    writes ("Military Forces of Mali (2021-)"); ``year`` or ``start``/``end``
    (YYYY, YYYY-MM or YYYY-MM-DD) restrict to evidence overlapping that window;
    ``source`` restricts to one data set (curated, acled, ucdp) and puts that
    data set's own names first (UCDP's "IS" is the actor UCDP's import chose).
    ``possible`` adds the battles where a side is named "A and/or B" (ACLED's
    uncertain attribution) as rows of their own, ``kind`` "possibly"; without it
    they are not counted, and `fought_notes` says how many there are.
    """
    return _answer(actor, opponent, year, start, end, exact, source, store, possible)[0]


def fought_sparql(
    actor: str | None = None,
    opponent: str | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    exact: bool = False,
    source: str | None = None,
    possible: bool = False,
    store=None,
) -> list[str]:
    """The SPARQL queries ``fought`` runs for these arguments, parameters bound."""
    return _answer(actor, opponent, year, start, end, exact, source, store, possible)[1]


def fought_notes(
    actor: str | None = None,
    opponent: str | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    exact: bool = False,
    source: str | None = None,
    possible: bool = False,
    store=None,
) -> list[str]:
    """What ``fought`` leaves out or counts twice for these arguments, as sentences to
    print under its answer: "A and/or B" battles not counted, events a ``via`` row shares
    with a direct row, evidence outside an actor's lifespan."""
    return _answer(actor, opponent, year, start, end, exact, source, store, possible)[2]


def _answer(actor, opponent, year, start, end, exact, source, store, possible=False):
    """(rows, queries, notes) of ``fought``."""
    rows, queries, side, against, window, params, table = _fought_rows(
        actor, opponent, year, start, end, exact, source, store)
    from kg.store.cache import or_default

    store = or_default(store)
    notes: list[str] = []
    # what the answer leaves out, said under it. Every pair's count is read from the quads
    # on an embedded store (kg.ask.possible: 0.7 s with a 100k-row ACLED import, where the
    # query took 5-15 s); asked of a SPARQL server, every pair's is counted with --possible only.
    embedded = getattr(store, "name", None) == "oxigraph"
    maybe = _possible_pairs(store, side, against, window, params, queries, table) \
        if possible or side != [None] or embedded else []
    shown = {e for r in maybe for e in r["event_ids"]}
    if possible:
        rows = rows + maybe
    elif shown:
        notes.append(possible_note(len(shown)))
    if side != [None]:
        notes += _overlaps(store, rows, queries)
    return rows, queries, notes


def _question(actor, opponent, year, start, end, exact, source, store):
    """The question resolved: (store, side, against, window, params, table, asked)."""
    from kg.errors import UsageError
    from kg.store.cache import or_default

    store = or_default(store)
    try:
        window = dates.window(year, start, end)
    except dates.DateFormatError as e:
        raise UsageError(str(e)) from None
    if source is not None and source not in SOURCES:
        raise UsageError(f"unknown source '{source}'; expected one of: {', '.join(SOURCES)}")
    # names, lifespans and the as-of day: written beside the store with it, else asked (actor-index)
    table = actor_table.of(store)
    names = table.names
    if actor is None and opponent is not None:
        actor, opponent = opponent, None
    names_of = source if source in ("acled", "ucdp") else None  # that data set's own names first
    side = members(store, names.resolve(actor, names_of), exact=exact) if actor else [None]
    against = members(store, names.resolve(opponent, names_of), exact=exact) if opponent else None
    asked = {m.actor for m in side if m is not None and m.via is None}
    asked |= {m.actor for m in against or [] if m.via is None}

    params: dict[str, Any] = {}
    if window:
        params["from"] = window.start
        if window.end:
            params["to"] = window.end
    if source:
        params["graph"] = IRI(ns.dataset_graph(source))
    return store, side, against, window, params, table, asked


def possible_battles(
    actor: str | None = None,
    opponent: str | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
    store=None,
) -> list[str]:
    """The ids of the battles naming a side "A and/or B" (uncertain attribution) that an
    answer about these actors leaves out: ``kg timeline`` and ``kg actor`` say their count."""
    store, side, against, window, params, table, _asked = _question(
        actor, opponent, year, start, end, False, source, store)
    rows = _possible_pairs(store, side, against, window, params, [], table)
    return sorted({e for r in rows for e in r["event_ids"]})


def possible_note(count: int) -> str:
    """The sentence said under an answer that leaves out ``count`` "A and/or B" battles."""
    return (f"{count} battle{'s' if count != 1 else ''} naming a side \"A and/or B\" "
            "(uncertain attribution) not counted; kg fought --possible shows them")


def _fought_rows(actor, opponent, year, start, end, exact, source, store):
    from kg.graph.terms import to_ntriples
    from kg.store.embedded import insert_values, with_values

    store, side, against, window, params, table, asked = _question(
        actor, opponent, year, start, end, exact, source, store)
    names, as_of, lives = table.names, table.as_of, table.lives

    queries: list[str] = []
    pairs: dict[tuple, _Pair] = {}
    # The index path and the one-block batch are tuned on Oxigraph; a SPARQL server
    # (Virtuoso miscompiles VALUES blocks of several variables, kg/store/remote.py: bind)
    # and rdflib get one query per part, each bound by the store's own mechanism.
    embedded = getattr(store, "name", None) == "oxigraph"
    if side == [None] and embedded and _indexed(window):
        with _no_cycle_collection():  # 150k rows at 1M, no cycles among them: the collector's passes cost 40 %
            return (*_every_pair(store, window, params, queries, names, as_of, lives, asked),
                    side, against, window, params, table)
    # The actor and its parts in one VALUES block: two queries, not two per part.
    by_actor = {m.actor: m for m in side if m is not None}
    found: dict[IRI | None, list[tuple[dict, bool]]] = {}
    for name in ("fought-statements", "fought-events"):
        text = sparql.get(name).text
        if not embedded:
            for member in side:
                bound = dict(params, actor=member.actor) if member else dict(params)
                queries.append(with_values(text, bound))
                found.setdefault(member.actor if member else None, []).extend(
                    (row, name == "fought-events") for row in store.select(text, bound))
            continue
        window_params = {k: v for k, v in params.items() if k != "graph"}
        if by_actor:  # one row per actor: VALUES (?from ?to ?actor) { (f t a1) (f t a2) }
            variables = " ".join(f"?{n}" for n in [*window_params, "actor"])
            rows = " ".join("(" + " ".join(to_ntriples(v) for v in [*window_params.values(), a]) + ")"
                            for a in by_actor)
            text = insert_values(text, f"VALUES ({variables}) {{ {rows} }}")
        else:
            text = with_values(text, window_params)
        text = _in_graph(text, params)
        queries.append(text)
        for row in store.select(text):
            found.setdefault(row["actor"] if by_actor else None, []).append((row, name == "fought-events"))
    _add_tolls_and_sources(store, [row for rows in found.values() for row, is_event in rows if is_event], queries)
    for member in side:  # in the order of the parts, as pairs that tie in the sort keep it
        for row, is_event in sorted(found.get(member.actor if member else None, []), key=_row_order):
            _collect(row, is_event, member, against, window, as_of, pairs, lives, asked)
    rows = _count_incidents([_as_dict(p, names) for p in _sorted(pairs.values(), names)], store)
    return rows, queries, side, against, window, params, table


def _add_tolls_and_sources(store, rows: list[dict], queries: list[str]) -> list[dict]:
    """fought-events' rows with each event's ``fatalities`` and ``sources`` (space-separated
    IRIs), read by one query for all of them (event-tolls-sources)."""
    from kg.graph.terms import to_ntriples
    from kg.store.embedded import insert_values

    for row in rows:
        row.setdefault("fatalities", None)
        row.setdefault("sources", "")
    events = sorted({row["event"] for row in rows})
    if not events:
        return rows
    block = "VALUES ?event { " + " ".join(map(to_ntriples, events)) + " }"
    text = insert_values(sparql.get("event-tolls-sources").text, block, into_graph=False)
    queries.append(text)
    tolls: dict[tuple, int] = {}
    sources: dict[tuple, set[str]] = {}
    for found in store.select(text):
        key = (found["event"], found["graph"])
        if found.get("fatalities") is not None:
            tolls[key] = found["fatalities"]
        if found.get("source") is not None:
            sources.setdefault(key, set()).add(str(found["source"]))
    for row in rows:
        key = (row["event"], row["graph"])
        row["fatalities"] = tolls.get(key)
        row["sources"] = " ".join(sorted(sources.get(key, ())))
    return rows


def _possible_pairs(store, side, against, window, params, queries, table) -> list[dict]:
    """The rows of "A and/or B" battles of the actor asked about (and its parts), kind "possibly"."""
    from kg.ask.possible import possible_battle_rows
    from kg.store.embedded import with_values

    text = sparql.get("fought-possible").text
    window_params = {k: v for k, v in params.items() if k != "graph"}
    pairs: dict[tuple, _Pair] = {}
    asked = {m.actor for m in side if m is not None and m.via is None}
    raw = getattr(store, "store", None) if getattr(store, "name", None) == "oxigraph" else None
    for member in side:  # None: every pair's
        bound = dict(window_params, actor=member.actor) if member is not None else window_params
        query = _in_graph(with_values(text, bound), params)
        queries.append(query)
        if member is None and raw is not None:  # the same rows, read from the quads (kg.ask.possible)
            graph = params.get("graph")
            found = possible_battle_rows(raw, window_params.get("from"), window_params.get("to"),
                                         str(graph) if graph else None)
        else:
            found = store.select(query)
        for row in sorted(found, key=lambda r: (r["event"], r["opponent"])):
            _collect(row, True, member, against, window, table.as_of, pairs, table.lives, asked)
    out = []
    for p in _sorted(pairs.values(), table.names):
        row = _as_dict(p, table.names)
        row["kind"] = "possibly"
        out.append(row)
    return out


def _overlaps(store, rows: list[dict], queries: list[str]) -> list[str]:
    """Mark each ``via`` row with the events a direct row of the same pair already counts
    (``also_direct``), and say how many events the rows count once each."""
    direct: dict[tuple[str, str], dict] = {}
    for r in rows:
        if not r["via"] and not r["opponent_via"] and r.get("kind") != "possibly":
            direct[(r["actor_id"], r["opponent_id"])] = r
    via_rows = [r for r in rows if (r["via"] or r["opponent_via"]) and r.get("kind") != "possibly"
                and (r["actor_id"], r["opponent_id"]) in direct]
    if not via_rows:
        return []
    evidence = _evidence(store, {s for r in [*via_rows, *direct.values()] for s in r["statements"]}, queries)

    def events_of(r: dict) -> set[str]:
        out = set(r["event_ids"])
        for s in r["statements"]:
            out |= evidence.get(s, set())
        return out

    shared_total = 0
    for r in via_rows:
        shared = events_of(r) & events_of(direct[(r["actor_id"], r["opponent_id"])])
        r["also_direct"] = len(shared)
        r["also_direct_ids"] = sorted(shared)  # which of its events the direct row counts
        shared_total += len(shared)
    counted = [r for r in rows if r.get("kind") != "possibly"]
    every = set()
    for r in counted:
        every |= events_of(r)
    if not shared_total:
        return []
    summed = sum(r["events"] for r in counted)
    return [f"{shared_total} event{'s' if shared_total != 1 else ''} of the via rows are also counted by a direct row "
            f"(column also_direct); the rows count {len(every)} events once each, not {summed}"]


def _evidence(store, statements: set[str], queries: list[str]) -> dict[str, set[str]]:
    """The events each imported summary statement counts (skg:evidence), by statement id."""
    from kg.graph.terms import to_ntriples

    out: dict[str, set[str]] = {}
    iris = {}
    for s in statements:
        if "--" in s:  # an imported summary: dataset/statement/<a>--<relation>--<b>--<year>
            for dataset in ("acled", "ucdp"):
                iris[ns.dataset_ns(dataset, "statement") + s] = s
    if not iris:
        return out
    text = (f"SELECT ?s ?e WHERE {{ VALUES ?s {{ {' '.join(to_ntriples(IRI(i)) for i in iris)} }} "
            f"GRAPH ?g {{ ?s <{ns.SKG}evidence> ?e }} }}")
    queries.append(text)
    for r in store.select(text):
        out.setdefault(iris[str(r["s"])], set()).add(ns.local_id(r["e"]))
    return out


def _in_graph(text: str, params: dict) -> str:
    """``text`` restricted to the data set asked for, by a VALUES block at the WHERE level.

    Inside the GRAPH group, beside the actor, a bound ?graph made Oxigraph scan every
    statement of the graph instead of looking up the actor's: 1.5 s -> 0.01 s for
    ``kg fought JNIM --year 2024 --source acled`` on a 100k-event ACLED import."""
    return _in_graphs(text, [params["graph"]]) if "graph" in params else text


def _in_graphs(text: str, graphs: list[IRI]) -> str:
    """``text`` restricted to these graphs, by a VALUES block at the WHERE level (see _in_graph)."""
    from kg.graph.terms import to_ntriples
    from kg.store.embedded import insert_values

    return insert_values(text, f"VALUES ?graph {{ {' '.join(to_ntriples(g) for g in graphs)} }}", into_graph=False)


def _every_pair(store, window, params, queries, names, as_of, lives, asked):
    """Every pair in a bounded window, through the year indexes (``kg fought --year`` alone).

    Events come from the year index of each graph (queried for a graph without one).
    For a whole calendar year, a pair whose statements nothing cuts into (one data
    set, no event of the pair, no lifespan inside their span) takes its answer from
    the index as it was computed when written (skg:pairAnswers); the other pairs'
    statements are read from their skg:pairRows and collected one by one, as for one
    actor. The answers are the same either way (tests compare them)."""
    pairs: dict[tuple, _Pair] = {}
    events, answers = _read_year_index(store, window, params, queries)
    answered: list[tuple[tuple, dict]] = []
    statements = None
    split = _split_answers(answers, events, window, as_of, lives, asked, names) \
        if answers is not None and _whole_year(window) else None
    if split is not None:
        answered, slow = split
        statements = _year_rows(store, window, params, queries, slow) if slow else []
        if statements is None:  # no rows to read them by: every pair the slow way
            answered = []
    if statements is None:
        statements = _year_rows(store, window, params, queries)
    if statements is None:  # summaries written before skg:pairRows: the statements triple by triple
        statements = []
        for text in _by_year_index(store, window, params):
            queries.append(text)
            statements += store.select(text)
    # the order of _row_order (statements first), by a key of C calls: 150k statements at 1M
    statements.sort(key=itemgetter("stmt", "actor", "opponent"))
    events.sort(key=itemgetter("event", "actor", "opponent"))
    for row in statements:
        _collect(row, False, None, None, window, as_of, pairs, lives, asked)
    for row in events:
        _collect(row, True, None, None, window, as_of, pairs, lives, asked)
    # _sorted's order, where ties keep the order pairs were met in: by their first row
    found = [(_sort_key(p.actor, p.opponent, min(q.start for q in p.periods), p.first, names), _as_dict(p, names))
             for p in pairs.values()]
    found += answered
    found.sort(key=itemgetter(0))
    return _count_incidents([answer for _, answer in found], store), queries


def _count_incidents(rows: list[dict[str, Any]], store) -> list[dict[str, Any]]:
    """With incident links (kg link): each row's ``linked_records`` (for each curated event,
    the ACLED and UCDP records that describe it, with their tolls), and ``events`` counted
    by incident, so that the curated, ACLED and UCDP records of one attack count once
    (``records`` keeps the count of records); ``fatalities`` takes each such incident's
    largest toll instead of the sum of its records'."""
    from kg.ask.records import incidents, iri_blocks, linked_records, read_links, tolls_by_iri

    for row in rows:
        row["records"] = row["events"]
        row["linked_records"] = {}
    if ns.dataset_graph("links") not in store.graphs():
        return rows
    wanted_rows = [r for r in rows if len(r["datasets"]) > 1 or (r["event_ids"] and len(r["datasets"]) == 1
                                                                  and r["datasets"] != ["curated"])]
    # the imported events the rows' summary statements count (skg:evidence), read for
    # those statements only: with the rows' own events, the records whose incidents matter
    statements = sorted({ns.dataset_ns(d, "statement") + local for r in wanted_rows
                         for d in r["datasets"] if d != "curated" for local in r["statements"]})
    counted_by: dict[str, set[str]] = {}
    for values in iri_blocks(statements):
        for r in store.select(f"SELECT ?s ?e WHERE {{ GRAPH ?g {{ VALUES ?s {{ {values} }} "
                              f"?s <{ns.SKG}evidence> ?e }} }}"):
            counted_by.setdefault(str(r["s"]), set()).add(str(r["e"]))
    curated = {ns.EVENT + e for row in rows for e in row["event_ids"]}
    links = read_links(store, curated | {e for found in counted_by.values() for e in found})
    if not links:
        return rows
    of = incidents(links)
    described = linked_records(curated & set(of), store=store, links=links) if curated & set(of) else {}
    wanted = {id(r) for r in wanted_rows}
    shared_by_row: list[tuple[dict[str, Any], list[list[str]]]] = []
    for row in rows:
        row["linked_records"] = {ns.local_id(e): [x["text"] for x in described[e]]
                                 for e in (ns.EVENT + i for i in row["event_ids"]) if described.get(e)}
        if id(row) not in wanted:
            continue
        members = {ns.EVENT + e for e in row["event_ids"] if ns.EVENT + e in of}
        for d in row["datasets"]:
            if d == "curated":
                continue
            for local in row["statements"]:
                members |= counted_by.get(ns.dataset_ns(d, "statement") + local, set()) & of.keys()
        roots: dict[str, list[str]] = {}
        for m in members:
            roots.setdefault(of[m], []).append(m)
        row["events"] = row["records"] - (len(members) - len(roots))
        shared = [group for group in roots.values() if len(group) > 1]
        if shared and row["fatalities"] is not None:
            shared_by_row.append((row, shared))
    # the toll of an incident several records count: its largest, not their sum (one lookup for all rows)
    tolls = tolls_by_iri(store, {m for _, shared in shared_by_row for g in shared for m in g}) if shared_by_row else {}
    for row, shared in shared_by_row:
        row["fatalities"] -= sum(sum(tolls.get(m, 0) for m in g) - max(tolls.get(m, 0) for m in g) for g in shared)
    return rows


def _sort_key(actor, opponent, start: date, first: tuple, names) -> tuple:
    return (names.labels.get(actor, ""), start, names.labels.get(opponent, ""), first)


def _whole_year(window: Period) -> bool:
    return (window.start.month, window.start.day) == (1, 1) and window.end == date(window.start.year, 12, 31)


def _read_year_index(store, window: Period, params: dict, queries: list[str]):
    """The window's events with two sides (fought-events' rows) and, when every graph asked
    about has a year index, the "fought" pair answers of its years as (graph, fields)
    pairs (None otherwise). Events of a graph without an index are queried, as the scan
    does (the ontology graph and the incident links hold none)."""
    from kg.store.embedded import insert_values, with_values

    text = sparql.get("year-index").text
    queries.append(text)
    indexed, combat = set(), set()
    for r in store.select(text):
        if r["graph"] is not None:
            indexed.add(r["graph"])
        if r["class"] is not None:
            combat.add(r["class"])
    wanted = [params["graph"]] if "graph" in params else [
        IRI(g) for g in store.graphs() if g not in (ns.ONTOLOGY_GRAPH, ns.dataset_graph("links"))]
    unindexed = sorted(g for g in wanted if g not in indexed)
    events: list[dict] = []
    if unindexed:
        window_params = {k: v for k, v in params.items() if k != "graph"}
        text = _in_graphs(with_values(sparql.get("fought-events").text, window_params), unindexed)
        queries.append(text)
        events += _add_tolls_and_sources(store, store.select(text), queries)
    answers: list[tuple[IRI, list[str]]] | None = None if unindexed else []
    if len(unindexed) == len(wanted):
        return events, answers
    text = insert_values(sparql.get("fought-by-year").text, _year_block(window, params))
    queries.append(text)
    seen: set[tuple[str, str]] = set()
    for r in store.select(text):
        graph = r["graph"]
        if answers is not None and r["answers"]:
            answers.extend((graph, line.split("\t")) for line in r["answers"].split("\n"))
        if r["events"]:
            events += _indexed_events(r["events"], graph, window, combat, seen)
    return events, answers


def _indexed_events(text: str, graph: IRI, window: Period, combat: set, seen: set) -> list[dict]:
    """fought-events' rows from one skg:eventRows literal: the combat events in the window,
    one row per actor on one side and actor on the other, both ways."""
    rows = []
    for line in text.split("\n"):
        event, classes, start, sp, end, ep, fatalities, sources, side_a, side_b = line.split("\t")
        if (event, graph) in seen:  # an event of several years of the window
            continue
        seen.add((event, graph))
        if combat.isdisjoint(classes.split()):
            continue
        start_day, end_day = date.fromisoformat(start), date.fromisoformat(end)
        if start_day > window.end or end_day < window.start:
            continue
        a, b = side_a.split(), side_b.split()
        for actor, opponent in {*((x, y) for x in a for y in b), *((y, x) for x in a for y in b)}:
            rows.append({
                "event": IRI(event), "actor": IRI(actor), "opponent": IRI(opponent),
                "start": start_day, "startPrecision": sp, "end": end_day, "endPrecision": ep,
                "fatalities": int(fatalities) if fatalities else None, "graph": graph, "sources": sources,
            })
    return rows


def _split_answers(answers, events, window, as_of, lives, asked, names):
    """The pairs of a whole year answered from the year index, and the pair-years to read
    statement by statement; None if a pair-year has no answer.

    An answer holds when it is all the pair's evidence and every step of _collect
    would keep each statement as it is: one pair-year (one data set), no event of the
    pair, both actors' lifespans strictly around the statements' span (``_clip`` then
    keeps each period), and an ongoing statement reaching the year (every other
    statement filed under the year overlaps it). A pair with a person not asked about
    is left out, as _collect leaves out each of its rows."""
    by_pair: dict[tuple[str, str], list[tuple[IRI, list[str]]]] = {}
    for graph, fields in answers:
        if len(fields) == 1:
            return None
        a, b = fields[1], fields[2]
        by_pair.setdefault((a, b) if a <= b else (b, a), []).append((graph, fields))
    with_events = {(e["actor"], e["opponent"]) for e in events}
    answered, slow = [], []
    for key, found in by_pair.items():
        if any(lives.get(who, (ALWAYS, False))[1] and who not in asked for who in key):
            continue
        if len(found) == 1 and key not in with_events:
            graph, fields = found[0]
            start = date.fromisoformat(fields[6])
            end = date.fromisoformat(fields[7]) if fields[7] else None
            if (end is not None or as_of >= window.start) and all(
                    _holds(lives.get(who, (ALWAYS, False))[0], start, end) for who in key):
                answered.append(_answered(key, graph, start, fields, names))
                continue
        slow.extend(IRI(fields[0]) for _, fields in found)
    return answered, slow


def _holds(span: Period, start: date, end: date | None) -> bool:
    """Whether a lifespan lies strictly around a span of days: _clip's shortcut for each of its periods."""
    return span.start < start and (span.end is None or (end is not None and end < span.end))


def _answered(key: tuple[str, str], graph: IRI, start: date, fields: list[str], names) -> tuple[tuple, dict]:
    """A pair's sort key and answer (``_as_dict``'s) from its line of skg:pairAnswers."""
    first, second = key
    periods = []
    for text in fields[8].split(";"):
        day, sp, end, ep = text.split(",")
        periods.append({"start": day, "end": end or None, "start_precision": sp, "end_precision": ep if end else None})
    answer = {
        "actor": names.labels.get(first, ns.local_id(first)),
        "opponent": names.labels.get(second, ns.local_id(second)),
        "actor_id": ns.local_id(first),
        "opponent_id": ns.local_id(second),
        "periods": periods,
        "period_text": fields[9],
        "events": int(fields[10]),
        "fatalities": int(fields[11]) if fields[11] else None,
        "sources": fields[12].split(),
        "via": None,
        "via_id": None,
        "opponent_via": None,
        "statements": fields[13].split(),
        "event_ids": [],
        "datasets": [ns.local_id(graph)],
    }
    return _sort_key(first, second, start, (False, *fields[3:6]), names), answer


@contextmanager
def _no_cycle_collection():
    """The cyclic garbage collector paused: its passes over many new, acyclic rows cost time."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row_order(item: tuple[dict, bool]) -> tuple:
    """Statements before events, each by IRI and direction: the order rows are collected in
    decides ties (two statements starting the same day at different precisions keep the
    first one's), so it must not depend on which query, or which engine, found them."""
    row, is_event = item
    return (is_event, row["event"] if is_event else row["stmt"], row["actor"], row["opponent"])


# A window of at most this many calendar years is read through the year index.
INDEXED_YEARS = 50


def _indexed(window: Period | None) -> bool:
    return window is not None and window.end is not None and window.end.year - window.start.year < INDEXED_YEARS


def _year_block(window: Period, params: dict) -> str:
    """The VALUES block of the window's years (and data set) for the year-index queries."""
    from kg.graph.terms import to_ntriples

    years = " ".join(to_ntriples(y) for y in range(window.start.year, window.end.year + 1))
    graph = f" VALUES ?graph {{ {to_ntriples(params['graph'])} }}" if "graph" in params else ""
    return f"VALUES ?year {{ {years} }}{graph}"


def _year_rows(store, window: Period, params: dict, queries: list[str],
               pairs: list[IRI] | None = None) -> list[dict] | None:
    """The statements of the window's years, read from their pair-years' skg:pairRows literals:
    the rows fought-statements-by-year gives (each statement once per data set), for one
    row per pair-year instead of ten triples per statement; of the pair-years ``pairs``
    only, when given. None if a pair-year of those years has no such literal (a store
    written before them)."""
    from kg.graph.terms import to_ntriples
    from kg.store.embedded import insert_values

    block = _year_block(window, params)
    if pairs is not None:
        block += f" VALUES ?pair {{ {' '.join(to_ntriples(p) for p in pairs)} }}"
    text = insert_values(sparql.get("fought-rows-by-year").text, block)
    queries.append(text)
    found: dict[tuple[str, str], dict] = {}
    for r in store.select(text):
        if r["rows"] is None:
            return None
        graph = r["graph"]
        for line in r["rows"].split("\n"):
            stmt, actor, opponent, start, sp, end, ep, events, fatalities, sources = line.split("\t")
            if (stmt, graph) in found:  # a statement of several years of the window
                continue
            found[stmt, graph] = {
                "stmt": IRI(stmt), "actor": IRI(actor), "opponent": IRI(opponent),
                "start": date.fromisoformat(start), "startPrecision": sp,
                "end": date.fromisoformat(end) if end else None, "endPrecision": ep or None,
                "events": int(events) if events else None,
                "fatalities": int(fatalities) if fatalities else None,
                "graph": graph, "sources": sources,
            }
    return list(found.values())


def _by_year_index(store, window: Period, params: dict):
    """The statement queries for every pair in a bounded window, through the pair-year
    index (for summaries without skg:pairRows), run one after the other.

    A statement that touches the window is filed under one of its years, so the year
    index finds every statement the full scan (fought-statements) would, and only
    those: a year's statements instead of every statement of the graph (the exact
    window and the lifespans are still checked row by row, as for one actor). Its
    summaries link their statements (skg:pairStatement); pair-years without links
    (imports) give their pairs, whose statements are then asked for pair by pair.
    """
    from kg.graph.terms import to_ntriples
    from kg.store.embedded import insert_values

    block = _year_block(window, params)
    yield insert_values(sparql.get("fought-statements-by-year").text, block)
    unlinked = [r for r in store.select(insert_values(sparql.get("fought-pairs-by-year").text, block))
                if not r["linked"]]
    window_values = " ".join(to_ntriples(params[k]) for k in ("from", "to"))
    by_graph: dict[IRI, list[dict]] = {}
    for r in unlinked:
        by_graph.setdefault(r["graph"], []).append(r)
    for graph_iri, pairs in sorted(by_graph.items()):  # one query per data set: see _in_graph
        rows = " ".join(f"({to_ntriples(r['actor'])} {to_ntriples(r['opponent'])})" for r in pairs)
        pair_block = f"VALUES (?actor ?opponent) {{ {rows} }} VALUES (?from ?to) {{ ({window_values}) }}"
        text = insert_values(sparql.get("fought-statements").text, pair_block)
        yield _in_graph(text, {"graph": graph_iri})


def _collect(row, is_event, member: Member | None, against, window, as_of, pairs, lives, asked) -> None:
    """Add one statement or event row to its pair, clipped to lifespans and roll-up periods."""
    period = _period(row, closed=is_event)
    for who in (row["actor"], row["opponent"]):
        span, person = lives.get(who, (ALWAYS, False))
        if person and who not in asked:
            return
        period = _clip(period, span)
        if period is None:
            return
    if member is not None:
        period = period.clip(member.period) if member.period is not ALWAYS else period
        if period is None:
            return
    opponent, opponent_via = row["opponent"], None
    if against is not None:  # the opponent asked about stands for its parts too
        match = next((m for m in against if m.actor == row["opponent"]), None)
        if match is None:
            return
        clipped = period.clip(match.period) if match.period is not ALWAYS else period
        if clipped is None:
            return
        period, opponent, opponent_via = clipped, match.root, match.via
    if window is not None and not period.overlaps(window, as_of):
        return
    if member is None:  # every dyad: list each unordered pair once
        first, second = (row["actor"], row["opponent"]) if row["actor"] <= row["opponent"] else (
            row["opponent"], row["actor"])
        key = (first, second, None, None)
        asked, other, via = first, second, None
    else:
        asked, other, via = member.root, opponent, member.via
        key = (asked, other, via, opponent_via)
    pair = pairs.get(key)
    if pair is None:
        pair = pairs[key] = _Pair(asked, other, via, opponent_via, first=(
            is_event, row["event"] if is_event else row["stmt"], row["actor"], row["opponent"]))
    pair.periods.append(period)
    pair.datasets.add(ns.local_id(row["graph"]))
    pair.sources.update(ns.local_id(s) for s in (row["sources"] or "").split())
    if is_event:
        pair.events.add(row["event"])
        if row.get("fatalities") is not None:
            pair.fatalities[row["event"]] = row["fatalities"]
    else:
        pair.statements.add(row["stmt"])
        if row.get("events") is not None:
            pair.statement_events[row["stmt"]] = row["events"]
        if row.get("fatalities") is not None:
            pair.fatalities[row["stmt"]] = row["fatalities"]


def _clip(period: Period, span: Period) -> Period | None:
    """``period.clip(span)``, without building a new period when ``span`` (a lifespan)
    holds it: the usual case, met once per statement and actor of a year."""
    if span.start < period.start and (span.end is None or (period.end is not None and period.end < span.end)):
        if period.end is None and period.end_precision != "Day":  # as clip() gives it
            return Period(period.start, None, period.start_precision, "Day")
        return period
    return period.clip(span)


def _sorted(pairs, names):
    """By actor, first day, opponent; ties in the order the pairs were met (a stable sort)."""
    return sorted(pairs, key=lambda p: _sort_key(p.actor, p.opponent, min(q.start for q in p.periods), (), names))


def _as_dict(pair: _Pair, names) -> dict[str, Any]:
    def label(iri):
        return names.labels.get(iri, ns.local_id(iri)) if iri else None

    fatalities = sum(pair.fatalities.values()) if pair.fatalities else None
    return {
        "actor": label(pair.actor),
        "opponent": label(pair.opponent),
        "actor_id": ns.local_id(pair.actor),
        "opponent_id": ns.local_id(pair.opponent),
        "periods": [p.as_dict() for p in dates.merge(pair.periods)],
        "period_text": "; ".join(p.text() for p in dates.merge(pair.periods)),
        "events": len(pair.events) + sum(pair.statement_events.values()),
        "fatalities": fatalities,
        "sources": sorted(pair.sources),
        "via": label(pair.via),
        "via_id": ns.local_id(pair.via) if pair.via else None,
        "opponent_via": label(pair.opponent_via),
        "statements": sorted(ns.local_id(s) for s in pair.statements),
        "event_ids": sorted(ns.local_id(e) for e in pair.events),
        "datasets": sorted(pair.datasets),
    }

