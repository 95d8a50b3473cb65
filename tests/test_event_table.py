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


def map_block(html: str) -> dict:
    import re

    return json.loads(re.search(r'<script id="kg-map" type="application/json">(.*?)</script>', html, re.S).group(1))


def test_the_map_kept_beside_the_store_is_kept_per_language(kg, imported, tmp_path):
    """kg viz keeps the map's text beside the store once per language (kg viz --lang): a French
    page never copies the English text, nor an English page the French one, in either order."""
    pages = {}
    for n, lang in enumerate(["en", "fr", "en", "fr"]):
        out = tmp_path / f"{n}-{lang}.html"
        r = kg("viz", "--lang", lang, "-o", str(out), home=imported)
        assert r.code == 0, r.stderr
        pages.setdefault(lang, []).append(out.read_text(encoding="utf-8"))
    folder = live(imported)
    for lang in ("en", "fr"):
        assert (folder / event_table.DERIVED.format(name=f"map-{lang}")).exists()
        first, again = (map_block(p) for p in pages[lang])
        assert first == again  # the second page copied what the first kept
    english, french = map_block(pages["en"][0]), map_block(pages["fr"][0])
    kinds = {"en": {k["label"] for k in english["kinds"]}, "fr": {k["label"] for k in french["kinds"]}}
    assert "Battle or siege" in kinds["en"] and "Bataille ou siège" in kinds["fr"]
    assert not kinds["en"] & kinds["fr"]
    countries = {c[0] for c in french["countryLabels"]}
    assert "Mauritanie" in countries and "Mauritania" not in countries
    assert english["events"]["id"] == french["events"]["id"]  # the same events, in two languages
    # the key holds the language and its words: another catalogue is another key
    from kg.explore.words import Words

    assert eventmap.map_key(Words("en")) != eventmap.map_key(Words("fr"))


def test_the_network_s_rows_are_kept_beside_the_store_and_give_the_same_network(imported, tmp_path):
    """kg viz, kg analyze: the whole graph's network rows are asked once of a read-only store,
    kept beside it and read from there later: the same rows, typed the same, the same network;
    a copy whose kept rows are spoilt asks the store again."""
    from kg.ask import network as kn
    from kg.graph import namespaces as ns
    from kg.graph.terms import IRI

    copy = tmp_path / "store"
    shutil.copytree(live(imported), copy)
    asked = [("network-nodes", {}), ("statements-in-window", {}), ("network-events", {"graph": IRI(ns.CURATED_GRAPH)})]
    first = OxigraphStore(copy, read_only=True)
    answers = {name: sparql.run(first, name, **params) for name, params in asked}
    g1 = kn.network(first)
    for name, _params in asked:
        assert (copy / event_table.DERIVED.format(name=f"rows-{name}")).exists()
    again = OxigraphStore(copy, read_only=True)
    for name, params in asked:
        kept = event_table.kept_rows(again, name, **params)
        assert kept and ordered(kept) == ordered(answers[name])  # values and their types
    g2 = kn.network(again)
    assert sorted(g1.nodes(data=True)) == sorted(g2.nodes(data=True))
    assert sorted(g1.edges(keys=True, data=True), key=repr) == sorted(g2.edges(keys=True, data=True), key=repr)
    # a window is always asked of the store: its rows are not kept
    assert kn.network(again, year=2013).number_of_edges() < g2.number_of_edges()
    assert not list(copy.glob("kg-page-rows-*from*"))
    spoilt = copy / event_table.DERIVED.format(name="rows-statements-in-window")
    head, _, _text = spoilt.read_text(encoding="utf-8").partition("\n")
    spoilt.write_text(head + "\n" + "not json", encoding="utf-8")
    third = OxigraphStore(copy, read_only=True)
    assert ordered(event_table.kept_rows(third, "statements-in-window")) == ordered(answers["statements-in-window"])


# -- the grouped read of an embedded store (kg/store/event_facts.py) ----------------------


def _facts_by_rows(store, classes, places):
    """What map-events and event-sides' rows give (the map's reading before the grouped read)."""
    events = {e: {k: (sorted(v) if k == "source" else v) for k, v in f.items() if k != "place" or v in places}
              for e, f in eventmap._events(store, classes)}
    return events, sorted(eventmap._sides(store))


def _known_places(store) -> set[str]:
    return {str(r["place"]) for r in sparql.run(store, "map-places")}


