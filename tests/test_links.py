"""Incident links (kg link, and every import) and the comparisons over them (kg compare).

The fixtures of tests/fixtures/triangulate are the same incidents as ACLED and UCDP GED
record them (dates a day apart, a village's coordinates instead of the town's, a
region's centroid, "Government of Mali" against "Military Forces of Mali (2021-)",
tolls that differ), and near misses that must not link: the same place two days later,
a protest in the town attacked the day before, the same day 37 km away, the other
jihadist group, another region.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.ask.records import EventRecord, Link, incidents
from kg.errors import DataError
from kg.graph import namespaces as ns
from kg.imports import links as L
from tests.fixtures.triangulate.stories import rows as story_rows

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "triangulate"
ACLED_FILE, UCDP_FILE = FIXTURES / "acled.csv", FIXTURES / "ucdp.csv"
ACLED_ROWS, UCDP_ROWS = story_rows()
A = ns.ACTOR


def acled_ids(story: str) -> list[str]:
    return [r["event_id_cnty"] for r in ACLED_ROWS if r["_story"] == story]


def ucdp_id(story: str) -> str:
    return next(r["id"] for r in UCDP_ROWS if r["_story"] == story)


def acled_iri(row_id: str) -> str:
    return ns.dataset_ns("acled", "event") + row_id


def ucdp_iri(row_id: str) -> str:
    return ns.dataset_ns("ucdp", "event") + row_id


# --- comparing records, without a store -------------------------------------------------

def record(dataset: str, ident: str, day: str, lat: float, lon: float, type_key: str, *, side_a=(), side_b=(),
           days: int = 0, precision: str = "Day", place: str = "point", admin1: str = "Mopti",
           fatalities: int | None = 5) -> EventRecord:
    start = date.fromisoformat(day)
    return EventRecord(
        f"{ns.ID}{dataset}/event/{ident}", dataset, ident, ident, type_key, start, start + timedelta(days=days),
        precision, lat, lon, A + "mali", admin1, "somewhere", place, fatalities,
        side_a=frozenset(A + x for x in side_a), side_b=frozenset(A + x for x in side_b))


FAMILIES = {A + "jnim": frozenset({A + "jnim", A + "katiba_macina"}),
            A + "katiba_macina": frozenset({A + "katiba_macina", A + "jnim"}),
            A + "fama": frozenset({A + "fama", A + "mali"}), A + "mali": frozenset({A + "fama", A + "mali"})}


def linked(new: list[EventRecord], others: list[EventRecord] = (), **options) -> set[tuple[str, str]]:
    found = L.match(list(new), list(others), L.Options(**options), store_families=FAMILIES)
    return {tuple(sorted((ns.local_id(k.a), ns.local_id(k.b)))) for k in found}


def test_the_same_attack_in_both_data_sets_links():
    acled = record("acled", "MLI1", "2023-01-10", 14.605, -1.956, "Armed clash", side_a=["jnim"], side_b=["fama"])
    ucdp = record("ucdp", "9001", "2023-01-09", 14.632, -1.956, "1", side_a=["mali"], side_b=["jnim"])
    assert linked([acled, ucdp]) == {("9001", "MLI1")}


@pytest.mark.parametrize("change, why", [
    ({"lat": 14.96}, "39 km away: beyond the default 25 km"),
    ({"day": "2023-01-12"}, "two days apart: beyond the default window of 1 day"),
    ({"type_key": "Peaceful protest"}, "a protest is not an attack"),
    ({"side_a": ["is_sahel"], "side_b": []}, "another group: the actors contradict"),
    ({"place": "country"}, "placed only at a country"),
    ({"type_key": "Some type ACLED adds later"}, "a type kinds.toml lacks never links"),
])
def test_near_misses_do_not_link(change, why):
    base = {"day": "2023-01-10", "lat": 14.605, "lon": -1.956, "type_key": "Armed clash", "side_a": ["jnim"],
            "side_b": ["fama"]}
    args = {**base, **change}
    acled = record("acled", "MLI1", args.pop("day"), args.pop("lat"), args.pop("lon"), args.pop("type_key"),
                   **args)
    ucdp = record("ucdp", "9001", "2023-01-10", 14.605, -1.956, "1", side_a=["mali"], side_b=["jnim"])
    assert linked([acled, ucdp]) == set(), why


def test_window_and_distance_are_options():
    acled = record("acled", "MLI1", "2023-01-12", 14.96, -1.956, "Armed clash", side_a=["jnim"])
    ucdp = record("ucdp", "9001", "2023-01-10", 14.605, -1.956, "1", side_b=["jnim"])
    assert linked([acled, ucdp]) == set()
    assert linked([acled, ucdp], window=2, distance=40) == {("9001", "MLI1")}


def test_a_part_of_an_actor_does_not_contradict_it():
    acled = record("acled", "MLI1", "2023-01-10", 14.6, -1.95, "Armed clash", side_a=["katiba_macina"])
    ucdp = record("ucdp", "9001", "2023-01-10", 14.6, -1.95, "1", side_b=["jnim"])
    assert linked([acled, ucdp]) == {("9001", "MLI1")}


def test_a_record_placed_at_a_region_links_within_the_same_region_only():
    acled = record("acled", "BFO1", "2023-06-12", 14.04, -0.03, "Armed clash", place="region", admin1="Sahel")
    same = record("ucdp", "9001", "2023-06-12", 14.37, 0.20, "1", admin1="Sahel region")
    other = record("ucdp", "9002", "2023-06-12", 13.33, -1.53, "1", admin1="Centre-Nord region")
    found = L.match([acled, same, other], [], L.Options(), store_families={})
    assert [(ns.local_id(k.a), ns.local_id(k.b), k.rule) for k in found] == [
        ("BFO1", "9001", "same-day+same-region")]


def test_one_to_one_takes_the_best_match_and_an_episode_takes_many():
    ucdp = record("ucdp", "9001", "2023-10-01", 16.95, -0.35, "1", days=4, side_a=["mali"])
    days = [record("acled", f"MLI{i}", f"2023-10-0{i}", 16.95, -0.35, "Armed clash", side_a=["fama"])
            for i in (1, 2, 4)]
    found = L.match([ucdp, *days], [], L.Options(), store_families=FAMILIES)
    assert {ns.local_id(k.b) for k in found} == {"9001"} and len(found) == 3
    assert all(k.one_to_many and k.rule.startswith("episode") for k in found)
    # one day, two ACLED records at the place: the UCDP record takes the closer toll and place
    single = record("ucdp", "9002", "2023-11-05", 16.95, -0.35, "1", fatalities=12)
    near = record("acled", "MLI8", "2023-11-05", 16.95, -0.35, "Armed clash", fatalities=12)
    far = record("acled", "MLI9", "2023-11-05", 17.05, -0.35, "Armed clash", fatalities=1)
    assert linked([single, near, far]) == {("9002", "MLI8")}


def test_blocking_misses_no_pair_that_comparing_every_pair_would_find():
    rng = random.Random(4)
    types = {"acled": ["Armed clash", "Attack", "Air/drone strike"], "ucdp": ["1", "2", "3"]}
    made = []
    for i in range(400):
        dataset = rng.choice(["acled", "ucdp"])
        made.append(record(
            dataset, f"{dataset}{i}", (date(2023, 1, 1) + timedelta(days=rng.randrange(30))).isoformat(),
            14 + rng.random() * 0.8, -2 + rng.random() * 0.8, rng.choice(types[dataset]),
            days=rng.choice([0, 0, 0, 3]), place=rng.choice(["point"] * 5 + ["region"]),
            admin1=rng.choice(["Mopti", "Segou"])))
    report = L.Report()
    prepared = sorted(L._prepare(made, L.load_kinds(), {}, report), key=lambda p: p.r.iri)
    opt = L.Options()
    for new_sets in ({"acled", "ucdp"}, {"acled"}, {"ucdp"}):  # kg link, and an import of either
        arrays = L._Arrays(prepared, [p.r.dataset in new_sets for p in prepared], {})
        xs, ys = L._candidates(arrays, opt)
        found = {frozenset((x, y)) for x, y in zip(xs.tolist(), ys.tolist())}
        assert len(found) == len(xs)  # no pair met twice
        wanted = {frozenset((i, j)) for i, x in enumerate(prepared) for j, y in enumerate(prepared)
                  if i < j and x.r.dataset != y.r.dataset and (x.r.dataset in new_sets or y.r.dataset in new_sets)
                  and L.compare(x, y, opt) is not None}
        assert wanted and wanted <= found
        # and the vectorised scores are the scalar ones
        scores, _gaps, _km = L._scores(arrays, xs, ys, opt)
        for x, y, s in zip(xs.tolist(), ys.tolist(), scores.tolist()):
            one = L.compare(prepared[x], prepared[y], opt)
            assert (one is None and s < 0) or (one is not None and one[0] == round(s, 3))


def test_incidents_are_the_connected_records():
    links = [Link("a", "b", "r", 1.0, 0, 0.0), Link("b", "c", "r", 1.0, 0, 0.0), Link("x", "y", "r", 1.0, 0, 0.0)]
    of = incidents(links)
    assert of["a"] == of["b"] == of["c"] != of["x"] == of["y"]


def test_kinds_cover_every_curated_acled_and_ucdp_type():
    from kg.graph.vocab import vocabulary
    from kg.imports.layouts import ACLED_CLASSES, OLD_EVENT_TYPES, UCDP_CLASSES
    from kg.store.names import normalise

    table = L.load_kinds()
    assert {normalise(t) for t in vocabulary().event_types} <= set(table["curated"])
    assert {normalise(t) for t in ACLED_CLASSES} <= set(table["acled"])
    assert {normalise(sub or main) for main, sub in OLD_EVENT_TYPES.values()} <= set(table["acled"])
    assert set(UCDP_CLASSES) <= set(table["ucdp"])


def test_a_broken_kinds_file_is_a_data_error_naming_it(tmp_path):
    bad = tmp_path / "kinds.toml"
    bad.write_text('[acled]\n"Armed clash" = "fighting"\n')
    with pytest.raises(DataError, match="kinds.toml.*expected a list of kinds"):
        L.load_kinds(bad)


# --- imports link their rows; kg link; kg compare ---------------------------------------------

@pytest.fixture(scope="module")
def triangulated(kg, tmp_path_factory):
    """A KG_HOME with the fixtures imported (ACLED first, then UCDP); the two import reports."""
    home = tmp_path_factory.mktemp("kg-links")
    reports = []
    for kind, path in (("acled", ACLED_FILE), ("ucdp", UCDP_FILE)):
        done = kg("import", kind, str(path), "--format", "json", home=home)
        assert done.code == 0, done.stderr
        reports.append(json.loads(done.stdout))
    return home, reports


@pytest.fixture
def home(triangulated, tmp_path) -> Path:
    """A private copy of the linked KG_HOME, for tests that change it."""
    target = tmp_path / "home"
    shutil.copytree(triangulated[0], target, symlinks=True)
    return target


def stored_links(home: Path) -> dict[frozenset, dict]:
    store = ox.Store.read_only(str(home / "store"))
    rows = store.query(
        f"SELECT ?a ?b ?rule ?score ?many WHERE {{ GRAPH <{ns.GRAPH}links> {{ ?l a <{ns.SKG}IncidentLink> ; "
        f"<{ns.SKG}linkFrom> ?a ; <{ns.SKG}linkTo> ?b ; <{ns.SKG}linkRule> ?rule ; <{ns.SKG}linkScore> ?score . "
        f"OPTIONAL {{ ?l <{ns.SKG}oneToMany> ?many }} }} }}")
    out = {frozenset((r["a"].value, r["b"].value)): {"rule": r["rule"].value, "score": float(r["score"].value),
                                                     "many": r["many"] is not None} for r in rows}
    del store
    return out


def test_each_import_links_its_new_rows(triangulated):
    _home, (acled, ucdp) = triangulated
    assert acled["links"]["new_records"] == len(ACLED_ROWS)
    assert ucdp["links"]["new_records"] == len(UCDP_ROWS)
    assert ucdp["links"]["kept"] == acled["links"]["links"]  # the ACLED-curated links stay
    assert ucdp["links"]["links"] > 30


def test_the_same_incidents_link_with_their_rule_and_score(triangulated):
    got = stored_links(triangulated[0])
    for story in ("mondoro_camp", "djibo_convoy", "tamalat_killings", "djenne_strike", "lere_camp",
                  "farabougou_clash", "tougan_attack", "djibo_region"):
        (a,) = acled_ids(story)
        link = got.get(frozenset((acled_iri(a), ucdp_iri(ucdp_id(story)))))
        assert link is not None, story
        assert 0 < link["score"] <= 1 and "+" in link["rule"]
    assert got[frozenset((acled_iri(acled_ids("djibo_region")[0]), ucdp_iri(ucdp_id("djibo_region"))))][
        "rule"].endswith("same-region")


def test_three_data_sets_meet_in_one_incident(triangulated):
    got = stored_links(triangulated[0])
    of = incidents(Link(*sorted(k), "r", 1.0, 0, 0.0) for k in got)
    records = [acled_iri(acled_ids("barsalogho_trenches")[0]), ucdp_iri(ucdp_id("barsalogho_trenches")),
               ns.EVENT + "barsalogho_massacre_2024"]
    assert len({of[r] for r in records}) == 1


def test_near_misses_in_the_fixtures_do_not_link(triangulated):
    got = stored_links(triangulated[0])
    pairs = [
        ("mondoro_protest", "mondoro_camp"),  # a protest the next day in the town attacked
        ("mondoro_second", "mondoro_camp"),  # the same place three days later
        ("niono_jnim_killings", "niono_civilians"),  # the same day 13 km away, by the other side
        ("sahel_region_clash", "kongoussi_clash"),  # placed at the Sahel region; the other in Centre-Nord
        ("tera_ied", "tera_clash"),  # the same town three days later
        ("abala_post", "banibangou_clash"),  # the same day 80 km away
        ("arbinda_vdp", "djibo_region"),  # one ACLED record of the region's day is taken by the better one
    ]
    for acled_story, ucdp_story in pairs:
        for a in acled_ids(acled_story):
            assert frozenset((acled_iri(a), ucdp_iri(ucdp_id(ucdp_story)))) not in got, (acled_story, ucdp_story)


def test_an_episode_links_to_each_of_its_days(triangulated):
    got = stored_links(triangulated[0])
    episode = ucdp_iri(ucdp_id("bourem_fighting"))
    days = [acled_iri(a) for a in acled_ids("bourem_fighting")]
    assert len(days) == 3
    for day in days:
        assert got[frozenset((episode, day))]["many"]


def test_precision_and_recall_on_the_labelled_pairs(triangulated):
    got = {k for k in stored_links(triangulated[0])}
    with open(FIXTURES / "pairs.csv", encoding="utf-8") as f:
        labelled = list(csv.DictReader(f))
    assert len(labelled) >= 200 and all(r["why"] for r in labelled)
    same = [r for r in labelled if r["same"] == "1"]
    found = [r for r in labelled if frozenset((acled_iri(r["acled_id"]), ucdp_iri(r["ucdp_id"]))) in got]
    right = [r for r in found if r["same"] == "1"]
    acled_ucdp = [k for k in got if any("/acled/" in x for x in k) and any("/ucdp/" in x for x in k)]
    assert len(right) / len(acled_ucdp) >= 0.9  # precision (bench/bench_link.py prints it)
    assert len(right) / len(same) >= 0.9  # recall


def test_an_added_file_links_only_its_rows_and_keeps_the_others(kg, home, tmp_path):
    before = stored_links(home)
    added = tmp_path / "added.csv"
    with open(ACLED_FILE, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    fresh = [dict(rows[0]) | {"event_id_cnty": "BFO99001", "event_date": "2023-06-12", "location": "Kongoussi",
                               "admin1": "Centre-Nord", "latitude": "13.3300", "longitude": "-1.5300",
                               "actor1": "JNIM: Group for Support of Islam and Muslims",
                               "actor2": "Military Forces of Burkina Faso (2022-)", "country": "Burkina Faso",
                               "iso": "854", "fatalities": "6", "notes": "JNIM attacked the gendarmerie post."}]
    with open(added, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(fresh)
    done = kg("import", "acled", str(added), "--format", "json", home=home)
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)["links"]
    assert report["new_records"] == 1 and report["removed"] == 0
    after = stored_links(home)
    assert set(before) <= set(after)
    assert frozenset((acled_iri("BFO99001"), ucdp_iri(ucdp_id("kongoussi_clash")))) in after
    assert len(after) == len(before) + report["links"]


REAL_SHAPED = Path(__file__).resolve().parent / "fixtures" / "real_shaped"


@pytest.mark.parametrize("kind, path", [
    ("acled", REAL_SHAPED / "acled_niger_r2023.csv"),  # re-saved by R: "NA" cells
    ("acled", REAL_SHAPED / "acled_burkina_faso_hdx.csv"),  # HDX's tag row
    ("acled", FIXTURES.parent / "acled_monadic.csv"),  # one row per actor
    ("ucdp", REAL_SHAPED / "ucdp_ged_sahel.csv"),
])
def test_the_rows_an_import_links_are_the_records_the_store_holds(home, monkeypatch, kind, path):
    """The relink takes the new rows as the import mapped them, not read back from the store,
    and the curated records as kept beside the live store, not read from the staged graph:
    they must be, field by field, what the store the import made holds of them (read after
    it: the relink runs while the closing quads, the places among them, still load)."""
    from kg.ask.records import EventRecord, read_records
    from kg.imports.importer import import_files
    from kg.store import curated_records as kept
    from kg.store.cache import open_store

    seen = []
    real = L.after_import

    def checking(raw_store, dataset, new_events, new_records=None, curated=None):
        assert new_records is not None and curated is not None
        seen.append((dataset, set(new_events), sorted(new_records, key=lambda r: r.iri), curated))
        return real(raw_store, dataset, new_events, new_records, curated)

    monkeypatch.setenv("KG_HOME", str(home))
    monkeypatch.delenv("KG_DATA", raising=False)
    monkeypatch.setattr(L, "after_import", checking)
    import_files(kind, [path], progress=False)
    ((dataset, new_events, mapped, curated),) = seen
    made = open_store()
    stored = sorted(read_records(made, dataset, new_events), key=lambda r: r.iri)
    assert mapped and mapped == stored
    assert curated and curated == [EventRecord(*row) for row in kept.graph_rows(made)]


def test_a_replaced_row_loses_its_old_links(kg, home, tmp_path):
    (row_id,) = acled_ids("mondoro_camp")
    changed = tmp_path / "acled_v2.csv"
    with open(ACLED_FILE, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["event_id_cnty"] == row_id:
            r["latitude"], r["location"] = "16.0000", "moved north"
    with open(changed, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    done = kg("import", "acled", str(changed), "--format", "json", home=home)
    assert done.code == 0, done.stderr
    assert frozenset((acled_iri(row_id), ucdp_iri(ucdp_id("mondoro_camp")))) not in stored_links(home)


def test_dropping_a_data_set_drops_its_links(kg, home):
    assert kg("drop", "ucdp", home=home).code == 0
    got = stored_links(home)
    assert got and not any("/ucdp/" in x for k in got for x in k)


def test_kg_link_relinks_with_other_options(kg, home):
    pair = frozenset((acled_iri(acled_ids("mondoro_camp")[0]), ucdp_iri(ucdp_id("mondoro_camp"))))
    done = kg("link", "--window", "0", "--format", "json", home=home)
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["options"]["window"] == 0
    assert pair not in stored_links(home)  # a day apart
    assert kg("link", home=home).code == 0
    assert pair in stored_links(home)


def test_kg_link_refuses_a_bad_option(kg, home):
    done = kg("link", "--distance", "-1", home=home)
    assert done.code == 2 and "--distance -1" in done.stderr and "Traceback" not in done.stderr


def test_kg_link_reads_the_records_read_events_reads(triangulated):
    """kg link reads the records by one grouped query per data set (every_record): the same
    records, field by field, as the reading per predicate that the other answers use."""
    from kg.ask.records import _imported_grouped, every_record, read_events
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore(triangulated[0] / "store", read_only=True)
    got = every_record(store)
    assert got == sorted(read_events(store), key=lambda r: r.iri)
    assert {r.dataset for r in got} == {"curated", "acled", "ucdp"}
    for name in ("acled", "ucdp"):  # the grouped query read them, not the fallback
        assert sorted(_imported_grouped(store.store, name), key=lambda r: r.iri) == [r for r in got if r.dataset == name]


def test_kg_link_reads_records_it_cannot_group_per_predicate(home):
    """Two values of a one-valued fact, or a blank node as an actor: the grouped reading
    cannot give them back as read_events does, so that data set is read per predicate."""
    from kg.ask.records import _imported_grouped, every_record, read_events
    from kg.store.embedded import OxigraphStore

    raw = ox.Store(str(home / "store"))
    g = ox.NamedNode(ns.dataset_graph("acled"))
    event = ox.NamedNode(acled_iri(acled_ids("mondoro_camp")[0]))
    raw.add(ox.Quad(event, ox.NamedNode(ns.SKG + "fatalities"), ox.Literal("999", datatype=ox.NamedNode(
        ns.XSD + "integer")), g))
    raw.add(ox.Quad(ox.NamedNode(ucdp_iri(ucdp_id("mondoro_camp"))), ox.NamedNode(ns.SKG + "sideB"), ox.BlankNode(),
                    ox.NamedNode(ns.dataset_graph("ucdp"))))
    raw.flush()
    del raw
    store = OxigraphStore(home / "store", read_only=True)
    assert _imported_grouped(store.store, "acled") is None and _imported_grouped(store.store, "ucdp") is None
    assert every_record(store) == sorted(read_events(store), key=lambda r: r.iri)


def test_kg_link_reads_the_stored_links_read_links_reads(triangulated):
    """kg link reads the stored links by one query grouped by link node, naming each by the new
    link of the same node or reading its records: the links read_links reads, whichever links
    are new (all, some, none of them)."""
    from kg.ask.records import read_links
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore(triangulated[0] / "store", read_only=True)
    old = read_links(store)
    assert len(old) > 20
    ordered = sorted(old, key=lambda k: (k.a, k.b))
    for new in (ordered, ordered[::2], []):
        assert sorted(L._stored_links(store.store, new), key=lambda k: (k.a, k.b)) == ordered


def test_links_are_plain_sparql(kg, triangulated):
    query = (f"SELECT ?rule (COUNT(*) AS ?n) WHERE {{ GRAPH <{ns.GRAPH}links> {{ ?l <{ns.SKG}linkRule> ?rule }} }} "
             "GROUP BY ?rule ORDER BY ?rule")
    done = kg("query", query, "--format", "csv", home=triangulated[0])
    assert done.code == 0, done.stderr
    assert "same-day+within-distance" in done.stdout


def test_compare_overview_per_data_set(kg, triangulated):
    for fmt in ("table", "csv"):
        done = kg("compare", "--year", "2023", "--format", fmt, home=triangulated[0])
        assert done.code == 0, done.stderr
        assert "linked_to_ucdp" in done.stdout
    rows = {r["dataset"]: r for r in json.loads(kg("compare", "--country", "Niger", "--format", "json",
                                                   home=triangulated[0]).stdout)}
    niger_ucdp = [r for r in UCDP_ROWS if r["country"] == "Niger"]
    assert rows["ucdp"]["events"] == len(niger_ucdp)
    assert rows["ucdp"]["fatalities"] == sum(int(r["best"]) for r in niger_ucdp)
    assert rows["ucdp"]["fatalities_low"] == sum(int(r["low"]) for r in niger_ucdp)
    assert rows["ucdp"]["fatalities_high"] == sum(int(r["high"]) for r in niger_ucdp)
    assert 0 < rows["acled"]["linked_to_ucdp"] <= 1
    assert rows["all (by incident)"]["incidents"] < sum(rows[d]["events"] for d in ("acled", "ucdp", "curated"))


def test_compare_a_pair_by_year_with_its_disagreements(kg, triangulated):
    done = kg("compare", "JNIM", "Mali", "--year", "2024", "--format", "json", home=triangulated[0])
    assert done.code == 0, done.stderr
    answer = json.loads(done.stdout)
    (year,) = answer["years"]
    assert year["year"] == 2024 and year["acled_events"] >= 4 and year["ucdp_events"] >= 4
    assert any(s["id"] == "jnim_fought_fama" for s in answer["statements"])
    tolls = [d for d in answer["disagreements"] if d["kind"] == "tolls differ"]
    assert any("acled: 3" in d["what"] and "ucdp: 18" in d["what"] for d in tolls)  # Farabougou
    farabougou = next(i for i in answer["incidents"] if i["place"] == "Farabougou")
    assert {r["dataset"] for r in farabougou["records"]} == {"acled", "ucdp"}
    table = kg("compare", "JNIM", "Mali", "--year", "2024", home=triangulated[0])
    assert table.code == 0 and "disagreements:" in table.stdout and "tolls differ" in table.stdout


def test_compare_names_other_opponents_for_one_incident(kg, triangulated):
    # ACLED blames JNIM for the attack on Tessit, UCDP the Islamic State Sahel
    answer = json.loads(kg("compare", "Mali", "--year", "2023", "--format", "json", home=triangulated[0]).stdout)
    (tessit,) = [d for d in answer["disagreements"] if d["kind"] == "opponents differ"
                 and d["incident"] == f"ucdp:{ucdp_id('tessit_attack')}"]
    assert "acled: against Jama'at Nusrat al-Islam wal-Muslimin" in tessit["what"]
    assert "ucdp: against Islamic State" in tessit["what"]


def test_compare_incidents_side_by_side(kg, triangulated):
    done = kg("compare", "--incidents", "--country", "Niger", "--format", "csv", home=triangulated[0])
    assert done.code == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert list(rows[0])[:3] == ["incident", "date", "place"]
    tabatol = next(r for r in rows if r["place"] == "Tabatol")
    assert tabatol["incident"] == f"ucdp:{ucdp_id('tabatol_ambush')}"  # the curated event has no coordinates
    assert tabatol["acled"].startswith("ACLED NIG") and tabatol["ucdp"].startswith("UCDP ")
    assert "(17–60)" in tabatol["ucdp"]


def test_compare_is_a_usage_error_for_an_unknown_actor(kg, triangulated):
    done = kg("compare", "Wagnr", home=triangulated[0])
    assert done.code == 2 and "Wagner" in done.stderr


def test_answers_name_the_records_of_a_curated_event_and_count_it_once(kg, triangulated):
    home = triangulated[0]
    rows = json.loads(kg("fought", "JNIM", "Burkina Faso", "--year", "2025", "--format", "json",
                         home=home).stdout)
    row = next(r for r in rows if "djibo_attack_2025" in r["linked_records"])
    texts = row["linked_records"]["djibo_attack_2025"]
    assert any(t.startswith("ACLED BFO") and "100 dead" in t for t in texts)
    assert any(t.startswith("UCDP ") and "100 (60–200)" in t for t in texts)
    profile = json.loads(kg("actor", "JNIM", "--format", "json", home=home).stdout)
    event = next(e for e in profile["events"] if e["id"] == "barsalogho_massacre_2024")
    assert any(t.startswith("UCDP ") for t in event["records"])
    timeline = json.loads(kg("timeline", "JNIM", "--year", "2024", "--format", "json", home=home).stdout)
    item = next(i for i in timeline if i["id"] == "barsalogho_massacre_2024")
    assert any(t.startswith("ACLED ") for t in item["records"])


def test_fought_counts_an_incident_of_several_data_sets_once(kg, triangulated):
    rows = json.loads(kg("fought", "JNIM", "Burkina Faso", "--year", "2025", "--format", "json",
                         home=triangulated[0]).stdout)
    several = [r for r in rows if len(r["datasets"]) > 1]
    assert several
    for r in rows:
        assert r["events"] <= r["records"]
    assert any(r["events"] < r["records"] for r in several)


def test_the_page_gets_each_incident_once_with_its_data_sets(triangulated):
    from kg.ask.records import incident_map, linked_records
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore(triangulated[0] / "store", read_only=True)
    drawn = incident_map(store=store)
    curated = ns.EVENT + "barsalogho_massacre_2024"
    acled = acled_iri(acled_ids("barsalogho_trenches")[0])
    assert drawn[curated]["draw"] and not drawn[acled]["draw"]
    assert drawn[acled]["incident"] == drawn[curated]["incident"]
    assert drawn[curated]["datasets"] == ["acled", "curated", "ucdp"]
    cards = linked_records([curated], store=store)[curated]
    assert {c["dataset"] for c in cards} == {"acled", "ucdp"}
    assert all(c["toll"] and c["rule"] for c in cards)


@pytest.mark.parametrize("dataset", ["acled", "ucdp"])
def test_events_at_places_by_query_and_by_columns_agree(triangulated, dataset):
    """A relink finds the events at the places its new rows may meet by one query, or, when the
    places hold many events, by three column reads: the same events either way."""
    from kg.ask.records import _events_at_columns, events_at, read_places
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore(triangulated[0] / "store", read_only=True)
    places = sorted(read_places(store, dataset))
    window = (date(2023, 1, 1), date(2024, 6, 30))
    for chosen in (places, places[::3]):
        by_query = sorted(events_at(store, dataset, chosen, *window))
        assert by_query and by_query == sorted(_events_at_columns(store, dataset, set(chosen), *window))


@pytest.mark.parametrize("predicate", ["revision", "sourceRecord", "place"])
def test_a_column_read_whole_or_subject_by_subject_gives_the_same_values(triangulated, predicate):
    """``column_values`` looks a few subjects up one by one and reads the column when they are
    many (an addition's prune and revisions): both ways give the same values."""
    from kg.ask.records import ColumnTexts, column_values

    store = ox.Store.read_only(str(triangulated[0] / "store"))
    graph, p = f"{ns.GRAPH}acled", ns.SKG + predicate
    held = sorted({q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(p), None,
                                                                    ox.NamedNode(graph))})
    assert held
    asked = held + [f"{ns.ID}acled/event/ABSENT{i}" for i in range(1200)] + ["not an IRI at all"]
    whole = column_values(store, graph, p, asked)  # > 1000 subjects, more than a fifth of the column
    one_by_one: dict[str, str] = {}
    for i in range(0, len(asked), 900):  # <= 1000 at a time: looked up
        one_by_one.update(column_values(store, graph, p, asked[i:i + 900]))
    assert whole == one_by_one and set(whole) == set(held)
    early = ColumnTexts(store, graph, [p])  # written on a thread, as an addition reads it beside its files
    assert column_values(store, graph, p, asked, early) == whole
    assert early.texts[p]  # and it was the text read
    elsewhere = ColumnTexts(store, f"{ns.GRAPH}ucdp", [p])  # another graph's column is never taken
    assert elsewhere.text(graph, p) is None
    assert column_values(store, graph, p, asked, elsewhere) == whole
