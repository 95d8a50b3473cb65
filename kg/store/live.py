"""The live store: where kg keeps its stores (``$KG_HOME``), the ``store`` link that
names the live one, where the curated data is read from, and this process's
open handles on the live store.

The lowest part of the store layer: writers (kg.store.staging) switch the link
and let go of the handles here; readers (kg.store.cache) open through it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from kg.errors import StoreError
from kg.store import locks
from kg.store.embedded import OxigraphStore, open_error

# The package's folder. What importlib.resources.files("kg") gives for a package on
# disk -- a checkout, or an installed wheel -- without its 4 ms of imports on every call.
PACKAGE = Path(__file__).resolve().parent.parent


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
    packaged = PACKAGE / "data"
    if packaged.joinpath("actors.csv").is_file():
        return packaged
    return PACKAGE.parent / "data"


def store_path() -> Path:
    return home() / "store"


# This process's open stores, by folder: the live one, reused by every call
# (a CLI call opens it once, about 20 ms). When a writer switches the link, the
# next open_store() opens the new live store and lets go of the old one; a caller
# that kept the old one keeps reading it, unchanged (see kg.store.staging).
_open: dict[Path, OxigraphStore] = {}


# the names kg gives the folders it makes in stores/: nothing else there is ever removed
STORE_NAME = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}")
STAGING_NAME = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}\.staging(\.tmp)?")  # .tmp: RocksDB's, mid-checkpoint
OLD_NAME = re.compile(r"old-[0-9a-f]{8}")  # a plain-folder store of an earlier kg, moved by the first switch


def stores_dir() -> Path:
    """``$KG_HOME/stores``: the one folder where kg keeps (and removes) stores."""
    return home() / "stores"


def live_dir() -> Path | None:
    """The folder of the live store: what ``$KG_HOME/store`` points to (or the
    folder itself, as an earlier kg left it); None when there is none -- no link,
    or a link that dangles or loops (a writer repairs it: ``staging.repair_link``).

    A link to a folder outside ``$KG_HOME/stores`` is a StoreError with the fix:
    kg removes the stores it replaces, and must never remove a folder of the
    user's (a link to "a bigger disk" would be deleted, with what it holds, at the
    next write)."""
    link = store_path()
    try:
        if link.is_symlink():
            try:
                st = os.stat(link)
            except OSError as e:
                if e.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR):
                    return None  # dangling, or a loop of links
                raise
            target = Path(os.path.realpath(link))
            check_in_stores(link, target)
            return target if stat.S_ISDIR(st.st_mode) else None
        if not link.exists():
            return None
        if not link.is_dir():
            raise StoreError(f"{link} is a file, not kg's store: move it away (kg makes {link} itself, "
                             f"a link into {stores_dir()}); nothing was changed")
        return link
    except OSError as e:  # a folder on the way that this user may not enter
        raise open_error(link, e) from None


def check_in_stores(link: Path, target: Path) -> None:
    """Refuse a ``store`` link whose folder is not in ``$KG_HOME/stores`` (with the fix)."""
    folder = Path(os.path.realpath(stores_dir()))
    if target.parent != folder:
        raise StoreError(
            f"{link} points to {target}, outside {stores_dir()}: kg keeps its stores only there, and removes "
            f"the ones it replaces, so it will not use a folder elsewhere. To keep the store on another disk, "
            f"set KG_HOME to a folder on it (export KG_HOME=/path/on/that/disk); or remove the link "
            f"(rm {link}) and kg makes a new one (the data in {target} is not touched). Nothing was changed")


def newest_complete_store() -> Path | None:
    """The newest store in ``$KG_HOME/stores`` that a switch once made live (a folder with
    kg's name for it, not a staging one, holding RocksDB's CURRENT file), or None."""
    folder = stores_dir()
    try:
        entries = [e for e in folder.iterdir()
                   if STORE_NAME.fullmatch(e.name) and not e.is_symlink() and (e / "CURRENT").is_file()]
    except OSError:
        return None
    if not entries:
        return None
    return max(entries, key=lambda e: (e.name[:15], e.stat().st_mtime_ns))


def open_live() -> OxigraphStore | None:
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


def forget(path: Path | None = None) -> None:
    """Let go of this process's handles on stores (its reader locks go with them
    once no caller holds the store)."""
    if path is None:
        _open.clear()
    else:
        _open.pop(Path(path), None)
        _open.pop(Path(path).resolve(), None)
