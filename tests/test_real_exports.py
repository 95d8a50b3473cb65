"""Real-shaped exports (tests/fixtures/real_shaped, written by bench/real_shaped.py from the
codebooks and the layouts): the file's own names work as name arguments, nothing is merged
wrongly or hidden, revisions keep the newest row, kg sources keeps its books (issue 22)."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real_shaped"
MALI, BURKINA, NIGER, GED = (REAL / n for n in (
    "acled_mali_export.csv", "acled_burkina_faso_hdx.csv", "acled_niger_r2023.csv", "ucdp_ged_sahel.csv"))


def _json(kg, home: Path, *args: str):
    result = kg(*args, "--format", "json", home=home)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(kg, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("real")
    reports = [_json(kg, home, "import", "acled", str(MALI), str(BURKINA), str(NIGER)),
               _json(kg, home, "import", "ucdp", str(GED))]
    (home / "reports.json").write_text(json.dumps(reports))
    return home


def _reports(home: Path) -> list[dict]:
    return json.loads((home / "reports.json").read_text())


def _battles(path: Path) -> list[tuple[str, str, str]]:
    """(event id, actor1, actor2) of the battles between armed/state actors, names as written."""
    from kg.imports.layouts import NO_VALUE
    from kg.imports.mapping import ARMED_INTER

    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["event_id_cnty"].startswith("#") or row["event_type"] != "Battles":
                continue
            if row["inter1"] in ARMED_INTER and row["inter2"] in ARMED_INTER and row["actor2"] not in NO_VALUE:
                out.append((row["event_id_cnty"], row["actor1"], row["actor2"]))
    return out


def test_every_layout_imports_with_no_na_actor_and_the_tag_row_is_no_row(home):
    acled, ucdp = _reports(home)
    by_file = {f["file"]: f for f in acled["files"]}
    assert by_file[BURKINA.name]["layout"] == "ACLED dyadic export"
    assert by_file[BURKINA.name]["skipped"] == 0 and by_file[BURKINA.name]["rows"] == len(BURKINA.read_text().splitlines()) - 2
    assert acled["skipped"] == 0 and ucdp["skipped"] == 0
    assert acled["resolution"]["armed_share"] >= 0.9 and ucdp["resolution"]["armed_share"] >= 0.9
    assert not [a for a in acled["new_actors"] if a["name"].strip().upper() in ("NA", "NAN", "NONE", "NULL")]


def test_battles_asked_with_the_file_s_own_names_give_a_row(home, monkeypatch):
    """kg fought "<actor1 as written>" "<actor2 as written>": a row for >= 90 % of the armed battles,
    "A and/or B" sides asked part by part with possible=True."""
    from kg.ask.fought import fought
    from kg.store import cache, live

    monkeypatch.setenv("KG_HOME", str(home))
    live.forget()
    store = cache.open_store()
    asked = found = 0
    for path in (MALI, BURKINA, NIGER):
        for _id, a, b in _battles(path):
            asked += 1
            parts_a, parts_b = a.split(" and/or "), b.split(" and/or ")
            possible = len(parts_a) + len(parts_b) > 2
            if any(fought(x, y, source="acled", possible=possible, store=store) for x in parts_a for y in parts_b):
                found += 1
    del store
    live.forget()
    assert asked > 300 and found / asked >= 0.9, (found, asked)


def test_the_cli_takes_a_name_as_the_file_writes_it(kg, home):
    rows = _json(kg, home, "fought", "Military Forces of Burkina Faso (2015-2022) Gendarmerie",
                 "Islamic State (West Africa) - Greater Sahara Faction", "--source", "acled")
    assert {(r["actor_id"], r["opponent_id"]) for r in rows} >= {("burkina_armed_forces", "is_sahel")}
    rows = _json(kg, home, "fought", "Koglweogo Militia", "--source", "acled")
    assert rows and {r["actor_id"] for r in rows} == {"koglweogo"}
    profile = kg("actor", "Mutiny of Military Forces of Mali (2020-2021)", home=home)
    assert profile.code == 0 and "Malian Armed Forces\n" not in profile.stdout.split("\n\n")[0]


def test_source_ucdp_puts_ucdp_s_names_first(kg, home):
    """UCDP's "IS" in the Sahel is the Sahel Province; without --source, "IS" is the curated Islamic State."""
    rows = _json(kg, home, "fought", "IS", "--source", "ucdp")
    assert rows and {r["actor_id"] for r in rows} == {"is_sahel"}
    everyone = _json(kg, home, "fought", "IS")
    assert all(r["actor_id"] == "islamic_state" for r in everyone)
    for command in (("actor", "IS"), ("relations", "IS"), ("timeline", "IS")):
        ucdp = kg(*command, "--source", "ucdp", home=home)
        assert ucdp.code == 0, ucdp.stderr
    assert kg("actor", "IS", "--source", "ucdp", home=home).stdout.startswith("Islamic State – Sahel Province")
    assert kg("actor", "IS", home=home).stdout.startswith("Islamic State  (islamic_state)")


