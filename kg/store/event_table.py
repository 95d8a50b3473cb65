"""Every event's facts, participants and places, kept beside the store for the map of ``kg viz``.

The map needs a few facts of every event (the named queries ``map-events``,
``event-sides`` and ``map-places``). On a store holding a 100,000-row import those
queries return about a million rows, and the store spends a minute turning its
numbered terms back into text (decoding, not finding, is the cost: counting the
same rows takes a fifth of a second). So the first ``kg viz`` of a store runs them
once and writes their rows into the store's folder (a live store is never written
again, so the rows stay true); later pages read one file. Writers do not make the
table: on a 50,000-row import it took 20 of the import's 33 seconds, with the
writer lock held, for a page nobody may draw. A table is used only when it is provably of
the store it sits in (the same test as the actor table: its format, the queries'
texts and this module's source, RocksDB's IDENTITY and CURRENT); otherwise the
queries are run, and the answers are the same either way.

An embedded store's map does not need the table any more: ``kg.store.event_facts`` reads the
same facts grouped by event inside the engine in a few seconds. The table is made only when
that read declines (an event with two values of one fact, where the rows' order decides).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from kg.graph.terms import IRI
from kg.store import sparql
from kg.store.actor_table import _rocksdb_state
from kg.store.kept import read_kept

log = logging.getLogger("kg")

FILE = "kg-event-table.json"  # not a name RocksDB gives or removes
FORMAT = 1
QUERIES = ("map-events", "event-sides", "map-places")


def compute(ox_store) -> dict | None:
    """The rows of ``QUERIES`` on a staged pyoxigraph Store, as JSON data; None (no table:
    readers ask the store) if they cannot be kept exactly."""
    from kg.store.embedded import OxigraphStore

    try:
        store = OxigraphStore.wrapping(ox_store)
        terms: dict[Any, int] = {}
        out: dict[str, Any] = {"format": FORMAT, "key": _key(), "queries": {}}
        for name in QUERIES:
            rows = sparql.run(store, name)
            names = list(rows[0]) if rows else []
            out["queries"][name] = {"vars": names, "rows": [[_encode(r[n], terms) for n in names] for r in rows]}
        out["terms"] = [t for t, _i in sorted(terms.items(), key=lambda kv: kv[1])]
        return out
    except Exception as e:  # noqa: BLE001  the table is an optimisation: a write never fails for it
        log.warning("kg: no event table written beside the store (%s); kg viz asks the store instead", e)
        return None


def _encode(value: Any, terms: dict) -> Any:
    """A value as JSON gives it back exactly: an IRI or a string by its number in ``terms``
    (IRIs negative), a date as [y, m, d], a number or a boolean as itself."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, IRI):
        return -1 - terms.setdefault(("i", str(value)), len(terms))
    if type(value) is date:
        return [value.year, value.month, value.day]
    if isinstance(value, str) and not isinstance(value, datetime):
        return [terms.setdefault(("s", value), len(terms))]
    raise TypeError(f"cannot keep {value!r} exactly")


def write(folder: Path, data: dict | None) -> None:
    """Write ``compute``'s table into a staged store's folder, closed (RocksDB's CURRENT final)."""
    path = Path(folder) / FILE
    tmp = path.with_name(FILE + ".tmp")
    if data is None:
        path.unlink(missing_ok=True)
        return
    try:
        data = {**data, "rocksdb": _rocksdb_state(Path(folder))}
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:  # a store this user may only read: the page asks the store each time
        tmp.unlink(missing_ok=True)
        log.info("kg: no event table written beside the store (%s); kg viz asks the store instead", e)


def rows(store, name: str) -> list[dict[str, Any]]:
    """The rows of the named query ``name`` (one of ``QUERIES``), from the table beside the
    store when there is one provably of it, else from the store."""
    table = _load(store)
    if table is None or name not in table["queries"]:
        return sparql.run(store, name)
    return _decoded(table["queries"][name], table["terms"])


def _decoded(q: dict, terms: list) -> list[dict[str, Any]]:
    decoded = [IRI(text) if kind == "i" else text for kind, text in terms]
    names = q["vars"]

    def value(v):
        if isinstance(v, int) and not isinstance(v, bool) and v < 0:
            return decoded[-1 - v]
        if isinstance(v, list):
            return decoded[v[0]] if len(v) == 1 else date(v[0], v[1], v[2])
        return v

    return [{n: value(v) for n, v in zip(names, row)} for row in q["rows"]]


