"""What every import needs of the curated graph (its events as link records, its actors'
rows of actor-index), kept beside the store and carried across imports.

Every import's relink compares its new rows with the curated events: read from the
graph, they cost ~10,000 single-pattern reads (0.25 s, a quarter of a 500-row import).
An import never changes the curated graph, so the rows of the store before an import
are the rows of the store after it. So the write that builds a curated graph
(``Staging.commit`` of ``kg build``) reads them once and writes them as one JSON file
into the staged store's folder, with the curated fingerprint the build stamped into
the graph (``cache.fingerprint``: the data files, schema and version it was built
from); every later switch (an import, a drop) whose store holds the same fingerprint
carries the file over instead of reading the graph again. ``rows`` gives the kept rows
only while the store beside them holds that same fingerprint and they were made by
today's code (this module and the vocabulary); else it reads the graph, as before.

A row is an ``kg.ask.records.EventRecord``'s fields in order (``FIELDS``).

The same holds for the curated graph's rows of actor-index: every switch writes the actor
table (``kg.store.actor_table``), and asking a store just written for them costs 0.05-0.1 s
of a 500-row import, indexing their names 0.03-0.04 s more; ``actor_rows`` gives them
kept, ``actor_names`` their name index, and the table's writer asks the store only for the
imported graphs' actors, and indexes only their names.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from kg.graph import namespaces as ns
from kg.graph.terms import IRI, from_literal
from kg.store.kept import read_kept

log = logging.getLogger("kg")

FINGERPRINT = ns.SKG + "fingerprint"
CURATED_DATASET = ns.DATASET + "curated"
FILE = "kg-curated-records.json"  # not a name RocksDB gives or removes
FORMAT = 3  # a head line, the records' line, the actors' line, their names' line
FIELDS = ("iri", "dataset", "record_id", "label", "type_key", "start", "end", "precision", "lat", "lon", "country",
          "admin1", "place", "place_precision", "fatalities", "low", "high", "side_a", "side_b")
S = ns.SKG

Row = tuple


def stored_fingerprint(raw_store) -> str | None:
    """The fingerprint a build stamped into the curated graph of a pyoxigraph Store, if any."""
    import pyoxigraph as ox

    for q in raw_store.quads_for_pattern(ox.NamedNode(CURATED_DATASET), ox.NamedNode(FINGERPRINT), None,
                                         ox.NamedNode(ns.CURATED_GRAPH)):
        return q.object.value
    return None


def rows(store) -> list[Row]:
    """The curated events' rows: kept beside a read-only store on disk when they are of the
    curated graph it holds, else read from the graph."""
    from kg.store.embedded import OxigraphStore

    if isinstance(store, OxigraphStore) and store.path is not None and not store.writable:
        kept = read(Path(store.path), stored_fingerprint(store.store))
        if kept is not None:
            return kept
    return graph_rows(store)


def read(folder: Path, fingerprint: str | None) -> list[Row] | None:
    """The rows kept in a store's folder, if made by today's code from the curated graph of
    ``fingerprint``; else None (missing, unreadable, or of another graph)."""
    kept = _line(folder, fingerprint, 1, "rows")
    return None if kept is None else _all(_decoded, kept)


def actor_rows(folder: Path, fingerprint: str | None) -> list[dict] | None:
    """The curated graph's rows of actor-index kept in a store's folder (as
    ``kg.store.sparql.run`` gives them), if made by today's code from the curated graph of
    ``fingerprint``; else None (the caller asks the store)."""
    kept = _line(folder, fingerprint, 2, "actors")
    return None if kept is None else _all(_decoded_actor, kept)


def actor_names(folder: Path, fingerprint: str | None):
    """The name index of the kept actor rows alone (``kg.store.actor_table.curated_index``),
    kept beside them, if of ``fingerprint`` and made by today's code; else None."""
    from kg.store.actor_table import decode_names

    kept = _line(folder, fingerprint, 3, "names")
    try:
        return None if kept is None else decode_names(kept)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def _line(folder: Path, fingerprint: str | None, index: int, field: str):
    """The JSON value of ``field`` on line ``index`` of the kept file (0 is the head), if the
    file is of ``fingerprint`` and today's code; else None."""
    text = _text(folder, fingerprint)
    if text is None:
        return None
    try:
        return json.loads(text.split("\n", 3)[index])[field]
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _all(decode, rows) -> list | None:
    """Each kept row decoded, or None if one is not what it should be."""
    try:
        return [decode(r) for r in rows]
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _text(folder: Path, fingerprint: str | None) -> str | None:
    if fingerprint is None:
        return None
    try:
        text = read_kept(Path(folder) / FILE).decode("utf-8")
        head = json.loads(text[:text.index("\n")])
        if not isinstance(head, dict) or head.get("key") != _key() or head.get("fingerprint") != fingerprint:
            return None
        return text
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def write(folder: Path, raw_store, live_folder: Path | None) -> None:
    """Into a staged store's folder (every write to it done), before the switch: the rows of
    its curated graph, carried from the live store's folder when it holds the same graph,
    else read from the staged store (a build). Nothing if the graph has no fingerprint or a
    value JSON would not give back as it was: readers then read the graph."""
    from kg.store.embedded import OxigraphStore

    fingerprint = stored_fingerprint(raw_store)
    path = Path(folder) / FILE
    tmp = path.with_name(FILE + ".tmp")
    text = _text(live_folder, fingerprint) if live_folder is not None else None
    try:
        if text is None and fingerprint is not None:
            store = OxigraphStore.wrapping(raw_store)
            found = graph_rows(store)
            head = json.dumps({"key": _key(), "fingerprint": fingerprint, "format": FORMAT})
            actors = _encoded_actors(store)
            text = "\n".join((head, _dumps({"rows": [_encoded(r) for r in found]}), _dumps({"actors": actors[0]}),
                              _dumps({"names": actors[1]})))
        if text is None:
            path.unlink(missing_ok=True)
            return
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except TypeError as e:  # a start that is not a day: no file, the graph is read
        log.info("kg: no curated records kept beside the store (%s)", e)
        path.unlink(missing_ok=True)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        log.warning("kg: no curated records kept beside the store (%s); imports read the graph", e)


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


