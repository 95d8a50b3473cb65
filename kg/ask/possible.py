"""Battles naming a side "A and/or B" (ACLED's uncertain attribution), every actor's at
once, read from an embedded store's quads.

The named query ``fought-possible`` gives the same rows, and gives them in milliseconds
for one actor; for every actor at once Oxigraph took 5-15 s on a 100,000-row ACLED import
(it scans every typed event of the graph, whatever the query's shape: tried with bound
predicates in UNION branches and with the dates first). The events that name a possible
side are few (4,600 sides at 100k rows), so they are found by their possible sides and
each read by its own quads: the count under ``kg fought``'s every-pair answer costs
a fraction of a second. ``tests/test_fought.py`` checks the rows equal the query's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from kg.graph import namespaces as ns
from kg.graph.terms import IRI, from_literal

S = ns.SKG
# (the actor's side, the opponent's side), as the query's VALUES block lists them
SIDE_PAIRS = (
    ("possibleSideA", "sideB"), ("possibleSideA", "possibleSideB"), ("sideA", "possibleSideB"),
    ("possibleSideB", "sideA"), ("possibleSideB", "possibleSideA"), ("sideB", "possibleSideA"),
)
COMBAT = (S + "Battle", S + "Capture")


def possible_battle_rows(raw_store, start: date | None = None, end: date | None = None,
                         graph: str | None = None) -> list[dict]:
    """The rows of ``fought-possible`` unbound (every actor), within [start, end] and, with
    ``graph``, in that graph only, from a pyoxigraph Store."""
    import pyoxigraph as ox

    only = ox.NamedNode(graph) if graph else None
    candidates = {(q.subject, q.graph_name)
                  for side in ("possibleSideA", "possibleSideB")
                  for q in raw_store.quads_for_pattern(None, ox.NamedNode(S + side), None, only)}
    combat: dict = {}  # graph -> the event types of the graph that are battles or captures

    def combat_types(g) -> set[str]:
        if g not in combat:
            combat[g] = {q.subject.value for c in COMBAT
                         for q in raw_store.quads_for_pattern(None, ox.NamedNode(ns.RDFS + "subClassOf"),
                                                              ox.NamedNode(c), g)}
        return combat[g]

    start_p, end_p = ox.NamedNode(S + "start"), ox.NamedNode(S + "end")

    def in_window(event, g) -> bool:  # two lookups, where reading the event's quads takes a dozen
        if start is not None and not any(_value(q.object) >= start
                                         for q in raw_store.quads_for_pattern(event, end_p, None, g)):
            return False
        return end is None or any(_value(q.object) <= end for q in raw_store.quads_for_pattern(event, start_p, None, g))

    rows = []
    for event, g in candidates:
        if (start is not None or end is not None) and not in_window(event, g):
            continue
        facts: dict[str, list] = defaultdict(list)
        for q in raw_store.quads_for_pattern(event, None, None, g):
            facts[q.predicate.value].append(q.object)
        # an event has one start, end and precision of each (kg/shapes.ttl)
        first, last = facts.get(S + "start"), facts.get(S + "end")
        sp, ep = facts.get(S + "startPrecision"), facts.get(S + "endPrecision")
        if not (first and last and sp and ep) or not any(t.value in combat_types(g) for t in facts[ns.RDF + "type"]):
            continue
        common = {"event": IRI(event.value), "start": _value(first[0]), "startPrecision": sp[0].value.rpartition("#")[2],
                  "end": _value(last[0]), "endPrecision": ep[0].value.rpartition("#")[2], "graph": IRI(g.value), "sources": ""}
        tolls = [_value(f) for f in facts.get(S + "fatalities", ())] or [None]
        for a_side, b_side in SIDE_PAIRS:
            for a in facts.get(S + a_side, ()):
                for b in facts.get(S + b_side, ()):
                    if a != b:
                        rows += [{**common, "actor": IRI(a.value), "opponent": IRI(b.value), "fatalities": toll}
                                 for toll in tolls]
    return rows


def _value(literal):
    return from_literal(literal.value, literal.datatype.value)
