"""The actor table kept beside the store (kg/store/actor_table.py): written with every store
(build, import, drop), equal to what the queries give, and never used unless it is
provably of the store it sits in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.ask.fought import fought
from kg.graph import namespaces as ns
from kg.store import actor_table, sparql
from kg.store.embedded import OxigraphStore
from kg.store.names import NameIndex

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUESTIONS = [  # (actor, opponent, options): the actor path, roll-ups both ways, and every pair of a year
    ("JNIM", None, {"year": 2024}),
    ("Russia", None, {"year": 2025}),
    ("Mali", "JNIM", {}),
    (None, None, {"year": 2013}),
    ("JNIM", None, {"start": "2012", "end": "2016", "exact": True}),
]


def live(home: Path) -> Path:
    return (home / "store").resolve()


def read_only(folder: Path) -> OxigraphStore:
    return OxigraphStore(folder, read_only=True)


def from_queries(store) -> actor_table.ActorTable:
    """What the table holds, asked of the store with the queries it is made by (all of
    actor-index at once, in the table's order), not from any kept rows."""
    rows = sorted(sparql.run(store, "actor-index"), key=actor_table.index_order)
    return actor_table.ActorTable(NameIndex.from_rows(rows), actor_table.lifespans(rows),
                                  actor_table.parts_from_rows(sparql.run(store, "rollup-edges")),
                                  sparql.stored_as_of(store))


def assert_same(table: actor_table.ActorTable, expected: actor_table.ActorTable) -> None:
    assert table.names.labels == expected.names.labels
    assert list(table.names.labels) == list(expected.names.labels)  # ties in sorts keep this order
    assert table.names.keys == expected.names.keys
    assert [list(b) for b in table.names.keys.values()] == [list(b) for b in expected.names.keys.values()]
    assert table.lives == expected.lives
    assert [p.start_precision for p, _ in table.lives.values()] == [p.start_precision for p, _ in expected.lives.values()]
    assert table.parts == expected.parts
    assert table.stored_as_of == expected.stored_as_of


def answers(store) -> list:
    return [fought(a, o, store=store, **opts) for a, o, opts in QUESTIONS]



def test_build_writes_the_table_into_the_store_it_publishes(built_home):
    folder = live(built_home)
    assert (folder / actor_table.FILE).is_file()
    assert not (folder / (actor_table.FILE + ".tmp")).exists()
    store = read_only(folder)
    table = actor_table.load(store)
    assert table is not None
    assert_same(table, from_queries(store))
    assert table.names.resolve("GSIM") == ns.ACTOR + "jnim"
    assert table.parts  # Russia's Wagner, Mali's army ...


def test_the_answers_are_the_same_with_and_without_the_table(built_home, store_copy):
    with_table = read_only(live(built_home))
    assert actor_table.load(with_table) is not None
    (store_copy / actor_table.FILE).unlink()  # as a store written by an earlier kg
    without = read_only(store_copy)
    assert actor_table.load(without) is None
    assert answers(with_table) == answers(without)


def test_a_store_opened_for_writing_since_is_asked_not_read_from_its_table(store_copy):
    """An earlier kg writing the store in place leaves the table: RocksDB's CURRENT tells."""
    writer = ox.Store(str(store_copy))
    jnim = ox.NamedNode(ns.ACTOR + "jnim")
    writer.add(ox.Quad(jnim, ox.NamedNode(ns.SKOS + "altLabel"), ox.Literal("Nusrat Testname"),
                       ox.NamedNode(ns.CURATED_GRAPH)))
    writer.flush()
    del writer
    store = read_only(store_copy)
    assert actor_table.load(store) is None
    assert fought("Nusrat Testname", year=2024, store=store) == fought("JNIM", year=2024, store=store)
    del store

    actor_table.rewrite(store_copy)  # what a benchmark that loads in place calls afterwards
    store = read_only(store_copy)
    table = actor_table.load(store)
    assert table is not None
    assert table.names.resolve("Nusrat Testname") == ns.ACTOR + "jnim"
    assert_same(table, from_queries(store))


@pytest.mark.parametrize("change", ["format", "key", "rocksdb", "garbage", "truncated"])
def test_a_table_not_provably_of_its_store_is_not_used(store_copy, change):
    path = store_copy / actor_table.FILE
    if change == "garbage":
        path.write_text("not json", encoding="utf-8")
    elif change == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        data[change] = {"format": 0, "key": "something else", "rocksdb": [data["rocksdb"][0], "MANIFEST-000001\n"]}[change]
        path.write_text(json.dumps(data), encoding="utf-8")
    store = read_only(store_copy)
    assert actor_table.load(store) is None
    assert actor_table.of(store).names.resolve("GSIM") == ns.ACTOR + "jnim"  # the queries answer


def test_stores_in_memory_or_open_for_writing_are_always_asked(curated, store_copy):
    assert actor_table.load(curated) is None
    writable = OxigraphStore(store_copy)
    assert actor_table.load(writable) is None
    table, expected = actor_table.of(writable), from_queries(writable)
    assert table.parts is None  # left to rollup_parts, which asks the store
    assert actor_table.rollup_parts(writable) == expected.parts
    assert_same(actor_table.ActorTable(table.names, table.lives, expected.parts, table.stored_as_of), expected)


def test_import_and_drop_write_the_table_of_their_store(kg, built_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(built_home, home, symlinks=True)
    before = live(home)
    result = kg("import", "acled", str(FIXTURES / "acled_sample.csv"), home=home)
    assert result.code == 0, result.stderr
    after = live(home)
    assert after != before
    store = read_only(after)
    table = actor_table.load(store)
    assert table is not None
    assert_same(table, from_queries(store))
    imported = [a for a in table.names.labels if a.startswith(ns.dataset_ns("acled", "actor"))]
    assert imported  # actors the import added are in the names
    del store

    result = kg("drop", "acled", home=home)
    assert result.code == 0, result.stderr
    store = read_only(live(home))
    table = actor_table.load(store)
    assert table is not None
    assert_same(table, from_queries(store))
    assert not set(imported) & set(table.names.labels)


def test_an_index_started_from_its_first_rows_is_the_index_of_all_of_them(built_home):
    """What the writer does with the curated rows' kept index (NameIndex.from_rows(start=...))."""
    store = read_only(live(built_home))
    rows = sorted(sparql.run(store, "actor-index"), key=actor_table.index_order)
    sources = [{"graph": ns.dataset_graph("acled"), "actor": rows[0]["actor"], "name": "A Name Of Its Own (2021-)"}]
    for cut in (0, 1, len(rows) // 2, len(rows)):
        whole = NameIndex.from_rows(rows, sources)
        started = NameIndex.from_rows(rows[cut:], sources, start=NameIndex.from_rows(rows[:cut]))
        for part in ("labels", "keys", "loose_keys", "source_keys"):
            assert getattr(started, part) == getattr(whole, part)
            assert list(getattr(started, part)) == list(getattr(whole, part))
            assert [list(b) for b in getattr(started, part).values()] == \
                [list(b) for b in getattr(whole, part).values()]  # ties keep this order
    with pytest.raises(ValueError):
        NameIndex.from_rows(rows, start=NameIndex.from_rows(rows, sources))


def test_a_table_copied_from_another_store_is_not_used(built_home, store_copy, tmp_path):
    """Stores of the same size and history share CURRENT's text; IDENTITY tells them apart."""
    other = tmp_path / "other"
    other.mkdir()
    writer = ox.Store(str(other))
    writer.bulk_extend(read_only(store_copy).store.quads_for_pattern(None, None, None, None))
    writer.flush()
    del writer
    shutil.copy(store_copy / actor_table.FILE, other / actor_table.FILE)
    assert actor_table.load(read_only(other)) is None


def test_a_failed_computation_leaves_no_table(store_copy):
    actor_table.write(store_copy, None)
    assert not (store_copy / actor_table.FILE).exists()