def test_the_grouped_read_gives_what_the_rows_give(imported):
    from kg.explore.styles import style
    from kg.store import event_facts

    store = OxigraphStore(live(imported), read_only=True)
    kind_of = {c: k for k, st in style()["events"].items() for c in st.get("classes", [])}
    classes = eventmap._kinds(store, kind_of)
    places = _known_places(store)
    read = event_facts.read(store, classes, places)
    assert read is not None
    events, sides = read
    by_rows, side_rows = _facts_by_rows(store, classes, places)
    assert dict(events) == by_rows and len(by_rows) > 100
    assert any("/acled/" in e for e in by_rows) and any(f.get("sourceNames") for f in by_rows.values())
    assert sorted(sides) == side_rows and {s for _e, s, _a in sides} == {"a", "b", ""}


def _meaning(m: dict) -> list:
    """The map's events with every number that points into a table replaced by what it points at."""
    ev, groups = m["events"], m["groups"]

    def members(i, table):
        return sorted(repr(table[x]) for x in groups[i])

    return sorted(repr((ev["id"][i], ev["label"][i], ev["kind"][i], m["types"][ev["type"][i]], ev["start"][i],
                        ev["end"][i], ev["prec"][i], ev["deaths"][i], m["places"][ev["place"][i]],
                        members(ev["a"][i], m["actors"]), members(ev["b"][i], m["actors"]),
                        members(ev["o"][i], m["actors"]), members(ev["src"][i], m["sources"])))
                  for i in range(len(ev["id"])))


def test_the_map_is_the_same_read_either_way(imported, monkeypatch):
    from kg.store import event_facts

    store = OxigraphStore(live(imported), read_only=True)
    fast = eventmap.map_of(store)
    monkeypatch.setattr(event_facts, "possible", lambda _store: False)  # the named queries' rows instead
    rows = eventmap.map_of(OxigraphStore(live(imported), read_only=True))
    assert _meaning(fast) == _meaning(rows) and len(fast["events"]["id"]) > 100
    assert sorted(map(repr, fast["unplaced"])) == sorted(map(repr, rows["unplaced"]))
    assert fast["places"] == rows["places"]  # in the order map-places gives them, both ways
    assert sorted(map(repr, fast["actors"])) == sorted(map(repr, rows["actors"]))


def test_a_fact_stated_twice_leaves_the_map_to_the_rows(imported):
    """Two starts for one event: which one the rows give depends on their order, so the grouped
    read declines and the map is made from the rows, as before."""
    import pyoxigraph as ox

    from kg.explore.styles import style
    from kg.graph import namespaces as ns
    from kg.store import event_facts

    store = OxigraphStore()
    store.store.extend(OxigraphStore(live(imported), read_only=True).store.quads_for_pattern(None, None, None, None))
    start = ox.NamedNode(ns.SKG + "start")
    q = next(q for q in store.store.quads_for_pattern(None, start, None, None) if "/acled/event/" in q.subject.value)
    store.store.add(ox.Quad(q.subject, start, ox.Literal("1999-01-01", datatype=ox.NamedNode(ns.XSD + "date")),
                            q.graph_name))
    kind_of = {c: k for k, st in style()["events"].items() for c in st.get("classes", [])}
    assert event_facts.read(store, eventmap._kinds(store, kind_of), _known_places(store)) is None
    events = eventmap.map_of(store)["events"]
    assert len(events["id"]) > 100


def test_the_map_made_by_a_child_process_is_the_map_made_here(imported, tmp_path):
    """kg viz makes a read-only store's first map in a process of its own (beside the network):
    the same text and sources as made in this process; a child that fails gives None, and
    kg viz then makes the map itself."""
    from kg.explore.styles import page_sources
    from kg.explore.words import Words

    copy = tmp_path / "store"
    shutil.copytree(live(imported), copy)
    for kept in copy.glob("kg-page-map-*.json"):
        kept.unlink()
    store = OxigraphStore(copy, read_only=True)
    sources, words = page_sources(store), Words("fr")
    child = eventmap.start_map_child(copy, sources, words)
    text, meta = eventmap.map_from_child(child)
    assert child.returncode == 0
    assert (copy / event_table.DERIVED.format(name="map-fr")).exists()  # kept by the child
    for kept in copy.glob("kg-page-map-*.json"):
        kept.unlink()
    here_text, here_meta = eventmap.map_json(store, sources, words=words)
    assert text == here_text and meta == here_meta and json.loads(text)["events"]["id"]
    broken = eventmap.start_map_child(tmp_path / "no-store-here", sources, words)
    assert eventmap.map_from_child(broken) is None and broken.returncode == 1
