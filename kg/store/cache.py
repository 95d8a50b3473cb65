"""The built graph, cached in an on-disk Oxigraph store so that a CLI call
opens it (about 20 ms) instead of re-reading the CSV files.

The cache is keyed by a fingerprint of the data files, the schema and the
package version, written in the same batch as the graph itself: a stale,
half-written or corrupt cache has no matching fingerprint and is rebuilt,
never trusted.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kg.errors import StoreCorrupt, StoreError
from kg.graph import namespaces as ns
from kg.store.curated_records import CURATED_DATASET, FINGERPRINT
from kg.store.digest import digest
from kg.store.embedded import OxigraphStore
from kg.store.live import PACKAGE, default_data_dir, forget, home, live_dir, open_live, store_path  # noqa: F401  (kg.store.cache.home ...)
from kg.version import __version__

log = logging.getLogger("kg")


def fingerprint(data_dir: Path) -> str:
    from kg.graph.tables import data_files

    h = digest(__version__.encode())
    for name in ("schema.ttl", "shapes.ttl", "store/summaries.py", "graph/wikidata_types.toml"):
        h.update(PACKAGE.joinpath(name).read_bytes())
    for path in data_files(Path(data_dir)):
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    h.update(str(Path(data_dir).resolve()).encode())
    return h.hexdigest()


def _stored_fingerprint(store: OxigraphStore) -> str | None:
    rows = store.select(
        f"SELECT ?f WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ <{CURATED_DATASET}> <{FINGERPRINT}> ?f }} }}"
    )
    return str(rows[0]["f"]) if rows else None


def _current(wanted: str) -> OxigraphStore | None:
    """The live store if it holds the graph of ``wanted`` (its fingerprint), else None."""
    store = open_live()
    if store is None:
        return None
    try:
        if _stored_fingerprint(store) == wanted:
            return store
    except StoreError:
        forget()
        raise
    log.info("the cached graph is out of date; rebuilding it")
    return None


def open_store(data_dir: Path | None = None, *, rebuild: bool = False, wait: bool = True) -> OxigraphStore:
    """The store holding the current curated graph, rebuilt first if stale.

    Reading never writes: a store that cannot be opened is a StoreError that
    says why (permissions, too many open files, ...), and the store stays as
    it is. A stale store is rebuilt under the writer lock (waiting for another
    writer unless ``wait`` is False); if ``$KG_HOME`` cannot be written, that is
    the error. Only a store RocksDB itself reports corrupt, checked again with
    the writer lock held, is moved aside (kept, as ``$KG_HOME/corrupt-<time>``)
    and rebuilt; the warning says where it is.

    The returned store is a consistent snapshot: imports and builds in other
    processes make new stores, and this one stays readable, unchanged, until
    it is let go of; call open_store() again to see their work. Keep the
    returned object, not only its ``.store`` (the pyoxigraph Store): the
    reader lock that keeps writers from removing the store goes with it.
    """
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    wanted = fingerprint(data_dir)
    if not rebuild:
        try:
            store = _current(wanted)
        except StoreCorrupt as e:
            log.info("%s; checking again with the writer lock held", e)
        else:
            if store is not None:
                return store
    return refresh(data_dir, wanted, rebuild=rebuild, wait=wait)


def refresh(
    data_dir: Path, wanted: str | None = None, *, rebuild: bool = True, wait: bool = True
) -> OxigraphStore:
    """Build the curated graph from CSV, validate it, and make it live in a new store.

    The new (staging) store is empty when the live one holds nothing but the
    curated and ontology graphs; beside imports, it starts as a checkpoint of it
    (hard links) with those two graphs removed, or holding a copy of the imports
    (whichever moves fewer quads: ``_staging_base``); it becomes live by
    one rename (``kg.store.staging``), under the writer lock, and only once the
    SHACL validation, which runs on a thread of its own meanwhile, has passed: a
    graph that fails it leaves the live store as it was. With ``rebuild=False``
    (open_store) nothing is written if another process made the store current
    while this one waited for the lock.
    """
    from concurrent.futures import ThreadPoolExecutor

    from kg.graph.build import graph, load
    from kg.graph.validate import check
    from kg.store import staging as stores

    built = graph(load(data_dir))
    wanted = wanted or fingerprint(data_dir)
    what = _command("kg build") if rebuild else _command("kg") + " (rebuilding the out-of-date store)"
    # shacl-rust and RocksDB's bulk loads release the GIL: on two cores, SHACL, the
    # loads and the summaries (Python) overlap; the pool's end waits for its threads
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="kg-build") as pool:
        shapes = pool.submit(check, built.ntriples())
        # a big graph in two halves, loaded on two threads: once the summaries are made, both cores load
        curated = built.curated_parts(2 if len(built.curated) > SPLIT_ABOVE else 1)
        ontology = built.nquads(ns.ONTOLOGY_GRAPH)
        del built  # the texts hold it now: the lines were 60 MB more at 20,000 statements
        try:
            with stores.writing(what, wait=wait, fresh=rebuild):
                try:
                    live = open_live()
                    if live is not None and not rebuild and _stored_fingerprint(live) == wanted:
                        return live  # another process built it while this one waited
                except StoreCorrupt as e:  # seen again with the writer lock held: proven
                    live = None
                    _set_aside(e)
                base, copy = _staging_base(live) if live is not None else (None, False)
                with stores.Staging(base, builds_curated=True) as stage:
                    if copy:
                        stores.copy_graphs(live, stage.store, skip=BUILT_GRAPHS)
                    del live, base  # the stage holds what it needs of it: let go, so the switch can remove it
                    _write(stage, curated, ontology, wanted, pool)
                    shapes.result()  # raises ValidationError: the stage is discarded, nothing switched
                    stage.commit()
                store = open_live()
        except StoreError:
            shapes.result()  # a graph that fails its shapes says so first, as it did before the lock
            raise
    if store is None:
        raise StoreError(f"the store at {store_path()} vanished right after it was built; run kg build again")
    return store


SPLIT_ABOVE = 100_000  # triples: a curated graph bigger than this is loaded in two halves at once
BUILT_GRAPHS = frozenset({ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH})
COPY_COUNT = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
    f"FILTER(?g NOT IN (<{ns.CURATED_GRAPH}>, <{ns.ONTOLOGY_GRAPH}>)) }} LIMIT {{limit}} }}"
)


def _staging_base(live: OxigraphStore) -> tuple[object | None, bool]:
    """How a build's staging store starts: (a store to checkpoint, or None for an empty
    one; whether to copy the live store's other graphs, its imports, into it).

    Empty when the live store holds nothing but the curated and ontology graphs. Beside
    imports, either a checkpoint (hard links) from which the two graphs are then removed,
    or an empty store into which the imports are copied: Oxigraph removes a graph quad by
    quad, in one transaction, about as slowly as it copies one (20,000 statements, 443k
    quads: 10 s), so whichever moves fewer quads. Quads in the default graph (kg writes
    none) always mean a checkpoint, so that nothing is left behind.
    """
    import pyoxigraph as ox

    store = live.store
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        return store, False
    if all(g.value in BUILT_GRAPHS for g in store.named_graphs()):
        return None, False
    replaced = live.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ <{ns.CURATED_GRAPH}> <{ns.ONTOLOGY_GRAPH}> }} "
        "GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    imported = live.select(COPY_COUNT.replace("{limit}", str(replaced + 1)))[0]["n"]  # counted up to that
    return (None, True) if imported <= replaced else (store, False)


def _write(stage, curated: list[str], ontology: str, wanted: str, pool) -> None:
    """The curated graph (N-Quads texts, with its summaries and the fingerprint) and the
    ontology graph (N-Quads), into the staging store. The curated texts are bulk-loaded on
    threads of ``pool`` while this one computes the summaries (which read pyoxigraph
    quads); they are then loaded on another thread, beside the end of the first loads.

    Bulk loads are not atomic (4x faster than one transaction at 20,000 statements):
    a staging store has no reader until the switch."""
    import pyoxigraph as ox

    from kg.store.summaries import with_summaries

    for graph in (ns.ONTOLOGY_GRAPH, ns.CURATED_GRAPH):  # when the stage is a checkpoint of the live store
        if stage.store.contains_named_graph(ox.NamedNode(graph)):
            stage.store.remove_graph(ox.NamedNode(graph))
    loads = [pool.submit(_load, stage, text) for text in curated]
    try:
        quads = [q for text in curated for q in ox.parse(text, format=ox.RdfFormat.N_QUADS)]
        # with_summaries returns the quads given, then the summaries: only those are new
        summaries = with_summaries(quads, ns.CURATED_GRAPH)[len(quads):]
        del quads  # 300k tracked objects at 20,000 statements: the switch's gc.collect walks them
        stamp = ox.Quad(ox.NamedNode(CURATED_DATASET), ox.NamedNode(FINGERPRINT), ox.Literal(wanted),
                        ox.NamedNode(ns.CURATED_GRAPH))
        more = [*summaries, stamp, *ox.parse(ontology, format=ox.RdfFormat.N_QUADS)]
        # as quads: written as text first, they took more time than they saved (1.8 s against 1.5 s)
        loads.append(pool.submit(lambda: stage.store.bulk_extend(more)))
    finally:
        for load in loads:
            load.exception()  # waited for, each, even when something failed: the stage is removed after
    for load in loads:
        load.result()
    stage.store.flush()


def _load(stage, nquads: str) -> None:
    """Bulk-load N-Quads text into the staging store (pyoxigraph lets go of the GIL meanwhile)."""
    import pyoxigraph as ox

    # lenient: no IRI validation; the build makes every IRI of checked ids, terms and URLs
    stage.store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)


def _set_aside(error: StoreCorrupt) -> None:
    """Move the live store, proven corrupt, aside (kept) and say where."""
    import gc

    from kg.store import staging as stores

    forget()
    gc.collect()
    target = live_dir()
    if target is None:
        return
    dest = stores.move_aside(target)
    log.warning("%s\nmoved it aside to %s (kept for you: delete it when you no longer need it); "
                "building a new store: import your data sets again", error, dest)


def _command(default: str) -> str:
    """``kg <command>`` for the writer lock's note, as this process was started."""
    import sys

    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if name not in ("kg", "__main__.py"):
        return default
    words, args = [], iter(sys.argv[1:])
    for arg in args:
        if arg in ("--data", "--endpoint"):  # the global options that take a value
            next(args, None)
        elif not arg.startswith("-"):
            words.append(arg)
    return " ".join(["kg", *words[:2]]) if words else default


def or_default(store=None):
    """``store`` if given, else the cached store of the curated graph: what every
    library function uses when called without ``store=``."""
    return store if store is not None else open_store()
