"""The actors' names, lifespans and roll-up edges, and the as-of day, kept beside the store.

Every ``kg fought`` needs all of them, and asking the store for them costs more
than the rest of a one-actor answer (actor-index: 15 ms on the curated graph,
0.16-0.19 s at 1M synthetic statements; then the name index is built from its
rows). So the writer that writes a store (``Staging.commit``: kg build, kg import,
kg drop) computes them from the staged store, with the same queries and the same
code, and writes them as one JSON file into the staged store's folder; the one
rename of the switch publishes the file together with the store it was made from.

A table is used only when it is provably of the store it sits in: its format,
the queries it was made by and the code that made it (this module, names.py) are
today's, and RocksDB's IDENTITY (the store's own id) and CURRENT (which names the
store's manifest, a new one each time RocksDB opens the store for writing) are the
ones it was written beside. Otherwise (a store written by an earlier kg, a store opened for writing
since, a missing or unreadable file, a store without a folder) the queries are
run, as before; the answers are the same either way.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from kg.graph import namespaces as ns
from kg.graph.dates import Period
from kg.graph.terms import IRI
from kg.store import sparql
from kg.store.kept import read_kept
from kg.store.names import NameIndex

log = logging.getLogger("kg")

FILE = "kg-actor-table.json"  # not a name RocksDB gives or removes (numbered .sst/.log, MANIFEST-, OPTIONS-)
FORMAT = 1  # of the file; the code that writes and reads it is part of its key anyway
QUERIES = ("actor-index", "rollup-edges", "dataset-names")

# The start of a lifespan with no founding date (rollup.ALWAYS.start, without importing rollup here).
BEGINNING = date(1, 1, 1)

Lives = dict[IRI, tuple[Period, bool]]
Parts = dict[IRI, list[tuple[IRI, Period]]]


@dataclass
class ActorTable:
    """What ``kg fought`` needs to know of every actor before it asks for evidence."""

    names: NameIndex
    lives: Lives  # actor -> (lifespan, is a person)
    parts: Parts | None  # whole -> [(part, period)] of the roll-up edges; None: not read (ask the store)
    stored_as_of: date | None  # the curated data set's as-of day, if it has one

    @property
    def as_of(self) -> date:
        """Where an ongoing relation ends: the data's as-of day, else today (as sparql.as_of)."""
        return self.stored_as_of or date.today()


def of(store) -> ActorTable:
    """The table of ``store``: read from beside it when there is one provably of it,
    else from the store (actor-index and the as-of day; roll-up edges on demand)."""
    table = load(store)
    if table is not None:
        return table
    from kg.store.names import index

    rows = index_rows(store)  # names and lifespans in one query
    return ActorTable(index(store, rows), lifespans(rows), None, sparql.stored_as_of(store))


def index_rows(store, curated: list[dict] | None = None) -> list[dict]:
    """actor-index's rows in one order whatever the store's query plan (by graph, the curated
    graph's first, then by actor and the other fields), so that a table made from parts of
    them is the table made from all of them.

    ``curated``: the curated graph's rows, kept from a store holding the same curated graph
    (``kg.store.curated_records.actor_rows``); then only the other graphs are asked, each
    on its own (an import's few new actors: ~10 ms, where all the rows take 0.05-0.1 s on a
    store just written). An import cannot add rows to the curated graph's: its actors are
    in its own graph, and its classes are subclasses of events, not of skg:Actor."""
    if curated is None:
        rows = sparql.run(store, "actor-index")
    else:
        rows = list(curated)
        for graph in store.graphs():
            if graph != ns.CURATED_GRAPH:
                rows += sparql.run(store, "actor-index", g=IRI(graph))
    return sorted(rows, key=index_order)


def index_order(row: dict) -> tuple:
    """The sort key of ``index_rows``: the curated graph first, then every field as text."""
    return (str(row["g"]) != ns.CURATED_GRAPH, *(
        (row[k] is not None, str(row[k]) if row[k] is not None else "")
        for k in ("g", "actor", "label", "alias", "founded", "dissolved", "person")))


def rollup_parts(store) -> Parts:
    """The roll-up edges of ``store``, by whole: from its table, else from the store."""
    table = load(store)
    if table is not None and table.parts is not None:
        return table.parts
    return parts_from_rows(sparql.run(store, "rollup-edges"))


