"""The students' notebook runs from top to bottom without an error, on the real data."""

from __future__ import annotations

import re
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "explore_sahel.ipynb"


def test_notebook_is_stored_without_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_runs_top_to_bottom(kg_home, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(
        out.get("text", "") if out.output_type == "stream" else str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "Ansar Dine fought Operation Serval" in text
    assert "merged into JNIM on 2017-03-02" in text
    assert "Most connected actors in 2024:\n - Jama'at Nusrat al-Islam wal-Muslimin" in text
    assert "Wagner Group" in text and "Africa Corps" in text
    # the plots (events and deaths per year and country, JNIM's opponents per year, the map) are drawn
    pngs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
            if "image/png" in out.get("data", {})]
    assert len(pngs) >= 5
    assert "Countries plotted: Mali, " in text
    fought_in = {int(y): int(n) for n, y in re.findall(r"JNIM fought (\d+) actors in (\d{4})", text)}
    assert set(fought_in) == set(range(2017, 2026)) and all(n >= 3 for n in fought_in.values())
    from kg.ask.fought import fought  # distinct opponents, not rows (one per opponent and part of JNIM)

    for year in (2017, 2024):
        assert fought_in[year] == len({r["opponent_id"] for r in fought("JNIM", year=year)})
    assert len(fought("JNIM", year=2017)) > fought_in[2017]  # the rows the chart used to count
    # the dyad's deaths per year, as UCDP shows them
    dyad = {int(y): (int(d), int(n)) for y, d, n in
            re.findall(r"JNIM vs Malian Armed Forces in (\d{4}): (\d+) deaths in (\d+) events", text)}
    assert dyad and all(n >= 1 for _d, n in dyad.values()) and sum(d for d, _n in dyad.values()) > 100
    assert "events of the graph at their places" not in text  # a title, drawn in the figure, not printed
    html = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
            if out.output_type in ("display_data", "execute_result") and "text/html" in out.get("data", {})]
    assert html and "<iframe srcdoc=" in html[-1]["data"]["text/html"]
    assert "&quot;initialView&quot;:&quot;map&quot;" in html[-1]["data"]["text/html"]  # the last page opens on its map
    assert not list(tmp_path.glob("*.html"))  # the tour writes nothing into the user's folder
    _acled_and_ucdp_side_by_side(text)


def _acled_and_ucdp_side_by_side(text: str) -> None:
    """Section 10: the triangulation fixtures imported into a store of their own and compared per
    country and year with kg.ask.compare.overview; its numbers are the files' own (distinct
    events, ACLED's fatalities, UCDP's best, low and high), and the shares of linked events."""
    import csv
    from collections import Counter
    from datetime import date

    fixtures = Path(__file__).resolve().parent / "fixtures" / "triangulate"
    printed = {
        (c, int(y)): tuple(map(int, nums)) for c, y, *nums in re.findall(
            r"\n(Mali|Burkina Faso|Niger) (\d{4}): ACLED (\d+) events, (\d+) deaths; UCDP (\d+) events, (\d+) deaths "
            r"\((\d+)-(\d+)\); linked: (\d+)% of ACLED's to UCDP, (\d+)% of UCDP's to ACLED", text)}
    assert "ACLED: 56 events imported" in text and "UCDP: 46 events imported" in text
    with open(fixtures / "acled.csv", encoding="utf-8") as f:
        acled = {r["event_id_cnty"]: r for r in csv.DictReader(f)}  # distinct events
    with open(fixtures / "ucdp.csv", encoding="utf-8") as f:
        ucdp = {r["id"]: r for r in csv.DictReader(f)}
    expected: dict[tuple[str, int], Counter] = {}
    for r in acled.values():
        n = expected.setdefault((r["country"], int(r["event_date"][:4])), Counter())
        n["acled"] += 1
        n["acled deaths"] += int(r["fatalities"])
    for r in ucdp.values():
        first, last = date.fromisoformat(r["date_start"][:10]), date.fromisoformat(r["date_end"][:10])
        for year in range(first.year, last.year + 1):  # overview counts events overlapping the year
            n = expected.setdefault((r["country"], year), Counter())
            n["ucdp"] += 1
            for key in ("best", "low", "high"):
                n[f"ucdp {key}"] += int(r[key])
    assert set(printed) == set(expected)
    for key, n in expected.items():
        a, a_dead, u, u_best, u_low, u_high, a_linked, u_linked = printed[key]
        assert (a, a_dead, u, u_best, u_low, u_high) == (
            n["acled"], n["acled deaths"], n["ucdp"], n["ucdp best"], n["ucdp low"], n["ucdp high"]), key
        assert 0 <= a_linked <= 100 and 0 <= u_linked <= 100
    mali = printed[("Mali", 2023)]
    assert mali[6] >= 50 and mali[7] >= 50  # most of the same attacks are linked across the data sets
