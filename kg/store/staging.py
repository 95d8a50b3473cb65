"""Replacing the store atomically, with memory that does not grow with it; one
writer at a time; old stores kept while a process still reads them.

Oxigraph deletes in one transaction held in memory: clearing a graph of 1.4
million quads took 56 s and 2 GB here, and a SPARQL ``MOVE`` is no better. So
a write (``kg import``, ``kg drop``, ``kg build``) never changes the live store.
It writes a *new* store beside it (bulk loads, in chunks: flat memory), copies
the other graphs into it (or starts from a checkpoint of the live store, which
hard-links its files instead of copying them), and switches the
``$KG_HOME/store`` symlink to it with one ``rename`` -- the only step that
changes what readers see, and an atomic one. A write that fails or is
interrupted before that leaves the live store exactly as it was; its
half-written staging store is removed, or swept by the next writer.

A live store is never written again, so a process that opened it keeps a
consistent view of it until it lets go of it, while new readers see the new one.
Each reader holds a shared lock on ``stores/<id>.readers`` (``kg.store.locks``); the
writer removes an old store only once it can take that lock exclusively, that
is once no process reads it (``locks.remove_if_unused``). Every writer holds the
one writer lock of ``$KG_HOME`` (``writing``); under it, ``_sweep`` removes what
earlier writers left: their staging stores, and old stores nobody reads -- only
folders with the names kg gives them, never anything else.
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

from kg.errors import FIXES, StoreError, SystemFault, describe_os_error, errno_in_text, system_fault
from kg.store import live, locks

log = logging.getLogger("kg")

COPY_CHUNK = 200_000  # quads per bulk load when copying graphs: bounds memory
STORE_NAME, STAGING_NAME, OLD_NAME = live.STORE_NAME, live.STAGING_NAME, live.OLD_NAME
stores_dir = live.stores_dir


@contextlib.contextmanager
def writing(what: str, *, wait: bool = True, fresh: bool = False) -> Iterator[None]:
    """Hold ``$KG_HOME``'s writer lock (waiting for another writer, or failing at
    once if ``wait`` is False), repair a missing or dangling ``store`` link from
    ``stores/`` (``repair_link``; ``fresh``: ``kg build``, which may start anew when
    nothing is left to repair from), and sweep what earlier writers left behind.

    An operating-system error inside (a full disk, a file size limit, permissions,
    an I/O error) is a SystemFault (exit 6): it comes before the switch, so the live
    store is unchanged, and the staging store has been removed."""
    with locks.writer_lock(live.home(), what, wait=wait):
        try:
            repair_link(what, fresh=fresh)
        except OSError as e:
            raise system_fault(e, "repair the store link", path=live.store_path(),
                               left="nothing was changed") from None
        try:
            _sweep()
        except OSError as e:  # what is left stays for the next writer; the write itself may still work
            log.warning("could not tidy %s: %s", stores_dir(), e)
        try:
            yield
        except OSError as e:  # permissions, a full disk: before the switch, so nothing changed
            raise _stopped(what, e) from None
        except RuntimeError as e:  # pyoxigraph's wording of an I/O error (RocksDB "IO error: ...")
            if not _is_io_error(e):
                raise
            raise _stopped(what, e) from None


def _is_io_error(error: BaseException) -> bool:
    return "io error" in str(error).lower() or errno_in_text(str(error)) is not None


def _stopped(what: str, error: BaseException) -> SystemFault:
    """A write stopped by the operating system: the cause (and file), the fix, and the store as it was."""
    from kg.store.embedded import fault_fix

    cause = describe_os_error(error) if isinstance(error, OSError) else str(error)
    where = f" ({error.filename})" if getattr(error, "filename", None) else ""
    code = getattr(error, "errno", None) or errno_in_text(str(error)) or 0
    fix = fault_fix(error) or FIXES.get(code, "")
    return SystemFault(f"{what} stopped: {cause}{where}; the live store is unchanged" + (f"\n{fix}" if fix else ""),
                       error if isinstance(error, OSError) else None)


def repair_link(what: str = "kg", *, fresh: bool = False) -> None:
    """A ``store`` link that is missing, dangles or loops is pointed again at the newest
    complete store in ``stores/`` -- never replaced by a new, empty one, which would hide
    (and the next write remove) the store that held the imports. With no store left to
    point to, a dangling link is refused unless ``fresh`` (``kg build``); a missing link
    with nothing in ``stores/`` is a first run. The caller holds the writer lock."""
    link = live.store_path()
    if live.live_dir() is not None:  # also refuses a link that points outside stores/
        return
    dangling = link.is_symlink()
    newest = live.newest_complete_store()
    if newest is None:
        if dangling and not fresh:
            raise StoreError(
                f"{link} points to {os.readlink(link)}, which is gone (or a loop of links), and {stores_dir()} "
                f"holds no complete store to point it to. Nothing was changed. Run kg build to start a new store "
                f"(imported data sets must then be imported again)")
        if dangling:
            link.unlink()
        return
    tmp = link.with_name(f".store-{uuid.uuid4().hex[:8]}.link")
    os.symlink(os.path.relpath(newest, link.parent), tmp)
    os.replace(tmp, link)
    state = "pointed to a folder that is gone" if dangling else "was missing"
    log.warning("the store link %s %s; %s points it again to the newest complete store, %s", link, state,
                what, newest)


def import_lock(what: str = "kg import", *, wait: bool = True):
    """The writer lock, for imports and drops (the same one ``kg build`` takes)."""
    return writing(what, wait=wait)


def _sweep() -> None:
    """Remove staging stores an interrupted writer left, and old stores no process
    reads any more. The caller holds the writer lock, so no staging store is in use."""
    folder = stores_dir()
    link = live.store_path()
    if not folder.is_dir():
        return
    if not link.exists() and not link.is_symlink():  # died between the two renames of a first switch
        for entry in sorted(folder.iterdir()):
            if OLD_NAME.fullmatch(entry.name) and entry.is_dir():
                os.rename(entry, link)
                break
    for entry in live.home().glob(".store-*.link"):  # a switch interrupted before its rename
        if entry.is_symlink():
            entry.unlink()
    # with no live store (a link the user removed) nothing tells used from unused: keep all
    current = link.resolve() if link.is_symlink() and link.exists() else None
    for entry in folder.iterdir():
        if entry.is_symlink() or not entry.is_dir():
            if entry.name.endswith(".readers") and not entry.with_suffix("").exists():
                _remove_stray_lock(entry)
            continue
        if STAGING_NAME.fullmatch(entry.name):
            discard(entry)
        elif current is not None and (STORE_NAME.fullmatch(entry.name) or OLD_NAME.fullmatch(entry.name)) \
                and entry.resolve() != current:
            locks.remove_if_unused(entry)  # an earlier switch's store, kept while it was read


def _remove_stray_lock(path: Path) -> None:
    """A reader lock file whose store is gone (a reader raced the removal)."""
    name = path.name.removesuffix(".readers")
    if not (STORE_NAME.fullmatch(name) or OLD_NAME.fullmatch(name)):
        return
    try:
        f = locks.open_lock_file(path, create=False)
    except (OSError, StoreError):
        return
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        path.unlink(missing_ok=True)


def move_aside(target: Path) -> Path:
    """Keep a store proven corrupt out of the way, as ``$KG_HOME/corrupt-<time>``; never removed.

    The caller holds the writer lock. The link to it, if any, is removed (the
    link only; what it pointed to is what was moved), so the next write starts anew.
    """
    dest = live.home() / f"corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:4]}"
    link = live.store_path()
    os.rename(target, dest)
    if link.is_symlink():
        link.unlink()
    return dest


class Staging:
    """A new store being filled. ``commit()`` makes it the live store; leaving the
    ``with`` block without committing (an error, Ctrl-C) closes and removes it.

    It starts empty, or as a checkpoint of ``base`` (a pyoxigraph Store on disk):
    RocksDB hard-links the live store's files into it, so an import that adds a
    graph the live store lacks neither copies nor rewrites the others.

    Use ``stage.store`` each time rather than keeping it in a variable: the store
    must be closed (every reference gone) before its files are removed.

    ``commit()`` also writes the actor table (``kg.store.actor_table``) into the folder,
    made from the staged store, and carries over what was derived from the curated graph
    (``kg.store.curated_records``) if the staged store holds the same one, so that the rename
    publishes them together.
    """

    def __init__(self, base=None, *, builds_curated: bool = False) -> None:
        folder = stores_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.staging"
        self.base = base
        # a build writes the curated graph anew: what was derived from the live one is not
        # carried, even under the same fingerprint (kg's building code is not part of it)
        self.builds_curated = builds_curated
        self.store = None
        self.committed = False
        self.size_before = 0

    def __enter__(self) -> Staging:
        # created here, not in __init__: once __enter__ returns, __exit__ is sure to
        # run, and a Ctrl-C that lands while the store is being created removes it too
        import pyoxigraph as ox

        try:
            if self.base is not None:
                self.base.backup(str(self.path))  # the files are immutable: sharing them is safe
                self.base = None
            self.size_before = _size(self.path)
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
        """Make the staged store live, with its actor table and curated records beside it.

        A write that at least doubled the store's files first finishes RocksDB's compaction
        of what it loaded (``Store.optimize``): closing the store cuts a running compaction
        short, and every later writer then starts by compacting the whole store again,
        beside its own work, without finishing either (a 500-row import after a 20,000-row
        one: 0.6 s of CPU, each time). Compacting costs about the store's size, so a smaller
        write leaves it to RocksDB's background, as every write did before."""
        from kg.store import actor_table, curated_records

        self.store.flush()
        if _size(self.path) >= 2 * self.size_before:
            self.store.optimize()
        live_folder = None if self.builds_curated else live.store_path().resolve()
        # the curated graph's actors as kept beside the live store, if it holds the same graph
        fingerprint = curated_records.stored_fingerprint(self.store)
        curated = curated_records.actor_rows(live_folder, fingerprint) if live_folder else None
        names = curated_records.actor_names(live_folder, fingerprint) if curated is not None else None
        table = actor_table.compute(self.store, curated, names)  # of the staged store, every write to it done
        # the curated records: carried from the live store if it holds the same curated graph
        curated_records.write(self.path, self.store, live_folder)
        self.store = None
        actor_table.write(self.path, table)  # into its folder: the switch publishes it with it
        switch(self.path)
        self.committed = True