ACTOR_FIELDS = ("g", "actor", "label", "alias", "founded", "dissolved", "person")


def _encoded_actors(store) -> tuple[list | None, dict | None]:
    """The curated graph's actor-index rows and their name index as JSON data; None, None
    (not kept: the table's writer asks the store) if a value is not of the types JSON
    gives back exactly."""
    from kg.store.actor_table import curated_index, encode_names, index_rows

    out, rows = [], []
    for row in index_rows(store):
        if row["g"] != ns.CURATED_GRAPH:
            continue
        g, actor, label, alias, founded, dissolved, person = (row[k] for k in ACTOR_FIELDS)
        if not (isinstance(g, IRI) and isinstance(actor, IRI) and type(label) is str and type(person) is bool
                and (alias is None or type(alias) is str)
                and all(d is None or type(d) is date for d in (founded, dissolved))):
            log.info("kg: the curated actors' rows are not kept beside the store (%r)", row)
            return None, None
        rows.append(row)
        out.append([str(g), str(actor), label, alias, founded and founded.isoformat(),
                    dissolved and dissolved.isoformat(), person])
    try:
        return out, encode_names(curated_index(rows))
    except TypeError as e:  # a label that is not a string
        log.info("kg: the curated actors' names are not kept beside the store (%s)", e)
        return out, None


def _decoded_actor(row: list) -> dict:
    g, actor, label, alias, founded, dissolved, person = row
    return {"g": IRI(g), "actor": IRI(actor), "label": label, "alias": alias,
            "founded": date.fromisoformat(founded) if founded is not None else None,
            "dissolved": date.fromisoformat(dissolved) if dissolved is not None else None, "person": person}


def _encoded(row: Row) -> list:
    out = list(row)
    for i in (FIELDS.index("start"), FIELDS.index("end")):
        if type(out[i]) is not date:
            raise TypeError(f"not a day: {out[i]!r}")
        out[i] = out[i].isoformat()
    for i in (FIELDS.index("side_a"), FIELDS.index("side_b")):
        out[i] = sorted(out[i])
    return out


def _decoded(row: list) -> Row:
    out = list(row)
    if len(out) != len(FIELDS):
        raise ValueError("not a row of the curated records")
    for i in (FIELDS.index("start"), FIELDS.index("end")):
        out[i] = date.fromisoformat(out[i])
    for i in (FIELDS.index("side_a"), FIELDS.index("side_b")):
        out[i] = frozenset(out[i])
    return tuple(out)


@cache
def _key() -> str:
    """What the rows are derived by: the format, this module's source and the vocabulary's
    (the event types' keys), and the text of actor-index. A change to any of them makes older
    files unused."""
    from kg.graph import vocab
    from kg.store import sparql
    from kg.store.digest import digest

    h = digest(str(FORMAT).encode())
    for path in (sys.modules[__name__].__file__, vocab.__file__):
        h.update(Path(path).read_bytes())
    h.update(sparql.get("actor-index").text.encode())
    return h.hexdigest()


def _int(value) -> int | None:
    return None if value is None else int(value)