def kept_rows(store, name: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of the named query ``name`` with ``params``, kept beside a read-only store the
    first time they are asked for (``keep``) and read from there later: the same rows, typed
    the same (``_encode``), without the store decoding its terms again. ``kg viz`` of a
    100,000-row import reads the network's three queries in about 10 s of CPU, the kept rows
    in a fraction of a second. Any other store (in memory, open for writing, remote) is asked."""
    if _folder(store) is None:
        return sparql.run(store, name, **params)
    from kg.store.digest import digest

    h = digest(_key().encode())
    h.update(json.dumps([name, sparql.get(name).text, sorted((k, repr(v)) for k, v in params.items())]).encode())
    key, kept_as = h.hexdigest(), f"rows-{name}"
    text = derived(store, kept_as, key)
    if text is not None:
        try:
            data = json.loads(text)
            return _decoded(data, [tuple(t) for t in data["terms"]])
        except (ValueError, KeyError, TypeError, IndexError):
            pass  # not readable: asked again, and kept again
    found = sparql.run(store, name, **params)
    names = list(found[0]) if found else []
    terms: dict[Any, int] = {}
    try:
        data = {"vars": names, "rows": [[_encode(r[n], terms) for n in names] for r in found]}
    except TypeError:  # a value JSON cannot give back exactly: not kept
        return found
    data["terms"] = [t for t, _i in sorted(terms.items(), key=lambda kv: kv[1])]
    keep(store, kept_as, key, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return found


def _load(store) -> dict | None:
    from kg.store.embedded import OxigraphStore

    found = getattr(store, "_event_table", None)
    if found is not None:
        return found or None
    if not isinstance(store, OxigraphStore) or store.path is None or store.writable:
        return None
    table = read(Path(store.path))
    if table is None:  # the first kg viz of this store: ask it once, and keep the answer beside it
        table = compute(store.store)
        if table is not None:
            write(Path(store.path), table)
            table = read(Path(store.path)) or table
    store._event_table = table if table is not None else False
    return table


def read(folder: Path) -> dict | None:
    """The table in a store's folder, or None if missing, unreadable or not provably of that store."""
    try:
        state = _rocksdb_state(folder)
        data = json.loads(read_kept(folder / FILE))
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("rocksdb") != state:
            return None
        if data.get("key") != _key():
            return None
        data["terms"] = [tuple(t) for t in data["terms"]]
        return data
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


@cache
def _key() -> str:
    """What a table is derived by: its format, the queries' texts and this module's source."""
    from kg.store.digest import digest

    h = digest(str(FORMAT).encode())
    for name in QUERIES:
        h.update(sparql.get(name).text.encode())
    h.update(Path(sys.modules[__name__].__file__).read_bytes())
    return h.hexdigest()


# -- what a page derives from these rows, kept too ---------------------------------------

DERIVED = "kg-page-{name}.json"  # not a name RocksDB gives or removes


def _folder(store) -> Path | None:
    """The folder of a read-only store on disk (the only kind whose content never changes)."""
    from kg.store.embedded import OxigraphStore

    if not isinstance(store, OxigraphStore) or store.path is None or store.writable:
        return None
    return Path(store.path)


def derived(store, name: str, key: str) -> str | None:
    """Text a page made from this store earlier (``keep``), if it is provably of this store
    and was made by the same ``key`` (the maker's code and inputs); else None."""
    folder = _folder(store)
    if folder is None:
        return None
    try:
        text = read_kept(folder / DERIVED.format(name=name)).decode("utf-8")
        first, _, rest = text.partition("\n")
        head = json.loads(first)
        if head.get("key") != key or head.get("rocksdb") != _rocksdb_state(folder):
            return None
        return rest
    except (OSError, ValueError, AttributeError):
        return None


def keep(store, name: str, key: str, text: str) -> None:
    """Keep ``text`` beside a read-only store for ``derived`` (nothing if it cannot be written:
    the page is then made again next time)."""
    folder = _folder(store)
    if folder is None:
        return
    path = folder / DERIVED.format(name=name)
    tmp = path.with_name(path.name + ".tmp")
    try:
        head = json.dumps({"key": key, "rocksdb": _rocksdb_state(folder)})
        tmp.write_text(head + "\n" + text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        log.info("kg: %s not kept beside the store (%s)", path.name, e)
