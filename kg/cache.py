"""The built graph, cached in an on-disk Oxigraph store so that a CLI call
opens it (about 20 ms) instead of re-reading the CSV files.

The cache is keyed by a fingerprint of the data files, the schema and the
package version, written in the same batch as the graph itself: a stale,
half-written or corrupt cache has no matching fingerprint and is rebuilt,
never trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
from importlib import resources
from pathlib import Path

from . import __version__, locks
from . import namespaces as ns
from .errors import StoreCorrupt, StoreError
from .store import OxigraphStore, open_error

log = logging.getLogger("kg")

FINGERPRINT = ns.SKG + "fingerprint"
CURATED_DATASET = ns.DATASET + "curated"


def home() -> Path:
    """Where the store lives: $KG_HOME, else the user's cache directory."""
    if os.environ.get("KG_HOME"):
        return Path(os.environ["KG_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sahel-kg"


def default_data_dir() -> Path:
    """$KG_DATA, else the curated data shipped with kg.

    An installed kg (a wheel, ``pip install .``) has it inside the package, as
    ``kg/data`` (pyproject.toml maps the checkout's ``data/`` to the package
    ``kg.data``); a checkout, or an editable install of it, reads ``data/``
    beside the package, so that edits there count at once.
    """
    if os.environ.get("KG_DATA"):
        return Path(os.environ["KG_DATA"])
    packaged = resources.files("kg").joinpath("data")
    if isinstance(packaged, Path) and packaged.joinpath("actors.csv").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def store_path() -> Path:
    return home() / "store"


def fingerprint(data_dir: Path) -> str:
    from .tables import data_files

    digest = hashlib.sha256(__version__.encode())
    for name in ("schema.ttl", "shapes.ttl", "summaries.py"):
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    for path in data_files(Path(data_dir)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    digest.update(str(Path(data_dir).resolve()).encode())
    return digest.hexdigest()


def _stored_fingerprint(store: OxigraphStore) -> str | None:
    rows = store.select(
        f"SELECT ?f WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ <{CURATED_DATASET}> <{FINGERPRINT}> ?f }} }}"
    )
    return str(rows[0]["f"]) if rows else None


# This process's open stores, by folder: the live one, reused by every call
# (a CLI call opens it once, about 20 ms). When a writer switches the link, the
# next open_store() opens the new live store and lets go of the old one; a caller
# that kept the old one keeps reading it, unchanged (see kg.imports.stores).
_open: dict[Path, OxigraphStore] = {}


def live_dir() -> Path | None:
    """The folder of the live store: what ``$KG_HOME/store`` points to (or the
    folder itself, as an earlier kg left it); None when there is none yet."""
    link = store_path()
    try:
        if link.is_symlink():
            return link.resolve() if link.exists() else None
        return link if link.exists() else None
    except OSError as e:  # a folder on the way that this user may not enter
        raise open_error(link, e) from None


def _open_live() -> OxigraphStore | None:
    """A read-only handle on the live store, holding its reader lock; None if there is none.

    Raises StoreError (StoreCorrupt if RocksDB says so) when it cannot be
    opened: the caller decides, and nothing here writes or removes anything.
    """
    for _ in range(50):
        target = live_dir()
        if target is None:
            return None
        store = _open.get(target)
        if store is not None:
            return store
        lock = locks.hold_reader(target)
        if live_dir() != target:  # a writer switched the link meanwhile: open the new one
            if lock is not None:
                lock.close()
            continue
        try:
            store = OxigraphStore(target, read_only=True)
        except StoreError:
            if lock is not None:
                lock.close()
            raise
        store.reader_lock = lock  # released when the store is let go of
        _open.clear()  # stores no longer live: closed unless a caller still holds them
        _open[target] = store
        return store
    raise StoreError(f"the store at {store_path()} kept changing while kg opened it; try again")


def _current(wanted: str) -> OxigraphStore | None:
    """The live store if it holds the graph of ``wanted`` (its fingerprint), else None."""
    store = _open_live()
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
    curated and ontology graphs, else a checkpoint of it (hard links: imports
    are kept without a copy) with those two graphs replaced; it becomes live by
    one rename (``kg.imports.stores``), under the writer lock, and only once the
    SHACL validation, which runs on a thread of its own meanwhile, has passed: a
    graph that fails it leaves the live store as it was. With ``rebuild=False``
    (open_store) nothing is written if another process made the store current
    while this one waited for the lock.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .build import graph, load
    from .imports import stores
    from .validate import check

    built = graph(load(data_dir))
    wanted = wanted or fingerprint(data_dir)
    what = _command("kg build") if rebuild else _command("kg") + " (rebuilding the out-of-date store)"
    # shacl-rust and RocksDB's bulk load release the GIL: on two cores, SHACL, the
    # load and the summaries (Python) overlap; the pool's end waits for both threads
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kg-build") as pool:
        shapes = pool.submit(check, built.ntriples())
        try:
            with stores.writing(what, wait=wait):
                try:
                    live = _open_live()
                    if live is not None and not rebuild and _stored_fingerprint(live) == wanted:
                        return live  # another process built it while this one waited
                except StoreCorrupt as e:  # seen again with the writer lock held: proven
                    live = None
                    _set_aside(e)
                base = live.store if live is not None and _holds_more(live.store) else None
                with stores.Staging(base) as stage:
                    del live, base  # the stage holds a checkpoint of it: let go, so the switch can remove it
                    _write(stage, built, wanted, pool)
                    shapes.result()  # raises ValidationError: the stage is discarded, nothing switched
                    stage.commit()
                store = _open_live()
        except StoreError:
            shapes.result()  # a graph that fails its shapes says so first, as it did before the lock
            raise
    if store is None:
        raise StoreError(f"the store at {store_path()} vanished right after it was built; run kg build again")
    return store


def _holds_more(store) -> bool:
    """Whether a pyoxigraph store holds anything beyond the curated and ontology graphs (imports)."""
    import pyoxigraph as ox

    built = {ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH}
    if any(g.value not in built for g in store.named_graphs()):
        return True
    return next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None


def _write(stage, built, wanted: str, pool) -> None:
    """The curated graph (with its summaries and the fingerprint) and the ontology graph,
    into the staging store: the text is bulk-loaded on a thread of ``pool`` while this one
    computes the summaries, which read pyoxigraph quads."""
    import pyoxigraph as ox

    from .summaries import with_summaries

    curated = built.nquads(ns.CURATED_GRAPH)
    load = pool.submit(_replace_graphs, stage, curated)
    try:
        quads = list(ox.parse(curated, format=ox.RdfFormat.N_QUADS))
        # with_summaries returns the quads given, then the summaries: only those are new
        summaries = with_summaries(quads, ns.CURATED_GRAPH)[len(quads):]
        del quads  # 300k tracked objects at 20,000 statements: the switch's gc.collect walks them
        stamp = ox.Quad(ox.NamedNode(CURATED_DATASET), ox.NamedNode(FINGERPRINT), ox.Literal(wanted),
                        ox.NamedNode(ns.CURATED_GRAPH))
        ontology = ox.parse(built.nquads(ns.ONTOLOGY_GRAPH), format=ox.RdfFormat.N_QUADS)
    finally:
        load.result()  # waited for even when the summaries failed: the stage is removed after
    stage.store.bulk_extend([*summaries, stamp, *ontology])
    stage.store.flush()


def _replace_graphs(stage, nquads: str) -> None:
    """Remove the curated and ontology graphs from the staging store (when it is a
    checkpoint of the live one), then bulk-load the curated graph's N-Quads text.

    Bulk-loaded, not atomic (4x faster than one transaction at 20,000 statements):
    a staging store has no reader until the switch."""
    import pyoxigraph as ox

    for graph in (ns.ONTOLOGY_GRAPH, ns.CURATED_GRAPH):
        if stage.store.contains_named_graph(ox.NamedNode(graph)):
            stage.store.remove_graph(ox.NamedNode(graph))
    # lenient: no IRI validation; the build makes every IRI of checked ids, terms and URLs
    stage.store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)


def _set_aside(error: StoreCorrupt) -> None:
    """Move the live store, proven corrupt, aside (kept) and say where."""
    import gc

    from .imports import stores

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


def forget(path: Path | None = None) -> None:
    """Let go of this process's handles on stores (its reader locks go with them
    once no caller holds the store)."""
    if path is None:
        _open.clear()
    else:
        _open.pop(Path(path), None)
        _open.pop(Path(path).resolve(), None)