def test_did_you_mean_ranks_by_the_import_s_rules(kg, home):
    result = kg("fought", "Koglweogo Militiaa", home=home)
    assert result.code != 0 and "did you mean" in result.stderr
    first = result.stderr.split("did you mean", 1)[1].strip(" :?\n").split(",")[0]
    assert "Koglweogo" in first, result.stderr


def test_a_wing_in_parentheses_is_that_wing_and_a_mutiny_is_not_the_army(kg, home):
    import pyoxigraph as ox

    from kg.graph import namespaces as ns

    store = ox.Store.read_only(str(home / "store"))
    names = {r["n"].value: r["a"].value.rsplit("/", 1)[1] for r in store.query(
        f"SELECT ?a ?n WHERE {{ GRAPH <{ns.dataset_graph('acled')}> {{ ?a <{ns.SKG}datasetName> ?n }} }}")}
    del store
    assert names["MAA: Arab Movement of the Azawad (Platform)"] == "maa_platform"
    assert names["MAA: Arab Movement of Azawad"] == "maa"
    assert names["Mutiny of Military Forces of Mali (2020-2021)"] == "mutiny_of_military_forces_of_mali"
    assert names["Military Forces of Mali (2020-2021)"] == "fama"


def test_and_or_battles_are_said_and_shown_with_possible(kg, home):
    result = kg("fought", "JNIM", "--source", "acled", home=home)
    assert result.code == 0 and "naming a side \"A and/or B\"" in result.stdout and "--possible" in result.stdout
    count = int(result.stdout.split("note: ", 1)[1].split(" ", 1)[0])
    rows = _json(kg, home, "fought", "JNIM", "--source", "acled", "--possible")
    possible = [r for r in rows if r.get("kind") == "possibly"]
    assert possible and len({e for r in possible for e in r["event_ids"]}) == count
    plain = _json(kg, home, "fought", "JNIM", "--source", "acled")
    assert [r for r in rows if r.get("kind") != "possibly"] == plain


def test_every_pair_answer_shows_its_and_or_battles_with_possible(kg, home):
    """Not only an actor's answer: `kg fought` of every pair shows the "A and/or B" battles
    as rows of kind "possibly" with --possible, and its other rows are the plain answer."""
    rows = _json(kg, home, "fought", "--source", "acled", "--possible")
    possible = [r for r in rows if r.get("kind") == "possibly"]
    assert possible and all(r["event_ids"] for r in possible)
    assert [r for r in rows if r.get("kind") != "possibly"] == _json(kg, home, "fought", "--source", "acled")


@pytest.mark.parametrize("year", [None, "2021"])
def test_every_pair_answer_says_how_many_and_or_battles_it_leaves_out(kg, home, year):
    """Unasked, the every-pair answer counts its "A and/or B" battles under it: as many as
    --possible shows."""
    when = ["--year", year] if year else []
    result = kg("fought", "--source", "acled", *when, home=home)
    assert result.code == 0 and "naming a side \"A and/or B\"" in result.stdout, result.stdout[-400:]
    count = int(result.stdout.split("note: ", 1)[1].split(" ", 1)[0])
    rows = _json(kg, home, "fought", "--source", "acled", *when, "--possible")
    assert count == len({e for r in rows if r.get("kind") == "possibly" for e in r["event_ids"]})


@pytest.mark.parametrize("window", [(None, None), (date(2021, 1, 1), date(2021, 12, 31))])
def test_and_or_battles_read_from_the_quads_are_the_named_query_s_rows(home, window):
    """kg.ask.possible reads every pair's "A and/or B" battles from the quads; the named query
    fought-possible must give the same rows."""
    from kg.ask.possible import possible_battle_rows
    from kg.store import sparql
    from kg.store.embedded import OxigraphStore, with_values

    store = OxigraphStore(home / "store", read_only=True)
    params = {k: v for k, v in zip(("from", "to"), window) if v}

    def key(r):
        return tuple(sorted((k, str(v)) for k, v in r.items()))

    read = sorted(map(key, possible_battle_rows(store.store, *window)))
    asked = sorted(map(key, store.select(with_values(sparql.get("fought-possible").text, params))))
    assert read and read == asked


def test_timeline_and_profile_say_the_and_or_battles_they_leave_out(kg, home):
    rows = _json(kg, home, "fought", "JNIM", "--possible")
    count = len({e for r in rows if r.get("kind") == "possibly" for e in r["event_ids"]})
    assert count
    said = f"note: {count} battle{'s' if count != 1 else ''} naming a side \"A and/or B\""
    timeline = kg("timeline", "JNIM", home=home)
    assert timeline.code == 0 and said in timeline.stdout, timeline.stdout[-500:]
    as_json = kg("timeline", "JNIM", "--format", "json", home=home)
    assert said in as_json.stderr and said not in as_json.stdout  # the data stays parseable
    profile = kg("actor", "JNIM", home=home)
    assert profile.code == 0 and said in profile.stdout.split("\nFought", 1)[1]


