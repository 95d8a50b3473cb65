"""The curated events as link records, kept beside the store (kg/store/curated_records.py):
written by the build, carried by every import that leaves the curated graph as it was,
equal to what the graph gives, and never used for another curated graph."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from kg.ask.records import EventRecord, curated_records, read_links
from kg.store import curated_records as kept
from kg.store.embedded import OxigraphStore
from kg.store.names import NameIndex

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def live(home: Path) -> Path:
    return (home / "store").resolve()


def read_only(folder: Path) -> OxigraphStore:
    return OxigraphStore(folder, read_only=True)



def plant(folder: Path, rows: list, **head) -> None:
    """Write a records file by hand: today's key and the store's fingerprint unless ``head`` says otherwise."""
    fingerprint = kept.stored_fingerprint(read_only(folder).store)
    header = {"key": kept._key(), "fingerprint": fingerprint, "format": kept.FORMAT, **head}
    (folder / kept.FILE).write_text(json.dumps(header) + "\n" + json.dumps({"rows": rows}), encoding="utf-8")


def test_a_row_is_an_event_record_in_field_order():
    assert kept.FIELDS == tuple(f.name for f in fields(EventRecord))[:len(kept.FIELDS)]


def test_the_build_keeps_the_records_its_graph_gives(built_home):
    folder = live(built_home)
    assert (folder / kept.FILE).is_file()
    store = read_only(folder)
    from_graph = kept.graph_rows(store)
    assert len(from_graph) > 500  # the curated events
    assert kept.read(folder, kept.stored_fingerprint(store.store)) == from_graph
    assert curated_records(store) == [EventRecord(*row) for row in from_graph]


def test_the_build_keeps_the_curated_graphs_actor_rows(built_home, store_copy):
    """What the actor table's writer uses instead of asking the curated graph again."""
    from kg.graph import namespaces as ns
    from kg.store import actor_table, sparql

    folder = live(built_home)
    store = read_only(folder)
    asked = [r for r in sorted(sparql.run(store, "actor-index"), key=actor_table.index_order)
             if r["g"] == ns.CURATED_GRAPH]
    assert len(asked) > 300
    assert kept.actor_rows(folder, kept.stored_fingerprint(store.store)) == asked
    names, expected = kept.actor_names(folder, kept.stored_fingerprint(store.store)), NameIndex.from_rows(asked)
    assert (names.labels, names.keys, names.loose_keys) == (expected.labels, expected.keys, expected.loose_keys)
    assert list(names.keys) == list(expected.keys)  # in the order the rows made them
    assert kept.actor_names(folder, "another curated graph") is None
    assert kept.actor_rows(folder, "another curated graph") is None
    plant(store_copy, [])  # a file of records alone: no actor rows, the store is asked
    assert kept.actor_rows(store_copy, kept.stored_fingerprint(read_only(store_copy).store)) is None
    assert kept.actor_names(store_copy, kept.stored_fingerprint(read_only(store_copy).store)) is None


def test_a_window_keeps_the_records_that_overlap_it(built_home):
    store = read_only(live(built_home))
    every = curated_records(store)
    start, end = date(2019, 1, 1), date(2019, 12, 31)
    assert curated_records(store, start, end) == [r for r in every if r.end >= start and r.start <= end]
    assert 0 < len(curated_records(store, start, end)) < len(every)


def test_kept_rows_are_read_from_the_file(store_copy):
    """The file is what is read (a planted row shows), as long as key and fingerprint are today's."""
    store = read_only(store_copy)
    row = kept._encoded(kept.graph_rows(store)[0])
    row[3] = "a label only the file holds"
    plant(store_copy, [row])
    assert [r.label for r in curated_records(read_only(store_copy))] == ["a label only the file holds"]


@pytest.mark.parametrize("head", [{"fingerprint": "another curated graph"}, {"key": "other code"},
                                  {"fingerprint": None}])
def test_rows_of_another_graph_or_code_are_not_used(store_copy, head):
    store = read_only(store_copy)
    expected = kept.graph_rows(store)
    row = kept._encoded(expected[0])
    row[3] = "stale"
    plant(store_copy, [row], **head)
    assert kept.rows(read_only(store_copy)) == expected


