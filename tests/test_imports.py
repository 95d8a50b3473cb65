"""kg import acled|ucdp, kg sources, kg drop: on hand-written fixtures in the
exact ACLED and UCDP GED layouts (tests/fixtures/), through the real CLI.

Every test works in its own KG_HOME (a copy of one where the two samples are
imported), never in the session's, so the other tests see the curated data only.
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.graph import namespaces as ns

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACLED = FIXTURES / "acled_sample.csv"
UCDP = FIXTURES / "ucdp_ged_sample.csv"
ACTOR = ns.ACTOR
ACLED_ACTOR = ns.dataset_ns("acled", "actor")


@pytest.fixture(scope="module")
def imported(kg, tmp_path_factory):
    """A KG_HOME with both samples imported; the import reports (JSON) and their stderr."""
    home = tmp_path_factory.mktemp("kg-imports")
    acled = kg("import", "acled", str(ACLED), "--format", "json", home=home)
    assert acled.code == 0, acled.stderr
    ucdp = kg("import", "ucdp", str(UCDP), "--format", "json", home=home)
    assert ucdp.code == 0, ucdp.stderr
    return home, json.loads(acled.stdout), json.loads(ucdp.stdout), acled.stderr


@pytest.fixture
def home(imported, tmp_path) -> Path:
    """A private copy of the imported KG_HOME, for tests that change it."""
    target = tmp_path / "home"
    shutil.copytree(imported[0], target, symlinks=True)
    return target


def select_rows(home: Path, query: str) -> list[dict]:
    store = ox.Store.read_only(str(home / "store"))
    rows = store.query(query, prefixes=ns.PREFIXES)
    names = [v.value for v in rows.variables]
    out = [{n: (s[n].value if s[n] is not None else None) for n in names} for s in rows]
    del store
    return out


def fought(kg, home, *args) -> list[dict]:
    result = kg("fought", *args, "--format", "json", home=home)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def sources(kg, home) -> dict[str, dict]:
    result = kg("sources", "--format", "json", home=home)
    assert result.code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


# --- the import report -------------------------------------------------------------


def test_acled_report_counts_rows_events_and_new_actors(imported):
    _, report, _, stderr = imported
    assert (report["rows"], report["events"], report["skipped"], report["filtered"]) == (25, 25, 0, 0)
    assert report["unchanged"] is False
    assert report["period"] == ["2022-03-04", "2025-09-14"]
    new = {a["name"]: a for a in report["new_actors"]}
    assert set(new) == {
        "Civilians (Mali)", "Civilians (Burkina Faso)", "Civilians (Niger)", "Protesters (Mali)",
        "Unidentified Armed Group (Mali)", "Dozo Communal Militia (Burkina Faso)",
    }  # ACLED's "CSP-DPA: ..." and "FLA: ..." are curated aliases since the first import report
    assert new["Civilians (Mali)"]["rows"] == 5
    assert new["Civilians (Mali)"]["type"] == "CivilianGroup"
    assert new["Dozo Communal Militia (Burkina Faso)"]["type"] == "ArmedGroup (militia)"
    assert stderr == ""  # no progress bar in a pipe


def test_acled_names_resolve_to_curated_actors(imported):
    home = imported[0]
    event = ns.dataset_ns("acled", "event") + "MLI30012"
    rows = select_rows(home, f"SELECT ?p ?a WHERE {{ GRAPH ?g {{ <{event}> ?p ?a FILTER(?p IN (skg:sideA, skg:sideB)) }} }}")
    sides = {(ns.local_id(r["p"]), r["a"]) for r in rows}
    assert sides == {
        ("sideA", ACTOR + "fama"), ("sideA", ACTOR + "wagner_group"), ("sideB", ACTOR + "jnim"),
        ("sideB", ACTOR + "csp_psd"),
    }


def test_every_event_points_to_its_row_in_the_acled_graph(imported):
    home = imported[0]
    rows = select_rows(home, f"""
        SELECT ?event ?record ?start ?end ?sp ?fatalities WHERE {{
          GRAPH <{ns.dataset_graph("acled")}> {{
            ?event skg:sourceRecord ?record ; skg:start ?start ; skg:end ?end ; skg:startPrecision ?sp .
            OPTIONAL {{ ?event skg:fatalities ?fatalities }} }} }}""")
    by_id = {r["record"]: r for r in rows}
    assert len(by_id) == 25
    assert all(ns.local_id(r["event"]) == r["record"] for r in rows)
    # time_precision 1: the day; 2: the week around it; 3: the month
    assert (by_id["MLI30001"]["start"], by_id["MLI30001"]["end"]) == ("2022-03-04", "2022-03-04")
    assert (by_id["MLI30005"]["start"], by_id["MLI30005"]["end"]) == ("2022-09-09", "2022-09-15")
    assert (by_id["MLI30006"]["start"], by_id["MLI30006"]["end"]) == ("2023-01-01", "2023-01-31")
    assert by_id["MLI30006"]["sp"] == ns.SKG + "Month"
    assert by_id["MLI30013"]["fatalities"] == "77"


def test_acled_events_keep_the_sources_acled_credits(imported, kg, home):
    rows = select_rows(imported[0], f"""
        SELECT ?record ?names WHERE {{ GRAPH <{ns.dataset_graph("acled")}> {{
          ?event skg:sourceRecord ?record ; skg:sourceNames ?names }} }}""")
    names = {r["record"]: r["names"] for r in rows}
    assert len(names) == 25  # every row of the sample names its sources
    assert names["MLI30001"] == "AFP; Le Monde"  # ACLED's list, as ACLED writes it
    assert names["MLI30002"] == "Malian Armed Forces; Human Rights Watch"
    assert names["NIG20001"] == "Reuters"
    # an export without the optional source column: no source names, nothing invented
    result = kg("import", "acled", str(FIXTURES / "acled_required_only.csv"), "--replace", home=home)
    assert result.code == 0, result.stderr
    assert select_rows(home, f"""SELECT ?e WHERE {{ GRAPH <{ns.dataset_graph("acled")}> {{
        ?e skg:sourceNames ?names }} }}""") == []


def test_places_keep_admin_levels_and_coordinates(imported):
    home = imported[0]
    event = ns.dataset_ns("acled", "event") + "MLI30013"
    rows = select_rows(home, f"""
        SELECT ?label ?lat ?long ?admin1 ?country WHERE {{ GRAPH ?g {{
          <{event}> skg:place ?p . ?p rdfs:label ?label ; geo:lat ?lat ; geo:long ?long ;
          skg:admin1 ?admin1 ; skg:country ?country }} }}""")
    assert rows == [{"label": "Bamako", "lat": "12.6392", "long": "-8.0029", "admin1": "Bamako",
                     "country": ACTOR + "mali"}]


def test_summaries_link_to_the_events_they_count(imported):
    home = imported[0]
    rows = select_rows(home, f"""
        SELECT ?stmt ?events (COUNT(?e) AS ?linked) WHERE {{ GRAPH <{ns.dataset_graph("acled")}> {{
          ?stmt a skg:Statement ; skg:eventCount ?events ; skg:evidence ?e ; prov:wasDerivedFrom ?source .
          ?e skg:sourceRecord ?record }} }} GROUP BY ?stmt ?events""")
    assert rows and all(int(r["events"]) == int(r["linked"]) for r in rows)


# --- kg fought over imported evidence ------------------------------------------------


def test_fought_counts_each_acled_event_once(kg, imported):
    rows = fought(kg, imported[0], "JNIM", "FAMa", "--year", "2024", "--source", "acled", "--exact")
    assert len(rows) == 1
    row = rows[0]
    assert (row["events"], row["fatalities"], row["sources"]) == (3, 165, ["acled"])  # MLI30010, 30012, 30013
    assert row["periods"][0]["start"] == "2024-01-20" and row["periods"][0]["end"] == "2024-09-17"


def test_who_fought_in_year_has_the_imported_pairs_with_their_events(kg, imported):
    """The import writes the year index too: one row per pair and data set."""
    result = kg("query", "who-fought-in-year", "--param", "year=2024", "--format", "json", home=imported[0])
    assert result.code == 0, result.stderr
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(result.stdout)["results"]["bindings"]]
    acled = [r for r in rows if r["dataset"] == ns.dataset_graph("acled")
             and {r["actor"], r["opponent"]} == {ACTOR + "jnim", ACTOR + "fama"}]
    assert len(acled) == 1
    assert (acled[0]["events"], acled[0]["fatalities"]) == ("3", "165")  # as kg fought counts them
    assert (acled[0]["start"], acled[0]["end"]) == ("2024-01-20", "2024-09-17")
    curated = [r for r in rows if r["dataset"] == ns.CURATED_GRAPH]
    assert curated, "the curated pairs stay beside the imported ones"


def test_fought_from_acled_includes_allies_named_in_assoc_actor(kg, imported):
    rows = fought(kg, imported[0], "JNIM", "--year", "2024", "--source", "acled", "--exact")
    opponents = {r["opponent_id"]: (r["events"], r["fatalities"]) for r in rows}
    assert opponents["wagner_group"] == (1, 80)  # assoc_actor_1 of MLI30012
    assert opponents["burkina_armed_forces"] == (1, 133)
    assert opponents["vdp"] == (1, 133)  # assoc_actor_2 of BFO10004
    assert opponents["dozo_communal_militia_burkina_faso"] == (1, 5)
    assert "fama" in opponents and "is_sahel" not in opponents  # they fought in 2022, not 2024


def test_violence_against_civilians_is_not_fought(kg, imported):
    home = imported[0]
    rows = fought(kg, home, "IS Sahel", "--source", "acled", "--exact")
    assert {r["opponent_id"] for r in rows} == {"fama", "jnim", "niger_armed_forces"}
    summaries = select_rows(home, f"""
        SELECT ?object ?events ?fatalities WHERE {{ GRAPH <{ns.dataset_graph("acled")}> {{
          ?s skg:subject <{ACTOR}is_sahel> ; skg:predicate skg:violenceAgainstCivilians ; skg:object ?object ;
             skg:eventCount ?events ; skg:fatalities ?fatalities }} }}""")
    counts = {}
    for r in summaries:
        events, fatal = counts.get(r["object"], (0, 0))
        counts[r["object"]] = (events + int(r["events"]), fatal + int(r["fatalities"]))
    assert counts == {ACLED_ACTOR + "civilians_mali": (2, 34), ACLED_ACTOR + "civilians_burkina_faso": (1, 86),
                      ACLED_ACTOR + "civilians_niger": (1, 44)}


def test_ucdp_sides_resolve_and_fight(kg, imported):
    _, _, report, _ = imported
    assert (report["rows"], report["events"], report["skipped"]) == (10, 10, 0)
    # UCDP's bare "Civilians" becomes one group per country; "Dozo" is the curated Dozo hunters
    assert {a["name"] for a in report["new_actors"]} == {"Civilians (Mali)", "Civilians (Niger)"}
    assert [u["name"] for u in report["unresolved"]] == []
    rows = fought(kg, imported[0], "JNIM", "--source", "ucdp", "--exact")
    opponents = {r["opponent_id"]: (r["events"], r["fatalities"]) for r in rows}
    # UCDP's "Government of X" (no period) is the state's side; ACLED's "Government of X (period)" is
    # the government of the day (tests/test_import_names.py)
    assert opponents == {"mali": (3, 134), "burkina_faso": (1, 37), "is_sahel": (1, 20), "dozo_hunters": (1, 5)}


def test_sources_lists_what_is_loaded(kg, imported):
    listed = sources(kg, imported[0])
    assert set(listed) == {"curated", "acled", "ucdp"}
    assert (listed["acled"]["file"], listed["acled"]["rows"], listed["acled"]["skipped"]) == ("acled_sample.csv", 25, 0)
    assert (listed["acled"]["from"], listed["acled"]["to"]) == ("2022-03-04", "2025-09-14")
    assert (listed["ucdp"]["file"], listed["ucdp"]["rows"]) == ("ucdp_ged_sample.csv", 10)
    assert listed["curated"]["rows"] > 200


# --- re-import, replacement, atomicity ----------------------------------------------


def test_reimporting_the_same_file_changes_nothing(kg, home):
    before = os.readlink(home / "store")
    result = kg("import", "acled", str(ACLED), home=home)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("unchanged: acled_sample.csv is already imported into 'acled'")
    assert os.readlink(home / "store") == before


def test_replace_replaces_the_graph(kg, home):
    result = kg("import", "acled", str(FIXTURES / "acled_required_only.csv"), "--replace", "--format", "json",
                home=home)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["events"] == 4
    assert sources(kg, home)["acled"]["rows"] == 4
    assert fought(kg, home, "JNIM", "--year", "2022", "--source", "acled") == []  # the old rows are gone
    assert sources(kg, home)["ucdp"]["rows"] == 10  # the other data set is untouched


def _graph_quads(home: Path, *names: str) -> dict[str, set[str]]:
    store = ox.Store.read_only(str(home / "store"))
    out = {name: {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(ns.dataset_graph(name)))}
           for name in names}
    del store
    return out


def test_a_first_import_keeps_every_other_graph_as_it_was(kg, home):
    # after a drop the store lacks acled: the import starts from a checkpoint of the live store
    assert kg("drop", "acled", home=home).code == 0
    before = _graph_quads(home, "curated", "ontology", "ucdp")
    old_store = (home / "store").resolve()
    result = kg("import", "acled", str(ACLED), "--format", "json", home=home)
    assert result.code == 0, result.stderr
    assert not old_store.exists()  # switched, and the old store's folder removed: the new one shares no folder
    assert _graph_quads(home, "curated", "ontology", "ucdp") == before
    assert all(before.values())
    assert sources(kg, home)["acled"]["rows"] == 25
    assert fought(kg, home, "JNIM", "FAMa", "--year", "2024", "--source", "acled", "--exact")[0]["events"] == 3


def test_a_failing_load_leaves_the_store_as_it_was(home, monkeypatch):
    from kg.imports import import_file, mapping

    monkeypatch.setenv("KG_HOME", str(home))
    before = os.readlink(home / "store")
    quads = _graph_quads(home, "acled", "curated")
    event = mapping.Mapper.event

    def broken(self, record):  # one row that cannot be loaded
        text = event(self, record)
        return text + '"a literal" <http://example.org/p> "as subject" .\n' if record.row_id == "MLI40002" else text

    monkeypatch.setattr(mapping.Mapper, "event", broken)
    with pytest.raises(SyntaxError):
        import_file("acled", FIXTURES / "acled_required_only.csv", progress=False)
    assert os.readlink(home / "store") == before
    assert _graph_quads(home, "acled", "curated") == quads
    assert not list((home / "stores").glob("*.staging"))


def _interrupt(kg, home: Path, tmp_path: Path, sig: int) -> str:
    """Start a long import and stop it with ``sig`` once its staging store exists."""
    sys.path.insert(0, str(ROOT / "bench"))
    import synthetic

    big = synthetic.write("acled", 200_000, tmp_path / "big.csv")
    env = {**os.environ, "KG_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "kg", "import", "acled", str(big)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal
    deadline = time.monotonic() + 120
    while not list((home / "stores").glob("*.staging/*.sst")):
        assert proc.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < deadline, "no staging store appeared"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    return err.decode()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["killed", "ctrl-c", "terminated"])
def test_an_interrupted_import_leaves_the_previous_state(kg, home, tmp_path, sig):
    before = os.readlink(home / "store")
    stderr = _interrupt(kg, home, tmp_path, sig)
    assert "Traceback" not in stderr
    assert os.readlink(home / "store") == before
    assert sources(kg, home)["acled"]["rows"] == 25
    assert fought(kg, home, "JNIM", "FAMa", "--year", "2024", "--source", "acled", "--exact")[0]["events"] == 3
    if sig != signal.SIGKILL:  # a clean stop removes its own staging store
        left = list((home / "stores").glob("*.staging"))
        assert not left, (stderr, [sorted(p.name for p in d.iterdir()) for d in left])
    again = kg("import", "acled", str(ACLED), home=home)  # and the next import sweeps any leftovers
    assert again.stdout.startswith("unchanged")
    assert not list((home / "stores").glob("*.staging"))


# --- bad input -----------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_and_column_and_skipped(kg, home):
    result = kg("import", "acled", str(FIXTURES / "acled_bad_rows.csv"), "--replace", home=home)
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "9 rows -> 3 events" in out and "6 rows skipped" in out
    for expected in (
        "acled_bad_rows.csv:3, column 'event_date': '2022-03-45' is not a date",
        "acled_bad_rows.csv:4, column 'latitude': 152.021 is out of range; expected -90 to 90",
        "acled_bad_rows.csv:5: has 20 cells, expected 31",
        "acled_bad_rows.csv:7, column 'notes': bytes that are not UTF-8",
        "acled_bad_rows.csv:8, column 'time_precision': '4' is not an ACLED time precision; expected 1, 2 or 3",
        "acled_bad_rows.csv:9, column 'fatalities': 'many' is not a whole number",
    ):
        assert expected in out
    assert sources(kg, home)["acled"]["skipped"] == 6


def test_strict_stops_at_the_first_bad_row_and_changes_nothing(kg, home):
    before = os.readlink(home / "store")
    result = kg("import", "acled", str(FIXTURES / "acled_bad_rows.csv"), "--strict", home=home)
    assert result.code == 1
    assert result.stderr.startswith("Error: acled_bad_rows.csv:3, column 'event_date': '2022-03-45' is not a date")
    assert "the store is unchanged" in result.stderr and "Traceback" not in result.stderr
    assert os.readlink(home / "store") == before
    assert sources(kg, home)["acled"]["rows"] == 25


def test_missing_columns_are_named(kg, home):
    result = kg("import", "acled", str(FIXTURES / "acled_missing_columns.csv"), home=home)
    assert result.code == 1
    assert ("acled_missing_columns.csv:1: not a complete ACLED file: the closest layout is the ACLED dyadic "
            "export, whose header needs the columns latitude, longitude") in result.stderr


def test_a_file_that_is_not_an_export_is_refused(kg, home):
    result = kg("import", "ucdp", str(FIXTURES / "not_an_export.csv"), home=home)
    assert result.code == 1
    assert ("not_an_export.csv:1: not a UCDP file: the closest layout is the UCDP GED 5.0-25.1, whose header "
            "needs the columns id, type_of_violence") in result.stderr


def test_the_wrong_kind_of_file_is_refused_with_the_right_command(kg, home):
    result = kg("import", "acled", str(UCDP), home=home)
    assert result.code == 1
    assert "this looks like a UCDP file, not ACLED; use: kg import ucdp" in result.stderr
    result = kg("import", "ucdp", str(ACLED), home=home)
    assert "this looks like an ACLED file, not UCDP; use: kg import acled" in result.stderr


def test_a_missing_file_is_a_usage_error(kg, home):
    result = kg("import", "acled", "no/such/file.csv", home=home)
    assert result.code == 2
    assert "does not exist" in result.stderr


# --- options, layouts, drop ------------------------------------------------------------


def test_acled_without_the_optional_columns_imports(kg, home):
    result = kg("import", "acled", str(FIXTURES / "acled_required_only.csv"), "--replace", "--format", "json",
                home=home)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["events"], report["skipped"]) == (4, 0)
    assert [a["name"] for a in report["new_actors"]] == ["Civilians (Mali)"]
    rows = fought(kg, home, "JNIM", "Wagner", "--source", "acled", "--exact")
    assert [(r["events"], r["fatalities"]) for r in rows] == [(1, 77)]


def test_country_filter(kg, home):
    result = kg("import", "acled", str(ACLED), "--country", "Niger", "--replace", "--format", "json", home=home)
    report = json.loads(result.stdout)
    assert (report["events"], report["filtered"]) == (3, 22)
    assert {r["opponent_id"] for r in fought(kg, home, "IS Sahel", "--source", "acled")} == {"niger_armed_forces"}


def test_drop_removes_one_data_set(kg, home):
    result = kg("drop", "acled", home=home)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("dropped acled (25 rows)")
    assert set(sources(kg, home)) == {"curated", "ucdp"}
    assert fought(kg, home, "JNIM", "--source", "acled") == []
    assert fought(kg, home, "JNIM", "--source", "ucdp")  # the other import stays
    again = kg("drop", "acled", home=home)
    assert again.code == 2 and "no imported data set named 'acled'; imported: ucdp" in again.stderr
    curated = kg("drop", "curated", home=home)
    assert curated.code == 2 and "cannot be dropped" in curated.stderr


def test_progress_bar_on_a_terminal(home):
    master, slave = pty.openpty()
    env = {**os.environ, "KG_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "kg", "import", "acled", str(FIXTURES / "acled_required_only.csv")],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.communicate(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    assert b"importing acled: 4 rows" in seen and b"rows/s" in seen


def test_python_twin(home, monkeypatch):
    from kg.imports import import_file
    from kg.imports import sources as list_sources

    monkeypatch.setenv("KG_HOME", str(home))
    report = import_file("ucdp", FIXTURES / "ucdp_ged_sample.csv", countries=["Niger"], progress=False)
    assert (report["events"], report["filtered"]) == (2, 8)
    assert {row["name"]: row["rows"] for row in list_sources()}["ucdp"] == 2


def test_synthetic_files_have_the_exact_layouts_and_import_cleanly(kg, home, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import synthetic

    from kg.imports.layouts import ACLED_COLUMNS, UCDP_COLUMNS

    acled = synthetic.write("acled", 2000, tmp_path / "acled.csv")
    ucdp = synthetic.write("ucdp", 2000, tmp_path / "ucdp.csv")
    assert acled.read_text().splitlines()[0] == ",".join(ACLED_COLUMNS)
    assert len(UCDP_COLUMNS) == 49 and ucdp.read_text().splitlines()[0] == ",".join(UCDP_COLUMNS)
    for kind, path in (("acled", acled), ("ucdp", ucdp)):
        result = kg("import", kind, str(path), "--format", "json", home=home)
        report = json.loads(result.stdout)
        assert (report["events"], report["skipped"]) == (2000, 0)


@pytest.mark.parametrize("window", [{"year": 2024}, {"year": 2022}, {"start": "2021-06", "end": "2024-03"},
                                    {"year": 2024, "source": "acled"}])
def test_fought_in_a_window_through_the_year_index_is_the_full_scan_answer(imported, window, monkeypatch):
    """Imported pair-years carry their statements' rows (skg:pairRows) as curated ones do."""
    import importlib

    from kg.store.embedded import OxigraphStore

    module = importlib.import_module("kg.ask.fought")  # kg.fought is the function

    store = OxigraphStore(imported[0] / "store", read_only=True)
    queries = module.fought_sparql(store=store, **window)
    assert any("# title: A year's events with two sides and fought pairs, from the year index" in q for q in queries)
    assert not any("# title: Fought statements of an actor" in q for q in queries)  # no pair by pair
    assert not any("# title: Combat events between two sides" in q for q in queries)  # the event index
    indexed = module.fought(store=store, **window)
    monkeypatch.setattr(module, "_split_answers", lambda *args: None)  # every statement read
    read = module.fought(store=store, **window)
    monkeypatch.setattr(module, "_indexed", lambda window: False)  # the scan of every statement
    assert indexed and indexed == read == module.fought(store=store, **window)
    assert any(set(r["datasets"]) - {"curated"} for r in indexed)  # imported pairs among them
