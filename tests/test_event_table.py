"""The event table kept beside the store (kg/store/event_table.py): written by the first page
drawn from a store (not by the writers, which it would slow), the same rows as the queries it
keeps, and never used unless it is provably of the store it sits in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.explore import eventmap
from kg.store import event_table, sparql
from kg.store.embedded import OxigraphStore

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def live(home: Path) -> Path:
    return (home / "store").resolve()


def ordered(rows: list[dict]) -> list[str]:
    return sorted(repr(sorted(r.items())) for r in rows)


@pytest.fixture(scope="module")
def imported(kg, tmp_path_factory) -> Path:
    """A KG_HOME with the curated store and an ACLED sample imported."""
    home = tmp_path_factory.mktemp("kg-event-table")
    assert kg("build", home=home).code == 0
    result = kg("import", "acled", str(FIXTURES / "acled_sample.csv"), home=home)
    assert result.code == 0, result.stderr
    return home


def test_the_first_page_writes_the_rows_of_the_queries(imported):
    folder = live(imported)
    assert not (folder / event_table.FILE).exists()  # kg build and kg import leave it to kg viz
    first = OxigraphStore(folder, read_only=True)
    event_table.rows(first, "map-places")
    assert event_table.read(folder) is not None
    store = OxigraphStore(folder, read_only=True)
    for name in event_table.QUERIES:
        kept = event_table.rows(store, name)
        assert kept and ordered(kept) == ordered(sparql.run(store, name))  # values and their types
    assert store._event_table  # read from the file, not asked
    events = eventmap.map_of(store)["events"]["id"]
    assert any(e.startswith("acled") or "/acled/" in e or e.upper() != e for e in events) and len(events) > 100


@pytest.mark.parametrize("change", ["garbage", "format", "key", "rocksdb"])
def test_a_table_not_provably_of_its_store_is_not_used(imported, tmp_path, change):
    copy = tmp_path / "store"
    event_table.rows(OxigraphStore(live(imported), read_only=True), "map-places")  # a table to spoil
    shutil.copytree(live(imported), copy)
    path = copy / event_table.FILE
    if change == "garbage":
        path.write_text("not json", encoding="utf-8")
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        data[change] = {"format": 0, "key": "something else", "rocksdb": [data["rocksdb"][0], "MANIFEST-000001\n"]}[change]
        path.write_text(json.dumps(data), encoding="utf-8")
    store = OxigraphStore(copy, read_only=True)
    assert event_table.read(copy) is None
    rows = event_table.rows(store, "map-places")
    assert ordered(rows) == ordered(sparql.run(store, "map-places"))  # the queries answer
    assert event_table.read(copy) is not None  # and a table of this store replaces the stray one