def test_via_rows_say_what_a_direct_row_already_counts(kg, home):
    rows = _json(kg, home, "fought", "FAMa", "JNIM")
    via = [r for r in rows if r["via"] or r["opponent_via"]]
    assert via and all("also_direct" in r and 0 <= r["also_direct"] <= r["events"] for r in via)
    out = kg("fought", "FAMa", "JNIM", home=home).stdout
    if any(r["also_direct"] for r in via):
        assert "count" in out and "events once each" in out


def test_revisions_keep_the_newest_row_within_and_across_commands(kg, home, tmp_path):
    acled, _ = _reports(home)
    with open(MALI, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    seen: dict[str, list[dict]] = {}
    for r in rows:
        seen.setdefault(r["event_id_cnty"], []).append(r)
    revised = {k: max(v, key=lambda r: int(r["timestamp"])) for k, v in seen.items() if len(v) > 1}
    assert revised and acled["replaced_by_newer"] == len(revised)
    # the revised event keeps the newer row's deaths
    ident, newest = next(iter(sorted(revised.items())))
    import pyoxigraph as ox

    from kg.graph import namespaces as ns

    store = ox.Store.read_only(str(home / "store"))
    got = [r["f"].value for r in store.query(
        f"SELECT ?f WHERE {{ GRAPH <{ns.dataset_graph('acled')}> {{ ?e <{ns.SKG}sourceRecord> \"{ident}\" ; "
        f"<{ns.SKG}fatalities> ?f }} }}")]
    del store
    assert got == [newest["fatalities"]]
    # across commands: an older export of the event does not replace the newer one; a newer does
    work = tmp_path / "home"
    shutil.copytree(home, work, symlinks=True)
    header = list(rows[0])

    def write(name: str, row: dict) -> Path:
        path = tmp_path / name
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, header, lineterminator="\n")
            w.writeheader()
            w.writerow(row)
        return path

    older = dict(newest, fatalities="1", timestamp=str(int(newest["timestamp"]) - 1000))
    report = _json(kg, work, "import", "acled", str(write("older.csv", older)))
    assert report["older_than_stored"] == 1 and report["events"] == 0
    newer = dict(newest, fatalities="99", timestamp=str(int(newest["timestamp"]) + 1000))
    report = _json(kg, work, "import", "acled", str(write("newer.csv", newer)))
    assert report["replaced_by_newer"] == 1 and report["events"] == 1
    text = kg("import", "acled", str(write("newest.csv", dict(newer, timestamp=str(int(newer["timestamp"]) + 1)))),
              home=work).stdout
    assert "1 rows replaced by a newer row" in text
    listed = {r["file"]: r for r in _json(kg, work, "sources") if r["name"] == "acled"}
    assert listed["newer.csv"]["rows"] == 0 and listed["newer.csv"]["from"] is None  # its event is newest.csv's now
    assert listed["newest.csv"]["rows"] == 1 and listed["newest.csv"]["from"] <= newest["event_date"]


def test_sources_shows_the_file_s_sha256_and_the_period_it_still_holds(kg, home):
    listed = {r["file"]: r for r in _json(kg, home, "sources") if r["name"] in ("acled", "ucdp")}
    for path in (MALI, BURKINA, NIGER, GED):
        assert listed[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    with open(NIGER, encoding="utf-8", newline="") as f:
        days = sorted(r["event_date"] for r in csv.DictReader(f))
    # the events' periods: a day known to the week or the month reaches a little beyond the year
    assert "2022-12-01" <= listed[NIGER.name]["from"] <= days[0] and days[-1] <= listed[NIGER.name]["to"] <= "2024-01-31"
    table = kg("sources", home=home).stdout
    assert hashlib.sha256(MALI.read_bytes()).hexdigest() in table


def test_evidence_outside_a_lifespan_is_counted_at_import_and_by_check(kg, home):
    acled, _ = _reports(home)
    outside = acled["outside_lifespan"]
    assert outside and all(r["events"] > 0 and r["lifespan"] for r in outside)
    found = kg("check", "--all", home=home)
    assert "evidence-outside-lifespan" in found.stdout + found.stderr


def test_the_ten_most_frequent_unresolved_names_are_printed(kg, tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import synthetic

    path = synthetic.write("acled", 600, tmp_path / "synthetic.csv")
    result = kg("import", "acled", str(path), home=tmp_path)
    assert result.code == 0, result.stderr
    section = result.stdout.split("names no rule or alias places (", 1)[1]
    total = int(section.split(";", 1)[0])
    assert total > 10 and "the 10 most frequent" in section
    listed = [line for line in section.splitlines()[3:] if line.strip()]
    assert len(listed) == 10