def graph_rows(store) -> list[Row]:
    """The curated events' rows read from the graph: a handful of single-pattern reads joined
    here, where one query with nested OPTIONALs took 1.3 s on Oxigraph."""
    from kg.graph.vocab import vocabulary

    g = ns.CURATED_GRAPH
    type_key = {t.iri: key for key, t in vocabulary().event_types.items()}

    raw = getattr(store, "store", None) if getattr(store, "name", None) == "oxigraph" else None

    def triples(predicate: str) -> Iterable[tuple[str, Any, str]]:
        """(subject, object as a Python value, its language tag) of every triple of ``predicate``:
        on Oxigraph one index scan (no SPARQL to parse, no row dicts)."""
        if raw is None:
            query = f"SELECT ?s ?o (LANG(?o) AS ?l) WHERE {{ GRAPH <{g}> {{ ?s <{predicate}> ?o }} }}"
            for r in store.select(query):
                yield str(r["s"]), r["o"], str(r["l"] or "")
            return
        import pyoxigraph as ox

        for q in raw.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.NamedNode(g)):
            o = q.object
            if isinstance(o, ox.Literal):
                yield q.subject.value, from_literal(o.value, o.datatype.value), o.language or ""
            else:
                yield q.subject.value, o.value, ""

    def pairs(predicate: str) -> Iterable[tuple[str, Any]]:
        return ((s, o) for s, o, _lang in triples(predicate))

    def english(predicate: str) -> dict[str, Any]:
        """One literal per subject: the English (or untagged) one when there is one."""
        out: dict[str, tuple[bool, Any]] = {}
        for s, o, lang in triples(predicate):
            rank = lang not in ("", "en")
            if s not in out or rank < out[s][0]:
                out[s] = (rank, o)
        return {s: o for s, (_rank, o) in out.items()}

    values = " ".join(f"<{t}>" for t in sorted(type_key))
    typed = {str(r["e"]): str(r["t"]) for r in store.select(
        f"SELECT ?e ?t WHERE {{ GRAPH <{g}> {{ VALUES ?t {{ {values} }} ?e a ?t }} }}")}
    starts, ends = dict(pairs(f"{S}start")), dict(pairs(f"{S}end"))
    events: dict[str, tuple[str, Any, Any]] = {}
    for e, t in typed.items():
        first, last = starts.get(e), ends.get(e)
        if e.startswith(ns.EVENT) and first is not None and last is not None:
            events[e] = (t, first, last)
    sides: dict[str, tuple[set, set]] = {}
    actor_of, side_of = dict(pairs(f"{S}actor")), dict(pairs(f"{S}side"))
    for e, p in pairs(f"{S}participation"):
        p = str(p)
        if p in actor_of:
            pair = sides.setdefault(e, (set(), set()))
            pair[1 if str(side_of.get(p) or "a") == "b" else 0].add(str(actor_of[p]))
    labels = english(f"{ns.RDFS}label")
    precisions = dict(pairs(f"{S}startPrecision"))
    tolls = {p: dict(pairs(f"{S}{p}")) for p in ("fatalities", "fatalitiesLow", "fatalitiesHigh")}
    places = dict(pairs(f"{S}place"))
    lats, longs, countries = dict(pairs(f"{ns.GEO}lat")), dict(pairs(f"{ns.GEO}long")), dict(pairs(f"{S}country"))
    regional = {str(r["s"]) for r in store.select(
        f"SELECT ?s WHERE {{ GRAPH <{g}> {{ ?s a ?t }} FILTER(STRENDS(STR(?t), \"Region\") "
        f"|| STRENDS(STR(?t), \"BorderArea\")) }}")}
    out = []
    for e, (t, first, last) in events.items():
        if e not in labels:
            continue
        place = str(places[e]) if e in places else None
        lat = lats.get(place) if place in longs else None
        lon = longs.get(place) if place in lats else None
        precision = "point"
        if lat is None:
            precision = "country"
        elif place in regional:
            precision = "region"
        a, b = sides.get(e, ((), ()))
        out.append((
            e, "curated", ns.local_id(e), str(labels[e]), type_key[t], first, last,
            ns.local_id(str(precisions[e])) if e in precisions else "Day",
            float(lat) if lat is not None else None, float(lon) if lon is not None else None,
            str(countries.get(place) or "") if place else "", "", str(labels.get(place) or "") if place else "",
            precision, _int(tolls["fatalities"].get(e)), _int(tolls["fatalitiesLow"].get(e)),
            _int(tolls["fatalitiesHigh"].get(e)), frozenset(a), frozenset(b)))
    return out


__all__ = ["CURATED_DATASET", "FIELDS", "FINGERPRINT", "actor_names", "actor_rows", "graph_rows", "read", "rows",
           "stored_fingerprint", "write"]
