"""Missing values as the programs that re-save exports write them (kg/imports/layouts.py:
NO_VALUE): R, pandas, Stata and Excel. Each writer's file of the same rows imports to the
same events, sides and counts as the original, and no actor is called "NA"."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from kg.graph import namespaces as ns
from kg.imports.layouts import NO_VALUE, clean_cells

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
NUMERIC = {"year", "time_precision", "inter1", "inter2", "interaction", "iso", "latitude", "longitude",
           "geo_precision", "fatalities", "timestamp"}


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def _blank_more(rows: list[dict]) -> list[dict]:
    """The sample with the cells re-saved files lose most often also empty: a place's third
    level, a fatality count, an actor's allies (so that every writer has missing values
    in name, number and text columns)."""
    out = []
    for i, r in enumerate(rows):
        r = dict(r)
        if i % 3 == 0:
            r["admin3"] = ""
        if i % 5 == 1:
            r["fatalities"] = ""
        out.append(r)
    return out


def r_write_csv(header, rows) -> str:
    """R's write.csv: a first column of row names, strings quoted, NA unquoted."""
    buf = io.StringIO()
    buf.write(",".join(['""', *(f'"{c}"' for c in header)]) + "\n")
    for i, r in enumerate(rows, 1):
        cells = [f'"{i}"']
        for c in header:
            v = r[c]
            if v == "":
                cells.append("NA")
            elif c in NUMERIC:
                cells.append(v)
            else:
                cells.append('"' + v.replace('"', '""') + '"')
        buf.write(",".join(cells) + "\n")
    return buf.getvalue()


def readr_write_csv(header, rows) -> str:
    """readr's write_csv: NA for a missing value, quotes only where needed."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r[c] if r[c] != "" else "NA" for c in header])
    return buf.getvalue()


def pandas_to_csv(header, rows) -> str:
    """pandas' to_csv of a frame read with read_csv: an index column, a numeric column with a
    missing value turned float ("27.0"), NaN written empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["", *header])
    floats = {c for c in header if c in NUMERIC and any(r[c] == "" for r in rows)}
    for i, r in enumerate(rows):
        cells = []
        for c in header:
            v = r[c]
            cells.append(f"{float(v):.1f}" if c in floats and v and "." not in v else v)
        w.writerow([i, *cells])
    return buf.getvalue()


def pandas_astype_str(header, rows) -> str:
    """pandas after ``df.astype(str)``: "nan" for a missing number or text, "None" for a missing object."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r[c] if r[c] != "" else ("nan" if c in NUMERIC or c.startswith("assoc") else "None") for c in header])
    return buf.getvalue()


def stata_export_delimited(header, rows) -> str:
    """Stata's export delimited: dates as %td (04mar2022), "." for a missing number, "" for missing text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        cells = []
        for c in header:
            v = r[c]
            if c == "event_date":
                v = date.fromisoformat(v).strftime("%d%b%Y").lower()
            elif v == "" and c in NUMERIC:
                v = "."
            cells.append(v)
        w.writerow(cells)
    return buf.getvalue()


def excel_csv(header, rows) -> str:
    """Excel's "CSV UTF-8": a byte order mark, CRLF, #N/A from a lookup, "-" typed for nothing, NULL pasted from a database."""
    tokens = ["#N/A", "-", "NULL", "N/A"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for i, r in enumerate(rows):
        w.writerow([r[c] if r[c] != "" else tokens[(i + j) % len(tokens)] for j, c in enumerate(header)])
    return "\ufeff" + buf.getvalue()


WRITERS = {
    "R write.csv": r_write_csv, "R readr": readr_write_csv, "pandas": pandas_to_csv,
    "pandas astype(str)": pandas_astype_str, "Stata": stata_export_delimited, "Excel": excel_csv,
}


def _import(kg, home: Path, path: Path) -> dict:
    result = kg("import", "acled", str(path), "--format", "json", home=home)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _graph(home: Path) -> tuple[dict, set[str]]:
    """Each event's sides and fatalities, and every actor label of the data set's graph."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(home / "store"))
    g = ns.dataset_graph("acled")
    events: dict[str, dict] = {}
    for r in store.query(f"""SELECT ?id ?side ?actor ?fat ?admin3 WHERE {{ GRAPH <{g}> {{ ?e <{ns.SKG}sourceRecord> ?id .
            OPTIONAL {{ ?e ?side ?actor FILTER(?side IN (<{ns.SKG}sideA>, <{ns.SKG}sideB>, <{ns.SKG}possibleSideA>,
                                                         <{ns.SKG}possibleSideB>)) }}
            OPTIONAL {{ ?e <{ns.SKG}fatalities> ?fat }}
            OPTIONAL {{ ?e <{ns.SKG}place>/<{ns.SKG}admin3> ?admin3 }} }} }}"""):
        e = events.setdefault(r["id"].value, {"sides": set(), "fatalities": None, "admin3": None})
        if r["side"] is not None:
            e["sides"].add((r["side"].value, r["actor"].value))
        if r["fat"] is not None:
            e["fatalities"] = r["fat"].value
        if r["admin3"] is not None:
            e["admin3"] = r["admin3"].value
    labels = {r["l"].value for r in store.query(
        f"SELECT ?l WHERE {{ GRAPH <{g}> {{ ?a <{ns.RDFS}label> ?l }} }}")}
    del store
    return events, labels


@pytest.fixture(scope="module")
def original(kg, tmp_path_factory):
    header, rows = _rows(FIXTURES / "acled_sample.csv")
    rows = _blank_more(rows)
    folder = tmp_path_factory.mktemp("original")
    path = folder / "acled_original.csv"
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    report = _import(kg, folder, path)
    return header, rows, report, _graph(folder)


@pytest.mark.parametrize("writer", list(WRITERS))
def test_each_writer_s_missing_values_are_no_value(kg, tmp_path, original, writer):
    header, rows, base_report, (base_events, _labels) = original
    path = tmp_path / f"acled_{writer.split()[0].lower()}.csv"
    path.write_text(WRITERS[writer](header, rows), encoding="utf-8", newline="")
    report = _import(kg, tmp_path, path)
    assert report["skipped"] == 0, report["problems"]
    assert (report["events"], report["resolution"]) == (base_report["events"], base_report["resolution"])
    events, labels = _graph(tmp_path)
    assert events == base_events
    assert not {label for label in labels if label.strip() in NO_VALUE or label.lower() in ("na", "nan", "none")}
    assert not any("(NA" in label or label.startswith("NA ") for label in labels)


def test_clean_cells_leaves_values_and_empties_missing_ones():
    assert clean_cells(["JNIM", "12", "14.605"]) == ["JNIM", "12", "14.605"]
    assert clean_cells(["NA", " nan ", "#N/A", "27.0", "-3.0", "1.05", "Mali"]) == ["", "", "", "27", "-3", "1.05", "Mali"]
