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
    assert len(pngs) >= 4
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
