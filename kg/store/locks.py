"""The locks that let several kg processes share one ``$KG_HOME``.

- **One writer lock**, ``$KG_HOME/write.lock`` (``flock``, exclusive): every
  process that changes the store -- ``kg build``, ``kg import``, ``kg drop``,
  the local side of ``kg push``, and the rebuild ``cache.open_store`` does when
  the data changed -- holds it for its whole run. A second writer waits and says
  for whom ("waiting for another kg process (pid N: kg import) ..."), or with
  ``wait=False`` fails at once. The holder writes its pid and command into the
  file, for that message. The wait is bounded: ``DEFAULT_WAIT_SECONDS``
  (``kg --lock-wait S`` changes it), and a holder that stays stopped
  (SIGSTOP, Ctrl-Z) for ``STOPPED_GIVE_UP`` seconds ends it sooner; the
  error then says whether the holder runs, is stopped or is gone (from
  ``/proc/locks`` and ``/proc/PID/stat``).
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
DEFAULT_WAIT_SECONDS = 600.0  # a writer waits this long for another by default (kg --lock-wait)
STOPPED_GIVE_UP = 30.0  # seconds a stopped holder may stay stopped before the waiting writer gives up
_default_wait = [DEFAULT_WAIT_SECONDS]
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


def set_default_wait(seconds: float) -> None:
    """How long a writer waits for another when its caller says only ``wait=True`` (inf: no bound)."""
    _default_wait[0] = seconds


def lock_holders(path: Path) -> list[int]:
    """The processes that hold a ``flock`` on ``path`` (from /proc/locks; [] where there is none)."""
    try:
        inode = os.stat(path).st_ino
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    pids = []
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiter's line ("1: -> FLOCK ..."): not a holder
            continue
        if len(fields) >= 6 and fields[1] == "FLOCK":
            try:
                if int(fields[5].rsplit(":", 1)[1]) == inode:
                    pids.append(int(fields[4]))
            except (ValueError, IndexError):
                continue
    return pids


def process_state(pid: int) -> str:
    """"runs", "stopped" or "gone": what /proc/PID/stat says of a process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return "gone"
    if state in ("T", "t"):
        return "stopped"
    return "gone" if state in ("Z", "X", "x") else "runs"


def _holder_state(path: Path) -> tuple[int | None, str]:
    """The holder's pid and state: the flock's holder from /proc/locks, else the pid the file names."""
    holders = [p for p in lock_holders(path) if p != os.getpid()]
    if holders:
        states = {p: process_state(p) for p in holders}
        pid = next((p for p in holders if states[p] == "stopped"), holders[0])
        return pid, states[pid]
    text = ""
    with contextlib.suppress(OSError):
        text = path.read_text()
    pid_text = text.strip().partition(" ")[0]
    if pid_text.isdigit():
        return int(pid_text), process_state(int(pid_text))
    return None, "gone"


def _gave_up(home: Path, what: str, holder: str, pid: int | None, state: str, waited: float) -> StoreError:
    who = f"another kg process ({holder})"
    if state == "stopped":
        how = (f"{who} holds the writer lock of {home} but is stopped (SIGSTOP or Ctrl-Z), so it will not "
               f"finish; resume it (kill -CONT {pid}, or fg in its shell) or end it (kill {pid}), then run "
               f"{what} again")
    elif state == "gone":
        how = (f"{who} held the writer lock of {home}; that process is gone but the lock is still held, "
               f"by a process it started or one that shares its file; end that one, then run {what} again")
    else:
        how = (f"{who} is still changing the store in {home} (it runs); try again when it ends, or wait "
               f"longer with kg --lock-wait SECONDS (inf: no bound)")
    return StoreError(f"gave up waiting after {waited:g} s: {how}")
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
def writer_lock(home: Path, what: str, *, wait: bool | float = True) -> Iterator[None]:
    """Hold ``home``'s one writer lock; ``what`` names this process to a waiting one.

    Re-entrant within a process (an import that rebuilds the curated graph first
    takes it twice). Waits (polling, so Ctrl-C stops the wait at once) unless
    ``wait`` is False; then a held lock is a StoreError at once. ``wait`` True
    waits at most the default (``set_default_wait``), a number that many
    seconds; a holder stopped for ``STOPPED_GIVE_UP`` seconds ends the wait.
    Giving up is a StoreError saying whether the holder runs, is stopped or is gone.
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
    limit = _default_wait[0] if wait is True else float(wait or 0)
    started = time.monotonic()
    stopped_since: float | None = None
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
                now = time.monotonic()
                pid, state = _holder_state(path)
                stopped_since = (stopped_since or now) if state == "stopped" else None
                if now - started >= limit or (stopped_since is not None and now - stopped_since >= STOPPED_GIVE_UP):
                    raise _gave_up(home, what, holder, pid, state, round(now - started, 1)) from None
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
