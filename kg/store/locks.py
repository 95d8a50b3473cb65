"""The locks that let several kg processes share one ``$KG_HOME``.

- **One writer lock**, ``$KG_HOME/write.lock`` (``flock``, exclusive): every
  process that changes the store -- ``kg build``, ``kg import``, ``kg drop``,
  the local side of ``kg push``, and the rebuild ``cache.open_store`` does when
  the data changed -- holds it for its whole run. A second writer waits and says
  for whom ("waiting for another kg process (pid N: kg import) ..."), or with
  ``wait=False`` fails at once. The holder writes its pid and command into the
  file, for that message.
- **A reader lock per store**, ``stores/<id>.readers`` (``flock``, shared): a
  process holds it as long as it has that store open. Stores are never changed
  once they are live (every write makes a new one and switches the link), so a
  reader keeps a consistent view; a writer removes an old store only when it
  can take this lock exclusively, that is when no process reads it any more.

``flock`` locks go away with the process that holds them: a killed writer or
reader leaves nothing to clean up by hand.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kg.errors import StoreError

log = logging.getLogger("kg")

POLL_SECONDS = 0.1
_held: dict[Path, int] = {}  # writer locks this process holds, and how deeply (re-entrant)


def ensure_home(home: Path) -> None:
    """Create ``home`` if needed, or say plainly why it cannot be used."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise StoreError(f"KG_HOME {home} is a file, not a folder; set KG_HOME to a folder "
                         f"(or move the file away)") from None
    except NotADirectoryError:
        raise StoreError(f"cannot create KG_HOME {home}: a part of that path is a file, not a folder; "
                         f"set KG_HOME to a folder you can write") from None
    except OSError as e:
        raise StoreError(f"cannot create KG_HOME {home}: {e.strerror}; "
                         f"set KG_HOME to a folder you can write") from None
    if not home.is_dir():
        raise StoreError(f"KG_HOME {home} is not a folder; set KG_HOME to a folder you can write")


def open_lock_file(path: Path, *, write: bool = True, create: bool = True) -> IO:
    """A lock file of kg's, opened without following a symbolic link (O_NOFOLLOW) and only
    if it is a regular file: a ``write.lock`` or ``.readers`` that is a link (to a file of
    the user's) or a FIFO is refused with the fix, never written through or truncated."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    if write and create:
        flags |= os.O_CREAT
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        if e.errno == errno.ELOOP or (e.errno == errno.ENXIO and path.is_symlink()):
            raise StoreError(f"{path} is a symbolic link (to {os.readlink(path)}); kg will not write through it: "
                             f"remove the link (rm {path}); kg makes its lock file itself. Nothing was changed") \
                from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoreError(f"{path} is not a regular file (a FIFO, a device or a folder); kg will not use it as its "
                         f"lock file: move it away (kg makes the file itself). Nothing was changed")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "r+" if write else "r")


def _holder(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    pid, _, what = text.partition(" ")
    return f"pid {pid}: {what}" if pid.isdigit() and what else "pid unknown"


@contextlib.contextmanager
def writer_lock(home: Path, what: str, *, wait: bool = True) -> Iterator[None]:
    """Hold ``home``'s one writer lock; ``what`` names this process to a waiting one.

    Re-entrant within a process (an import that rebuilds the curated graph first
    takes it twice). Waits (polling, so Ctrl-C stops the wait at once) unless
    ``wait`` is False; then a held lock is a StoreError at once.
    """
    home = Path(home)
    ensure_home(home)
    key = home.resolve()
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path = home / "write.lock"
    try:
        try:
            f = open_lock_file(path, write=True)
        except PermissionError:  # another user's lock file: flock needs no write access
            f = open_lock_file(path, write=False)
    except StoreError:
        raise
    except OSError as e:
        raise StoreError(f"cannot write in KG_HOME {home} ({e.strerror}), and {what} must change the store "
                         f"there: make it writable, or set KG_HOME to a folder you can write") from None
    with f:
        told = False
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if not wait:
                    raise StoreError(f"another kg process ({holder}) is changing the store in {home}; "
                                     f"try again when it ends, or leave out --no-wait to wait for it") from None
                if not told:
                    log.warning("waiting for another kg process (%s) to finish changing the store in %s ...",
                                holder, home)
                    told = True
                time.sleep(POLL_SECONDS)
        try:
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()} {what}\n")
            f.flush()
        except OSError:
            pass  # the lock is what matters; the note is for the message
        _held[key] = 1
        try:
            yield
        finally:
            _held.pop(key, None)
            with contextlib.suppress(OSError):
                f.truncate(0)


def readers_file(store_dir: Path) -> Path:
    """The reader lock file of one store: ``stores/<id>.readers`` beside ``stores/<id>``."""
    return store_dir.with_name(store_dir.name + ".readers")


def hold_reader(store_dir: Path) -> IO | None:
    """A shared lock on ``store_dir`` for as long as the returned file stays open.

    Opened, never created (reading writes nothing): None when it does not
    exist -- a store that was just removed (the caller then finds the link
    switched), or the plain-folder store of an earlier kg, which has none.
    """
    path = readers_file(store_dir)
    try:
        f = open_lock_file(path, write=False)
    except (OSError, StoreError):
        return None
    try:
        fcntl.flock(f, fcntl.LOCK_SH)
    except OSError:
        f.close()
        return None
    return f


def remove_if_unused(store_dir: Path) -> bool:
    """Remove a store that is no longer live if no process reads it; True if removed.

    The caller holds the writer lock and has checked that ``store_dir`` is not
    the live store. Taking the reader lock exclusively proves no process has the
    store open (each reader holds the lock while it has it open).
    """
    path = readers_file(store_dir)
    try:
        f = open_lock_file(path)
    except (OSError, StoreError) as e:
        log.info("kept %s: cannot take its reader lock (%s)", store_dir, getattr(e, "strerror", None) or e)
        return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("kept %s: a process still reads it", store_dir)
            return False
        shutil.rmtree(store_dir, ignore_errors=True)
        if store_dir.exists():
            log.info("could not remove all of %s; the next write will try again", store_dir)
            return False
        path.unlink(missing_ok=True)  # still locked: a reader that opens it now sees the store gone
    return True
