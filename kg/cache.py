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
import shutil
import time
from importlib import resources
from pathlib import Path

from . import __version__
from . import namespaces as ns
from .errors import StoreError
from .store import OxigraphStore

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
    """$KG_DATA, else the ``data/`` folder shipped beside the package."""
    if os.environ.get("KG_DATA"):
        return Path(os.environ["KG_DATA"])
    return Path(__file__).resolve().parent.parent / "data"


def store_path() -> Path:
    return home() / "store"


def fingerprint(data_dir: Path) -> str:
    from .build import data_files

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


# One open store per path and process: RocksDB allows a single writer, and a
# read-only view opened beside this process's own writer would be stale.
_open: dict[Path, OxigraphStore] = {}


def open_store(data_dir: Path | None = None, *, rebuild: bool = False) -> OxigraphStore:
    """The store holding the current curated graph, rebuilt first if stale."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    path = store_path()
    wanted = fingerprint(data_dir)
    store = _open.get(path)
    if store is None and path.exists():
        try:
            store = OxigraphStore(path, read_only=True)
        except Exception as e:  # the writable open below tells a lock from corruption
            log.info("read-only open of %s failed (%s)", path, e)
    if store is not None and not rebuild:
        try:
            if _stored_fingerprint(store) == wanted:
                _open[path] = store
                return store
            log.info("the cached graph is out of date; rebuilding it")
        except Exception as e:
            log.warning("the cached store at %s is unreadable (%s); rebuilding it", path, e)
    return refresh(data_dir, wanted, store if store is not None and store.writable else None)


def refresh(
    data_dir: Path, wanted: str | None = None, store: OxigraphStore | None = None
) -> OxigraphStore:
    """Build the curated graph from CSV, validate it, and write it into the store."""
    import pyoxigraph as ox

    from .build import build
    from .summaries import with_summaries
    from .validate import check

    quads = build(data_dir)
    check(quads)
    wanted = wanted or fingerprint(data_dir)
    path = store_path()
    _open.pop(path, None)
    store = store or _open_writable(path)
    curated = with_summaries([q for q in quads if q.graph_name.value == ns.CURATED_GRAPH], ns.CURATED_GRAPH)
    ontology = [q for q in quads if q.graph_name.value == ns.ONTOLOGY_GRAPH]
    store.replace_graph(ns.ONTOLOGY_GRAPH, ontology)
    stamp = ox.Quad(
        ox.NamedNode(CURATED_DATASET), ox.NamedNode(FINGERPRINT), ox.Literal(wanted),
        ox.NamedNode(ns.CURATED_GRAPH),
    )
    store.replace_graph(ns.CURATED_GRAPH, curated, seal=[stamp])
    _open[path] = store
    return store


def or_default(store=None):
    """``store`` if given, else the cached store of the curated graph: what every
    library function uses when called without ``store=``."""
    return store if store is not None else open_store()


def forget(path: Path | None = None) -> None:
    """Drop this process's handle on a store (before an import swaps it out)."""
    _open.pop(path or store_path(), None)


def writable_store() -> OxigraphStore:
    """This process's writable handle on the store (for imports)."""
    path = store_path()
    store = _open.get(path)
    if store is None or not store.writable:
        _open.pop(path, None)
        store = _open_writable(path)
        _open[path] = store
    return store


def _open_writable(path: Path, wait_seconds: float = 30.0) -> OxigraphStore:
    """Open for writing, waiting while another process holds the lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return OxigraphStore(path)
        except StoreError as e:
            if "lock" in str(e).lower():
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"the store at {path} is locked by another kg process; try again when it ends"
                    ) from None
                time.sleep(0.2)
                continue
            log.warning("the store at %s is corrupt (%s); starting a new one", path, e)
            # after an import the store is a link to stores/<id>: remove what it points to
            shutil.rmtree(path.resolve(), ignore_errors=True)
            if path.is_symlink():
                path.unlink()
            return OxigraphStore(path)
