"""The file layouts and date styles kg import reads (kg/imports/layouts.py, rows.py,
event_dates.py), each on a small fixture written in the real column layout."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from kg.graph import namespaces as ns
from kg.imports.event_dates import DayReader
from kg.imports.rows import RowError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
EVENT = ns.dataset_ns("acled", "event")


def _import(kg, home: Path, kind: str, *files: Path, extra: tuple[str, ...] = ()) -> dict:
    result = kg("import", kind, *map(str, files), "--format", "json", *extra, home=home)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _events(home: Path, dataset: str = "acled") -> dict[str, dict]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(home / "store"))
    rows = store.query(f"""
        SELECT ?id ?start ?type ?side ?actor WHERE {{ GRAPH <{ns.dataset_graph(dataset)}> {{
          ?e <{ns.SKG}sourceRecord> ?id ; <{ns.SKG}start> ?start ; a ?type .
          OPTIONAL {{ ?e ?side ?actor FILTER(?side IN (<{ns.SKG}sideA>, <{ns.SKG}sideB>,
                                                     <{ns.SKG}possibleSideA>, <{ns.SKG}possibleSideB>)) }} }} }}""")
    out: dict[str, dict] = {}
    for r in rows:
        e = out.setdefault(r["id"].value, {"start": r["start"].value, "type": r["type"].value.rsplit("/", 1)[1]})
        if r["side"] is not None:
            side = r["side"].value.rsplit("#", 1)[1]
            e.setdefault(side, set()).add(r["actor"].value.rsplit("/", 1)[1])
    del store
    return out


def _fought(kg, home: Path, *args: str) -> list[dict]:
    result = kg("fought", *args, "--format", "json", home=home)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


# --- ACLED layouts ------------------------------------------------------------------------


def test_monadic_rows_are_paired_by_event_id(kg, tmp_path):
    report = _import(kg, tmp_path, "acled", FIXTURES / "acled_monadic.csv")
    assert report["files"][0]["layout"] == "ACLED monadic export (one row per actor)"
    assert (report["rows"], report["events"], report["skipped"]) == (7, 4, 0)
    events = _events(tmp_path)
    assert events["MLI5001"]["sideA"] | events["MLI5001"]["sideB"] == {"french_armed_forces", "is_sahel"}
    assert events["MLI5003"]["sideA"] | events["MLI5003"]["sideB"] == {"jnim", "fama"}  # its rows lie apart
    assert events["MLI5002"]["sideB"] == {"civilians_mali"}  # the civilians are the targets
    assert events["MLI5004"]["sideA"] == {"protesters_mali"} and "sideB" not in events["MLI5004"]  # one actor
    rows = _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020")
    assert [(r["opponent_id"], r["events"]) for r in rows] == [("is_sahel", 1)]


def test_the_2016_layout_with_old_event_types(kg, tmp_path):
    report = _import(kg, tmp_path, "acled", FIXTURES / "acled_2016.csv")
    assert report["files"][0]["layout"] == "ACLED 2016-2018 export (ally_actor_1, gwno)"
    assert (report["events"], report["skipped"]) == (8, 0)
    events = _events(tmp_path)
    assert events["MLI1101"]["start"] == "2016-01-14"  # 14/01/2016: day first
    assert events["MLI1102"]["type"] == "government_regains_territory"
    assert events["MLI1102"]["sideA"] == {"fama", "gatia"}  # ally_actor_1 is an associated actor
    assert events["MLI1103"]["type"] == "non_state_actor_overtakes_territory"
    assert events["MLI1104"]["type"] == "remote_violence"
    assert events["MLI1106"]["type"] == "riots_protests"
    assert events["MLI1108"]["type"] == "headquarters_or_base_established"
    rows = _fought(kg, tmp_path, "CMA", "--source", "acled")
    assert {r["opponent_id"] for r in rows} == {"fama", "gatia"}


def test_a_spreadsheet_saved_export_has_the_right_years(kg, tmp_path):
    """An unnamed index column, two-digit years, CRLF, a later column (population_best)."""
    report = _import(kg, tmp_path, "acled", FIXTURES / "acled_spreadsheet.csv")
    assert (report["events"], report["skipped"]) == (6, 0)
    days = {k: v["start"] for k, v in _events(tmp_path).items()}
    assert days == {"MLI6001": "2020-05-09", "MLI6002": "2019-12-31", "MLI6003": "2013-01-12",
                    "MLI6004": "2013-01-12", "MLI6005": "2013-01-12", "MLI6006": "2013-01-12"}
    assert [r["events"] for r in _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020")] == [1]


def test_dates_that_contradict_the_year_or_lie_outside_1989_to_today_are_row_errors(kg, tmp_path):
    result = kg("import", "acled", str(FIXTURES / "acled_bad_dates.csv"), home=tmp_path)
    assert result.code == 0, result.stderr
    assert "4 rows -> 1 events" in result.stdout and "3 rows skipped" in result.stdout
    for expected in (
        "acled_bad_dates.csv:2, column 'event_date': '9-May-20' has the year 20, but the row's year column says 2021",
        "acled_bad_dates.csv:3, column 'event_date': '1985-06-01' is before 1989",
        "acled_bad_dates.csv:4, column 'event_date': '2099-01-01' (2099-01-01) is after today",
    ):
        assert expected in result.stdout
    assert all(v["start"] >= "1989" for v in _events(tmp_path).values())


@pytest.mark.parametrize("text, year, expected", [
    ("2013-01-12", "2013", date(2013, 1, 12)),
    ("2013-01-12 00:00:00.000", "2013", date(2013, 1, 12)),
    ("12 January 2013", "2013", date(2013, 1, 12)),
    ("12-Jan-13", "2013", date(2013, 1, 12)),
    ("9-May-20", "2020", date(2020, 5, 9)),
    ("31-12-19", "2019", date(2019, 12, 31)),
    ("12/01/2013", "2013", date(2013, 1, 12)),
    ("01/31/2013", "2013", date(2013, 1, 31)),  # month first only when day first is impossible
    ("2013/01/12", "", date(2013, 1, 12)),
    ("9-May-99", "1999", date(1999, 5, 9)),  # the year column settles the century
    ("9-May-20", "", date(2020, 5, 9)),  # no year column: the latest year not after today
])
def test_every_date_style(text, year, expected):
    assert DayReader(today=date(2026, 1, 1)).read(text, year, "event_date") == expected


@pytest.mark.parametrize("text, year, message", [
    ("9-May-20", "2021", "'9-May-20' has the year 20, but the row's year column says 2021"),
    ("2020-05-09", "2021", "'2020-05-09' is in 2020 but the row's year column says 2021"),
    ("1988-12-31", "1988", "is before 1989"),
    ("2026-01-02", "2026", "is after today (2026-01-01, UTC)"),
    ("2020-02-30", "2020", "is not a date (no such day)"),
    ("May 2020", "2020", "is not a date"),
])
def test_bad_dates(text, year, message):
    with pytest.raises(RowError) as e:
        DayReader(today=date(2026, 1, 1)).read(text, year, "event_date")
    assert message in e.value.message and e.value.column == "event_date"


def test_a_file_fitting_no_layout_names_the_closest_one_and_what_it_lacks(kg, tmp_path):
    broken = tmp_path / "broken.csv"
    lines = (FIXTURES / "acled_monadic.csv").read_text().splitlines()
    header = lines[0].split(",")
    drop = {header.index("latitude"), header.index("fatalities")}
    broken.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i not in drop)
                                for line in lines[:1]) + "\n")
    result = kg("import", "acled", str(broken), home=tmp_path)
    assert result.code == 1
    assert ("broken.csv:1: not a complete ACLED file: the closest layout is the ACLED monadic export "
            "(one row per actor), whose header needs the columns latitude, fatalities") in result.stderr


# --- UCDP GED versions and packaging ---------------------------------------------------------


def test_ucdp_ged_5_0_columns(kg, tmp_path):
    report = _import(kg, tmp_path, "ucdp", FIXTURES / "ucdp_ged50_sample.csv")
    assert (report["events"], report["skipped"]) == (5, 0)
    assert report["files"][0]["layout"] == "UCDP GED 5.0-25.1"


def test_ucdp_as_shipped_gzip_and_zip(kg, tmp_path):
    sample = FIXTURES / "ucdp_ged_sample.csv"
    gz = tmp_path / "GEDEvent_v25_1.csv.gz"
    with open(sample, "rb") as src, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(src, out)
    packed = tmp_path / "ged251-csv.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(sample, "GEDEvent_v25_1.csv")
    for i, path in enumerate((gz, packed)):
        report = _import(kg, tmp_path / f"home{i}", "ucdp", path)
        assert (report["events"], report["skipped"]) == (10, 0)


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "the gzip file cannot be read from here on"),  # truncated download
    (lambda data: data[:40] + b"\0" * 20 + data[60:], "a gzip file that cannot be read"),  # damaged block
])
def test_a_damaged_gzip_is_a_data_error_naming_the_file(kg, tmp_path, damage, message):
    """Found by the Hypothesis test: zlib's own error came out as a traceback."""
    path = tmp_path / "GEDEvent_v25_1.csv.gz"
    path.write_bytes(damage(gzip.compress((FIXTURES / "ucdp_ged_sample.csv").read_bytes())))
    result = kg("import", "ucdp", str(path), home=tmp_path)
    assert result.code == 1, result.stderr
    assert f"{path.name}:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name, content, message", [
    ("export.xlsx", None, "an Excel workbook (.xlsx), not CSV text; save it as CSV (UTF-8)"),
    ("export.csv", b"%PDF-1.4\n...", "a PDF document, not CSV text"),
    ("export.csv", b"\x00\x01\x02binary", "a binary file, not CSV text"),
    ("two.zip", "two", "a zip archive with 2 CSV files; expected exactly one"),
])
def test_what_is_not_csv_text_is_named(kg, tmp_path, name, content, message):
    path = tmp_path / name
    if content is None or content == "two":
        with zipfile.ZipFile(path, "w") as z:
            if content is None:
                z.writestr("[Content_Types].xml", "<Types/>")
                z.writestr("xl/workbook.xml", "<workbook/>")
            else:
                z.writestr("a.csv", "x\n")
                z.writestr("b.csv", "y\n")
    else:
        path.write_bytes(content)
    result = kg("import", "acled", str(path), home=tmp_path)
    assert result.code == 1
    assert message in result.stderr
    assert "universal-newline" not in result.stderr and "Traceback" not in result.stderr


def test_old_mac_line_ends_read_as_lines(kg, tmp_path):
    cr = tmp_path / "cr.csv"
    cr.write_bytes((FIXTURES / "acled_mali_2020.csv").read_bytes().replace(b"\n", b"\r"))
    report = _import(kg, tmp_path, "acled", cr)
    assert (report["events"], report["skipped"]) == (21, 0)