def lifespans(rows) -> Lives:
    """Each actor's lifespan and whether it is a person, from actor-index's rows."""
    out: Lives = {}
    for r in rows:
        span = Period(r["founded"] or BEGINNING, r["dissolved"], "Day", "Day")
        person = bool(r["person"]) or out.get(r["actor"], (None, False))[1]
        out[r["actor"]] = (span, person)
    return out


def parts_from_rows(rows) -> Parts:
    """The parts of each whole, with the periods, from rollup-edges' rows."""
    parts: Parts = {}
    for row in rows:
        parts.setdefault(row["whole"], []).append((row["part"], Period(row["start"], row["end"], "Day", "Day")))
    return parts


# -- writing (under the writer lock, into a staged store's folder) ----------------


def compute(ox_store, curated: list[dict] | None = None, curated_names: NameIndex | None = None) -> dict | None:
    """The table of a staged pyoxigraph Store (every write to it done), as JSON data;
    None (and no table: readers ask the store) if it cannot be made exactly. ``curated``:
    the curated graph's actor-index rows, if kept (see ``index_rows``); ``curated_names``,
    the name index of those rows alone (``curated_index``), if kept with them: the names
    are then indexed from the other graphs' rows on (0.03-0.04 s of a 500-row import)."""
    from kg.store.embedded import OxigraphStore

    try:
        store = OxigraphStore.wrapping(ox_store)
        rows = index_rows(store, curated)
        sources = sparql.run(store, "dataset-names")
        if curated is not None and curated_names is not None:
            names = NameIndex.from_rows(rows[len(curated):], sources, start=curated_names)  # the curated rows lead
        else:
            names = NameIndex.from_rows(rows, sources)
        table = ActorTable(names, lifespans(rows), parts_from_rows(sparql.run(store, "rollup-edges")),
                           sparql.stored_as_of(store))
        return _encode(table)
    except Exception as e:  # noqa: BLE001  the table is an optimisation: a write never fails for it
        log.warning("kg: no actor table written beside the store (%s); kg fought asks the store instead", e)
        return None


def write(folder: Path, data: dict | None) -> None:
    """Write ``compute``'s table into a staged store's folder, closed (RocksDB's CURRENT final).

    The folder is not live yet: the switch's rename publishes the table with it."""
    path = Path(folder) / FILE
    tmp = path.with_name(FILE + ".tmp")
    if data is None:  # none at all rather than one that is not of this store
        path.unlink(missing_ok=True)
        return
    try:
        data = {**data, "rocksdb": _rocksdb_state(Path(folder))}
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        log.warning("kg: no actor table written beside the store (%s); kg fought asks the store instead", e)


def curated_index(curated: list[dict]) -> NameIndex:
    """The name index of the curated graph's actor-index rows alone, as ``index_rows`` orders
    them (what ``compute`` starts from, kept beside the store with those rows)."""
    return NameIndex.from_rows(sorted(curated, key=index_order))


def encode_names(names: NameIndex) -> dict:
    """A name index as JSON data (the table's encoding, without lifespans or roll-ups)."""
    return _encode(ActorTable(names, {}, None, None))


def decode_names(data: dict) -> NameIndex:
    """``encode_names``' data as the index it was; KeyError, TypeError, ValueError if it is not."""
    if data.get("format") != FORMAT or data.get("key") != _key():
        raise ValueError("not a name index of today's code")
    return _decode(data).names


