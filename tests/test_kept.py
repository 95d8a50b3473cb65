"""Files kg keeps beside a store (kg/store/kept.py) are read only as regular files of kg's:
a link or a device planted under a kept file's name is refused, and its reader asks the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.store import actor_table, event_table
from kg.store.embedded import OxigraphStore
from kg.store.kept import read_kept


def plant(path: Path, how: str, good: Path) -> None:
    path.unlink(missing_ok=True)
    if how == "fifo":
        os.mkfifo(path)
    elif how == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    else:
        path.symlink_to(good)


HOW = ["link to a good copy", "link to /dev/zero", "fifo"]


@pytest.mark.parametrize("how", HOW)
def test_read_kept_refuses_what_is_not_a_regular_file(tmp_path, how):
    good = tmp_path / "good.json"
    good.write_text("{}")
    path = tmp_path / "kept.json"
    plant(path, how, good)
    with pytest.raises(OSError):
        read_kept(path)


def test_read_kept_refuses_a_file_over_its_limit(tmp_path):
    path = tmp_path / "kept.json"
    path.write_bytes(b"x" * 11)
    assert read_kept(path, limit=11) == b"x" * 11
    with pytest.raises(OSError):
        read_kept(path, limit=10)


@pytest.mark.parametrize("how", HOW)
def test_a_planted_actor_table_is_not_used(store_copy, tmp_path, how):
    good = tmp_path / "table.json"
    good.write_bytes((store_copy / actor_table.FILE).read_bytes())
    assert actor_table.load(OxigraphStore(store_copy, read_only=True)) is not None
    plant(store_copy / actor_table.FILE, how, good)
    assert actor_table.load(OxigraphStore(store_copy, read_only=True)) is None


@pytest.mark.parametrize("how", HOW)
def test_a_planted_page_file_is_not_used(store_copy, tmp_path, how):
    store = OxigraphStore(store_copy, read_only=True)
    event_table.keep(store, "probe", "k1", "the kept text")
    assert event_table.derived(store, "probe", "k1") == "the kept text"
    path = store_copy / event_table.DERIVED.format(name="probe")
    good = tmp_path / "page.json"
    good.write_bytes(path.read_bytes())
    plant(path, how, good)
    assert event_table.derived(OxigraphStore(store_copy, read_only=True), "probe", "k1") is None