@pytest.mark.parametrize("text", ["", "not json\n{}", '{"key": 1}\n[1, 2]', None])
def test_an_unreadable_file_is_not_an_error(store_copy, text):
    expected = kept.graph_rows(read_only(store_copy))
    if text is None:
        plant(store_copy, [["too", "short"]])
    else:
        (store_copy / kept.FILE).write_text(text, encoding="utf-8")
    assert kept.rows(read_only(store_copy)) == expected


def test_a_store_open_for_writing_reads_its_graph(store_copy):
    row = kept._encoded(kept.graph_rows(read_only(store_copy))[0])
    row[3] = "stale"
    plant(store_copy, [row])
    writable = OxigraphStore(store_copy)
    assert "stale" not in {r[3] for r in kept.rows(writable)}


def test_an_import_carries_the_file_and_links_as_if_it_read_the_graph(kg, built_home, tmp_path):
    """An import reads the live store's kept records, and the new store gets the same file;
    without the file the import reads the graph and writes the same links."""
    homes = {}
    for name in ("kept", "read"):
        home = homes[name] = tmp_path / name
        shutil.copytree(built_home, home, symlinks=True)
        if name == "read":
            (live(home) / kept.FILE).unlink()
        result = kg("import", "acled", str(FIXTURES / "acled_sample.csv"), home=home)
        assert result.code == 0, result.stderr
    before = (live(built_home) / kept.FILE).read_bytes()
    assert (live(homes["kept"]) / kept.FILE).read_bytes() == before  # carried as it was
    links = {name: read_links(read_only(live(home))) for name, home in homes.items()}
    assert links["kept"] and links["kept"] == links["read"]
    # a live store without the file (made by an earlier kg): the new store gets one, read from its graph
    assert (live(homes["read"]) / kept.FILE).is_file()
    assert curated_records(read_only(live(homes["read"]))) == curated_records(read_only(live(homes["kept"])))


def test_a_build_derives_anew_what_the_live_store_kept(kg, built_home, tmp_path):
    """kg build writes the curated graph anew; the fingerprint does not cover kg's building
    code, so what the live store kept of its graph, even under the same fingerprint, is not
    carried: a planted row and a planted actor are gone from the new store's file and table."""
    from kg.store import actor_table

    home = tmp_path / "home"
    shutil.copytree(built_home, home, symlinks=True)
    folder = live(home)
    store = read_only(folder)
    row = kept._encoded(kept.graph_rows(store)[0])
    row[3] = "a label only the old file holds"
    fingerprint = kept.stored_fingerprint(store.store)
    text = (folder / kept.FILE).read_text(encoding="utf-8").split("\n")
    actors = json.loads(text[2])
    actors["actors"][0][2] = "An Actor Only The Old File Names"
    header = {"key": kept._key(), "fingerprint": fingerprint, "format": kept.FORMAT}
    (folder / kept.FILE).write_text("\n".join([json.dumps(header), json.dumps({"rows": [row]}),
                                               json.dumps(actors), text[3]]), encoding="utf-8")
    assert kept.read(folder, fingerprint) == [kept._decoded(row)]  # planted, and of today's key
    del store
    result = kg("build", home=home)
    assert result.code == 0, result.stderr
    new = live(home)
    assert new != folder
    store = read_only(new)
    assert kept.stored_fingerprint(store.store) == fingerprint  # the same curated graph's fingerprint
    assert kept.read(new, fingerprint) == kept.graph_rows(store)
    assert "An Actor Only The Old File Names" not in {r["label"] for r in kept.actor_rows(new, fingerprint)}
    assert "An Actor Only The Old File Names" not in set(actor_table.load(store).names.labels.values())


@pytest.mark.parametrize("planted", ["link to a good file", "link to /dev/zero", "fifo"])
def test_a_link_or_device_in_the_stores_folder_is_not_read(store_copy, tmp_path, planted):
    """A file kg keeps is read only as a regular file of its own: a link (even to a good
    copy) or a device planted under its name is not followed, and nothing blocks or grows."""
    import os

    store = read_only(store_copy)
    expected = kept.graph_rows(store)
    path = store_copy / kept.FILE
    good = tmp_path / "elsewhere.json"
    shutil.copy(path, good)
    path.unlink()
    if planted == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(good if planted.endswith("good file") else Path("/dev/zero"))
    assert kept.rows(read_only(store_copy)) == expected
    assert kept.read(store_copy, kept.stored_fingerprint(store.store)) is None
