"""Replacing one data set's graph atomically, with memory that does not grow with it.

Oxigraph deletes in one transaction held in memory: clearing a graph of 1.4
million quads took 56 s and 2 GB here, and a SPARQL ``MOVE`` is no better. So
an import never deletes in place. It writes a *new* store beside the live one
(bulk loads, in chunks: flat memory), copies the other graphs into it (or,
when the live store lacks the imported data set, starts from a checkpoint of
it, which hard-links its files instead of copying them), and switches the
``$KG_HOME/store`` symlink to it with one ``rename`` -- the only step that
changes what readers see, and an atomic one. An import that fails or
is interrupted before that leaves the live store exactly as it was; its
half-written staging store is removed, or swept by the next import.

Readers that opened the old store before the switch keep reading it until
they close it (POSIX keeps the unlinked files alive); new readers see the new
one. An import lock (``flock``) keeps two imports or drops from racing.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import itertools
import logging
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

from .. import cache
from ..errors import StoreError

log = logging.getLogger("kg")

COPY_CHUNK = 200_000  # quads per bulk load when copying graphs: bounds memory


def stores_dir() -> Path:
    return cache.home() / "stores"


@contextlib.contextmanager
def import_lock() -> Iterator[None]:
    """Held while an import or drop runs; a second one fails at once with a clear message."""
    cache.home().mkdir(parents=True, exist_ok=True)
    with open(cache.home() / "import.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another kg import or drop is running on {cache.home()}; try again when it ends") from None
        _sweep()
        yield


def _sweep() -> None:
    """Remove staging stores an interrupted import left behind (we hold the lock)."""
    folder = stores_dir()
    link = cache.store_path()
    if folder.exists():
        if not link.exists() and not link.is_symlink():  # died between the two renames of a first switch
            for entry in folder.glob("old-*"):
                os.rename(entry, link)
                break
        for entry in folder.iterdir():
            if entry.name.endswith(".staging") or entry.name.startswith("old-") or (
                entry.is_dir() and link.is_symlink() and entry.resolve() != link.resolve()
            ):  # and stores an interrupted switch or drop left unused
                shutil.rmtree(entry, ignore_errors=True)


class Staging:
    """A new store being filled. ``commit()`` makes it the live store; leaving the
    ``with`` block without committing (an error, Ctrl-C) closes and removes it.

    It starts empty, or as a checkpoint of ``base`` (a pyoxigraph Store on disk):
    RocksDB hard-links the live store's files into it, so an import that adds a
    graph the live store lacks neither copies nor rewrites the others.

    Use ``stage.store`` each time rather than keeping it in a variable: the store
    must be closed (every reference gone) before its files are removed.
    """

    def __init__(self, base=None) -> None:
        folder = stores_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.staging"
        self.base = base
        self.store = None
        self.committed = False

    def __enter__(self) -> Staging:
        # created here, not in __init__: once __enter__ returns, __exit__ is sure to
        # run, and a Ctrl-C that lands while the store is being created removes it too
        import pyoxigraph as ox

        try:
            if self.base is not None:
                self.base.backup(str(self.path))  # the files are immutable: sharing them is safe
                self.base = None
            self.store = ox.Store(str(self.path))
        except BaseException:
            self.store = None
            discard(self.path)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.committed:
            if tb is not None:
                traceback.clear_frames(tb)  # frames of the failed call still hold the store
            self.store = None
            discard(self.path)

    def commit(self) -> None:
        self.store.flush()
        self.store = None
        switch(self.path)
        self.committed = True


def copy_graphs(live, target, skip: set[str]) -> int:
    """Copy every named graph of ``live`` but ``skip`` into ``target``, in bounded chunks."""
    copied = 0
    for graph in live.store.named_graphs():
        if graph.value in skip:
            continue
        quads = live.store.quads_for_pattern(None, None, None, graph)
        while True:
            chunk = list(itertools.islice(quads, COPY_CHUNK))
            if not chunk:
                break
            target.bulk_extend(chunk)
            copied += len(chunk)
    return copied


def discard(path: Path) -> None:
    """Remove a staging store (closed first: RocksDB may still be compacting into it)."""
    for _ in range(50):
        gc.collect()
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.2)
    log.warning("could not remove %s; the next import will", path)


def switch(staging: Path) -> None:
    """Make the staging store the live one: one atomic rename of the ``store`` symlink.

    The caller must hold the import lock and have dropped every reference to
    the staging store (so that RocksDB has closed it).
    """
    gc.collect()
    link = cache.store_path()
    final = staging.with_name(staging.name.removesuffix(".staging"))
    os.rename(staging, final)
    tmp = link.with_name(f".store-{uuid.uuid4().hex[:8]}.link")
    os.symlink(os.path.relpath(final, link.parent), tmp)
    old: Path | None = None
    _forget_live(link)
    if link.is_symlink():
        old = link.resolve()
    elif link.exists():  # the first switch: the store is still a plain directory
        old = stores_dir() / f"old-{uuid.uuid4().hex[:8]}"
        os.rename(link, old)
    try:
        os.replace(tmp, link)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if old is not None and not link.exists() and not link.is_symlink():
            os.rename(old, link)  # put the plain directory back
        raise StoreError(f"could not switch {link} to the new store {final}: {e}") from None
    if old is not None and old != final:
        shutil.rmtree(old, ignore_errors=True)
    log.info("the store is now %s", final)


def _forget_live(link: Path) -> None:
    """Close this process's handle on the old store (the cache keeps one per path)."""
    cache.forget(link)
    gc.collect()