def _encode(table: ActorTable) -> dict:
    """JSON data of ``table``: actors by number, dates as ISO days, every dict in its order.

    Raises TypeError on a value JSON would not give back as it was (a date that is not
    an xsd:date, a label that is not a string): then no table is written."""
    numbers: dict[IRI, int] = {}

    def number(iri) -> int:
        if not isinstance(iri, IRI):
            raise TypeError(f"not an IRI: {iri!r}")
        return numbers.setdefault(iri, len(numbers))

    def day(value) -> str | None:
        if value is None:
            return None
        if type(value) is not date:
            raise TypeError(f"not a date: {value!r}")
        return value.isoformat()

    def text(value) -> str:
        if not isinstance(value, str):
            raise TypeError(f"not a string: {value!r}")
        return value

    names = table.names
    data = {
        "labels": [[number(a), text(label)] for a, label in names.labels.items()],
        "keys": [[text(k), [[number(a), rank] for a, rank in bucket.items()]] for k, bucket in names.keys.items()],
        "loose": [[text(k), [[number(a), rank] for a, rank in bucket.items()]] for k, bucket in names.loose_keys.items()],
        "sources": [[text(d), [[text(k), number(a)] for k, a in keys.items()]] for d, keys in names.source_keys.items()],
        "lives": [[number(a), day(span.start), day(span.end), bool(person)] for a, (span, person) in table.lives.items()],
        "parts": [[number(whole), [[number(p), day(period.start), day(period.end)] for p, period in parts]]
                  for whole, parts in (table.parts or {}).items()],
        "as_of": day(table.stored_as_of),
    }
    return {"format": FORMAT, "key": _key(), "actors": [str(a) for a in numbers], **data}


def rewrite(folder: Path) -> None:
    """Write the table of the store in ``folder`` again, for a store written in place,
    outside ``Staging`` (a benchmark loading a graph straight into it): the caller
    holds the writer lock and no process writes the store any more. Readers that
    opened the store since it was written fall back to the queries until then."""
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore(Path(folder), read_only=True)  # read-only: CURRENT stays as it is
    data = compute(store.store)
    del store
    write(folder, data)


# -- reading -----------------------------------------------------------------


def load(store) -> ActorTable | None:
    """The table beside ``store`` if there is one provably of it, else None; read once per
    store object (a store opened read-only is a snapshot: its table cannot change)."""
    from kg.store.embedded import OxigraphStore

    found = getattr(store, "_actor_table", None)
    if found is not None:
        return found or None
    if not isinstance(store, OxigraphStore) or store.path is None or store.writable:
        return None  # in memory, or open for writing: nothing on disk says what it holds now
    table = read(Path(store.path))
    store._actor_table = table if table is not None else False
    return table


def read(folder: Path) -> ActorTable | None:
    """The table in a store's folder, or None if it is missing, unreadable, or not
    provably of the store there (see the module's docstring)."""
    try:
        raw = read_kept(folder / FILE)
        state = _rocksdb_state(folder)
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("rocksdb") != state:
            return None
        if data.get("key") != _key():
            return None
        return _decode(data)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _rocksdb_state(folder: Path) -> list[str]:
    """What tells this store from any other and from itself before its last write:
    RocksDB's IDENTITY (made with the store; a checkpoint gets its own once opened)
    and CURRENT (the manifest's name: a new one on every opening for writing)."""
    return [(folder / name).read_text(encoding="utf-8") for name in ("IDENTITY", "CURRENT")]


def _decode(data: dict) -> ActorTable:
    actors = [IRI(a) for a in data["actors"]]

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value is not None else None

    labels = {actors[i]: label for i, label in data["labels"]}
    keys = {k: {actors[i]: rank for i, rank in bucket} for k, bucket in data["keys"]}
    loose = {k: {actors[i]: rank for i, rank in bucket} for k, bucket in data["loose"]}
    sources = {d: {k: actors[i] for k, i in pairs} for d, pairs in data["sources"]}
    lives = {actors[i]: (Period(day(start), day(end), "Day", "Day"), person) for i, start, end, person in data["lives"]}
    parts = {actors[w]: [(actors[p], Period(day(start), day(end), "Day", "Day")) for p, start, end in members]
             for w, members in data["parts"]}
    return ActorTable(NameIndex(labels, keys, sources, loose), lives, parts, day(data["as_of"]))


@cache
def _key() -> str:
    """What a table is derived by: its format, the queries' texts and the source of the
    code that turns their rows into it. A change to any of them makes older tables unused."""
    from kg.store.digest import digest

    h = digest(str(FORMAT).encode())
    for name in QUERIES:
        h.update(sparql.get(name).text.encode())
    h.update(sparql.AS_OF_QUERY.encode())
    for module in (__name__, NameIndex.__module__):
        h.update(Path(sys.modules[module].__file__).read_bytes())
    return h.hexdigest()
