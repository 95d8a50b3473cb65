"""Every event's facts and sides for the map of ``kg viz``, read from an embedded Oxigraph store
in one grouped query instead of a million rows.

The map needs, of every event, its class, start, end, start precision, place, fatalities,
label, sources and the actors on each side (the named queries ``map-events`` and
``event-sides``). Those return one row per fact: on a store holding a 100,000-row import
about a million rows, each naming its event, and Oxigraph spends nearly all of the minute
they take turning the event's stored number back into its IRI (a RocksDB read per term,
~5 µs), not finding the facts. Here the facts are grouped by event inside the engine (GROUP
BY on the stored numbers), each event's IRI is written out once, and the values that repeat
(classes, precisions, actors: a few hundred terms for 100,000 events) travel as small numbers
bound by VALUES, so they are never decoded again: the same facts in a few seconds.

The answer is exactly what the rows would give only when every event has at most one
distinct value of each single-valued fact (two starts, two places or two event classes
would make the rows' order decide); ``read`` checks that and returns None otherwise, as it
does for a store that is not an embedded Oxigraph one or holds graphs that are not kg's:
the caller then reads the named queries' rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from kg.graph import namespaces as ns

SCALARS = ("start", "end", "startPrecision", "place", "fatalities", "sourceNames", "label")
SIDES = {"sideA": "a", "sideB": "b"}


def read(store, classes: Iterable[str], places: Iterable[str]) -> tuple[list[tuple[str, dict[str, Any]]],
                                                                         list[tuple[str, str, str]]] | None:
    """(events, sides) as ``map-events`` and ``event-sides`` give them, or None (see the module
    doc): ``events`` is (event IRI, facts) for every subject of one of ``classes`` (IRIs of
    event classes), its facts keyed as ``kg.explore.eventmap`` reads them (``class``,
    ``start`` and ``end`` as dates, ``startPrecision`` as a local name, ``place``, ``label``
    and ``sourceNames`` as text, ``fatalities`` as a number, ``source`` a sorted list of IRIs);
    ``place`` is given only when it is one of ``places`` (the places the map can draw: any
    other place is to the map as no place at all); ``sides`` is (event IRI, "a", "b" or "",
    actor IRI) of every participation. Both sorted by event IRI (the rows' order is the
    engine's: a page made either way numbers its tables differently, and means the same)."""
    if not possible(store):
        return None
    classes = sorted(classes)
    if any(not _plain_iri(c) for c in classes):
        return None
    actors = _column(store, "SELECT DISTINCT ?a WHERE { GRAPH ?g { { ?e skg:sideA ?a } UNION { ?e skg:sideB ?a } } }")
    precisions = _column(store, "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?e skg:startPrecision ?p } }")
    names = _column(store, "SELECT DISTINCT ?n WHERE { GRAPH ?g { ?e skg:sourceNames ?n } }", iris=False)
    places = sorted(set(places))
    if actors is None or precisions is None or any(not _plain_iri(t) for t in actors + precisions + places):
        return None  # a literal or a blank node where an IRI was expected: the rows say what it means
    rows = _grouped(store, _query(classes, actors, precisions, places, names))
    events: list[tuple[str, dict[str, Any]]] = []
    sides: list[tuple[str, str, str]] = []
    for r in rows:
        e = r["event"]
        for side in ("a", "b"):
            found = r[side].split()
            for i in sorted(set(found), key=int) if len(found) > 1 else found:
                sides.append((e, side, actors[int(i)]))
        found = set(r["classes"].split())
        if not found:
            continue
        if len(found) > 1:
            return None  # two event classes: the rows' order would pick one
        facts: dict[str, Any] = {"class": classes[int(found.pop())]}
        present = 0
        for k in SCALARS:
            v = r[k]
            if v:
                present += 1
                facts[k] = v
        if int(r["n"]) != present + (r["place"] == "" and r["placed"] != "0"):
            return None  # a fact stated twice (or a value SAMPLE did not give): the rows' order would decide
        if "start" in facts:
            facts["start"] = date.fromisoformat(facts["start"][:10])
        if "end" in facts:
            facts["end"] = date.fromisoformat(facts["end"][:10])
        if "place" in facts:
            facts["place"] = places[int(facts["place"])]
        if "sourceNames" in facts:
            facts["sourceNames"] = _literal_text(names[int(facts["sourceNames"])])
        if "startPrecision" in facts:
            facts["startPrecision"] = ns.local_id(precisions[int(facts["startPrecision"])])
        if "fatalities" in facts:
            facts["fatalities"] = _number(facts["fatalities"])
        if r["sources"].strip():
            facts["source"] = sorted(set(r["sources"].split()))
        events.append((e, facts))
    sides += _participations(store)
    sides.sort(key=lambda s: s[0])  # stable: each event's sides in the order read
    return events, sides


def possible(store) -> bool:
    """Whether ``read`` can answer for this store: an embedded Oxigraph store holding kg's graphs only
    (``map-events`` reads those; a SPARQL server's own graphs are left out)."""
    from kg.store.embedded import OxigraphStore

    if not isinstance(store, OxigraphStore):
        return False
    graphs = store.graphs()
    return bool(graphs) and all(g.startswith(ns.GRAPH) for g in graphs)


def _plain_iri(term: str) -> bool:
    return bool(term) and not any(c in term for c in '<>"{}|^`\\ \n\t')


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _query(classes: list[str], actors: list[str], precisions: list[str], places: list[str], names: list[str]) -> str:
    """The grouped read: one UNION branch per fact (each one index scan), grouped by event."""
    def values(term: str, number: str, terms: list[str]) -> str:
        """``term`` bound to each of ``terms`` and ``number`` to its position, as text."""
        return f"VALUES (?{term} ?{number}) {{ " + " ".join(f'(<{t}> "{i}")' for i, t in enumerate(terms)) + " }"

    literals = "VALUES (?sn ?sni) { " + " ".join(f'({t} "{i}")' for i, t in enumerate(names)) + " }"

    return f"""
SELECT ?event
  (GROUP_CONCAT(COALESCE(?ci, "")) AS ?classes)
  (SAMPLE(?st) AS ?start) (SAMPLE(?en) AS ?end) (SAMPLE(?spi) AS ?startPrecision) (SAMPLE(?pli) AS ?place)
  (SAMPLE(STR(?fa)) AS ?fatalities) (SAMPLE(?sni) AS ?sourceNames) (SAMPLE(?lb) AS ?label)
  (COUNT(?pl) AS ?placed)
  (COUNT(?st) + COUNT(?en) + COUNT(?sp) + COUNT(?pl) + COUNT(?fa) + COUNT(?sn) + COUNT(?lb) AS ?n)
  (GROUP_CONCAT(COALESCE(STR(?src), "")) AS ?sources)
  (GROUP_CONCAT(COALESCE(?ai, "")) AS ?a) (GROUP_CONCAT(COALESCE(?bi, "")) AS ?b)
WHERE {{
  GRAPH ?g {{
    {{ ?event rdf:type ?c {values("c", "ci", classes)} }}
    UNION {{ ?event skg:start ?st }}
    UNION {{ ?event skg:end ?en }}
    UNION {{ ?event skg:startPrecision ?sp {values("sp", "spi", precisions)} }}
    UNION {{ ?event skg:place ?pl }}
    UNION {{ ?event skg:place ?plT {values("plT", "pli", places)} }}
    UNION {{ ?event skg:fatalities ?fa }}
    UNION {{ ?event skg:sourceNames ?sn {literals} }}
    UNION {{ ?event prov:wasDerivedFrom ?src }}
    UNION {{ ?event rdfs:label ?lb FILTER(LANG(?lb) IN ("", "en")) }}
    UNION {{ ?event skg:sideA ?xa {values("xa", "ai", actors)} }}
    UNION {{ ?event skg:sideB ?xb {values("xb", "bi", actors)} }}
  }}
}}
GROUP BY ?event
HAVING (COUNT(?ci) > 0 || COUNT(?ai) > 0 || COUNT(?bi) > 0)
"""


def _grouped(store, query: str) -> list[dict[str, str]]:
    """The grouped read's rows as text (CSV written by the engine, read by the csv module), by event IRI."""
    import pyoxigraph as ox

    text = store.store.query(query, prefixes=ns.PREFIXES).serialize(format=ox.QueryResultsFormat.CSV)
    reader = csv.DictReader(io.StringIO(text.decode("utf-8")))
    return sorted(reader, key=lambda r: r["event"])


def _column(store, query: str, iris: bool = True) -> list[str] | None:
    """The IRIs a one-column query gives, sorted; None if one of its values is not an IRI.
    With ``iris=False`` its values as N-Triples terms (a literal with its quotes)."""
    import pyoxigraph as ox

    text = store.store.query(query, prefixes=ns.PREFIXES).serialize(format=ox.QueryResultsFormat.TSV)
    terms = [t for t in text.decode("utf-8").split("\n")[1:] if t]
    if not iris:
        return sorted(terms)
    if not all(t.startswith("<") and t.endswith(">") for t in terms):
        return None
    return sorted(t[1:-1] for t in terms)


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _literal_text(term: str) -> str:
    """The text of a literal in N-Triples form (its quotes, escapes, language or datatype left out)."""
    body = term[1:term.rindex('"')]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if m.group(3) is None
                       else _ECHAR.get(m.group(3), m.group(0)), body)


def _participations(store) -> list[tuple[str, str, str]]:
    """The curated participations (``event-sides``' first branch): an actor with or without a side."""
    rows = store.select(
        "SELECT ?event ?actor (COALESCE(STR(?s), \"\") AS ?side) WHERE { GRAPH ?g { ?event skg:participation ?p . "
        "?p skg:actor ?actor . OPTIONAL { ?p skg:side ?s } } }")
    return sorted((str(r["event"]), r["side"], str(r["actor"])) for r in rows)