def _size(folder: Path) -> int:
    """Bytes of the files in a store's folder (0 when there is none yet)."""
    try:
        return sum(e.stat().st_size for e in os.scandir(folder) if e.is_file(follow_symlinks=False))
    except OSError:
        return 0


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

    The caller must hold the writer lock and have dropped every reference to
    the staging store (so that RocksDB has closed it). The old store is removed
    only if no process reads it; else a later writer's sweep removes it.
    """
    live.forget()  # this process's handles on the old store, with the staging store's: one collection
    gc.collect()
    link = live.store_path()
    final = staging.with_name(staging.name.removesuffix(".staging"))
    os.rename(staging, final)
    locks.open_lock_file(locks.readers_file(final)).close()  # before it is live: readers never create it
    tmp = link.with_name(f".store-{uuid.uuid4().hex[:8]}.link")
    os.symlink(os.path.relpath(final, link.parent), tmp)
    old: Path | None = None
    if link.is_symlink():
        old = link.resolve()
    elif link.exists():  # the first switch: the store of an earlier kg is still a plain directory
        old = stores_dir() / f"old-{uuid.uuid4().hex[:8]}"
        os.rename(link, old)
        with contextlib.suppress(FileNotFoundError):
            os.rename(locks.readers_file(link), locks.readers_file(old))
    try:
        os.replace(tmp, link)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if old is not None and not link.exists() and not link.is_symlink():
            os.rename(old, link)  # put the plain directory back
        raise StoreError(f"could not switch {link} to the new store {final}: {e}") from None
    if old is not None and old != final and old.is_dir():
        locks.remove_if_unused(old)
    log.info("the store is now %s", final)

