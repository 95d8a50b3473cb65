"""What ``$KG_HOME`` holds, and what of it kg may remove: the live store, stores of
earlier writes, staging folders that interrupted writes left, corrupt copies moved
aside, stray lock files and links -- each with its size.

``report()`` only looks. ``fix()`` removes what is safe to remove, under the writer
lock, as the next writer's sweep would: staging folders (no writer runs while the
lock is held, so none is in use), stores no process reads any more (their reader
lock taken exclusively), stray reader locks and half-made links. It never removes
the live store, a store a process still reads, a corrupt copy (kept for the user:
the report says how to delete it), or anything whose name kg does not give.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.store import live, locks

TEMP_LINK_PREFIX = ".store-"  # a link being made by a switch (kg.store.staging.switch)


@dataclass
class Entry:
    """One thing in ``$KG_HOME``, what it is, its size, and whether kg may remove it."""

    path: str
    kind: str
    bytes: int
    removable: bool
    note: str

    def as_row(self) -> dict:
        row = asdict(self)
        row["size"] = human(self.bytes)
        return row


def human(size: int) -> str:
    """1234567 -> '1.2 MB' (powers of 1000, as ``du --si``)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def folder_size(path: Path) -> int:
    """Bytes in a folder (its files' sizes; links not followed); 0 if it cannot be read."""
    total = 0
    for root, _dirs, files in os.walk(path, onerror=lambda e: None):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _reader_count(store_dir: Path) -> bool:
    """True if a process has ``store_dir`` open (its reader lock is held)."""
    import fcntl

    path = locks.readers_file(store_dir)
    try:
        f = locks.open_lock_file(path, write=False)
    except Exception:  # noqa: BLE001  (no lock file: an earlier kg's store, or a link)
        return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


def report() -> list[Entry]:
    """Every store, staging folder, corrupt copy, stray lock and link in ``$KG_HOME``, with
    sizes and what may be removed. Looks only: changes nothing."""
    home = live.home()
    entries: list[Entry] = []
    if not home.is_dir():
        return entries
    link = home / "store"
    current: Path | None = None
    try:
        current = live.live_dir()
    except Exception as e:  # noqa: BLE001  (a link outside stores/: said, not followed)
        entries.append(Entry(str(link), "store link", 0, False, str(e).split(". ")[0]))
    if link.is_symlink() and current is None and not entries:
        entries.append(Entry(str(link), "store link", 0, False,
                             f"dangles or loops (-> {os.readlink(link)}); the next write points it to the "
                             "newest complete store"))
    stores = home / "stores"
    children = sorted(stores.iterdir()) if stores.is_dir() else []
    for entry in children:
        name = entry.name
        if entry.is_symlink():
            entries.append(Entry(str(entry), "link", 0, False, "not made by kg; left alone"))
        elif live.STAGING_NAME.fullmatch(name) and entry.is_dir():
            entries.append(Entry(str(entry), "staging", folder_size(entry), True,
                                 "left by an interrupted write; removed by the next write or kg doctor --fix"))
        elif (live.STORE_NAME.fullmatch(name) or live.OLD_NAME.fullmatch(name)) and entry.is_dir():
            if current is not None and entry.resolve() == current:
                entries.append(Entry(str(entry), "live store", folder_size(entry), False, "the store kg answers from"))
            elif _reader_count(entry):
                entries.append(Entry(str(entry), "old store", folder_size(entry), False,
                                     "an earlier store a process still reads; removed once it lets go"))
            elif current is None:
                entries.append(Entry(str(entry), "store", folder_size(entry), False,
                                     "no live store to compare with: kept (the next write links the newest)"))
            else:
                entries.append(Entry(str(entry), "old store", folder_size(entry), True,
                                     "an earlier store no process reads"))
        elif name.endswith(".readers") and entry.is_file():
            store = entry.with_name(name.removesuffix(".readers"))
            if not store.exists() and (live.STORE_NAME.fullmatch(store.name) or live.OLD_NAME.fullmatch(store.name)):
                entries.append(Entry(str(entry), "stray lock", entry.stat().st_size, True,
                                     "the reader lock of a store that is gone"))
        else:
            entries.append(Entry(str(entry), "unknown", folder_size(entry) if entry.is_dir() else _size(entry),
                                 False, "not made by kg; left alone"))
    for entry in sorted(home.iterdir()):
        if entry.name.startswith("corrupt-") and entry.is_dir() and not entry.is_symlink():
            entries.append(Entry(str(entry), "corrupt copy", folder_size(entry), False,
                                 f"a store RocksDB reported corrupt, kept for you: rm -r {entry} when you "
                                 "no longer need it"))
        elif entry.name.startswith(TEMP_LINK_PREFIX) and entry.name.endswith(".link") and entry.is_symlink():
            entries.append(Entry(str(entry), "temporary link", 0, True, "left by an interrupted switch"))
    return entries


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def fix(*, wait: bool = True) -> list[Entry]:
    """Remove what ``report`` marks removable, under the writer lock; returns what was removed.

    Each is checked again with the lock held (a store read meanwhile is kept)."""
    from kg.store import staging

    before = [e for e in report() if e.removable]
    with staging.writing("kg doctor --fix", wait=wait):  # its sweep removes staging and unused stores
        for entry in report():
            if not entry.removable:
                continue
            path = Path(entry.path)
            if entry.kind == "staging":
                staging.discard(path)
            elif entry.kind == "old store":
                locks.remove_if_unused(path)
            else:  # a stray lock or a temporary link: files, removed as such (never followed)
                try:
                    path.unlink()
                except OSError:
                    pass
    return [e for e in before if not os.path.lexists(e.path)]
