"""The page of ``kg viz`` in a real browser: Debian's headless Chromium, opened
from a file:// URL with every other request blocked.

Screenshots go to tests/browser/output/ (ignored by git) for the test report.
Chromium is installed by scripts/install-debian.sh (run by ``make test``);
without it these tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import available, open_page  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).resolve().parent / "output"

_why = available()
if _why and os.environ.get("CI"):
    pytest.fail(f"the browser tests cannot run: {_why}", pytrace=False)
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


def page_data(html: str) -> dict:
    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def curated_page(kg, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("viz") / "sahel.html"
    r = kg("viz", "-o", str(path))
    assert r.code == 0, r.stderr
    return path


def slide_to(page, year: int) -> None:
    """Move the real slider, as a user dragging it would (an input event)."""
    page.eval_on_selector(
        "#slider", "(s, y) => { s.value = String(y); s.dispatchEvent(new Event('input', {bubbles: true})); }", year
    )


def visible_edges(page) -> set[str]:
    return set(page.evaluate("kgEdges.get({filter: e => !e.hidden}).map(e => e.id)"))


def test_curated_page_in_chromium(curated_page, capsys):
    data = page_data(curated_page.read_text(encoding="utf-8"))
    with open_page(curated_page) as opened:
        page = opened.page
        assert opened.console_errors == []
        assert opened.blocked == []  # nothing even tried to reach the network
        assert page.evaluate("kgNodes.length") == len(data["nodes"]) >= 100
        assert page.evaluate("kgEdges.length") == len(data["edges"]) >= 300
        assert page.evaluate("kgNetwork.getPositions(['jnim']).jnim.x") == pytest.approx(
            next(n["x"] for n in data["nodes"] if n["id"] == "jnim"), abs=1)  # the computed layout, no simulation
        assert page.inner_text("#year") == "All years"
        assert len(visible_edges(page)) == len(data["edges"])
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "sahel-all-years.png"))

        slide_to(page, 2013)
        assert page.inner_text("#year") == "2013"
        shown = visible_edges(page)
        assert "ansar_dine|fought|operation_serval" in shown
        assert "fama|fought|jnim" not in shown  # JNIM did not exist yet
        assert page.evaluate("kgNodes.get('jnim').color.background") == "#eeeeee"  # faded
        page.screenshot(path=str(OUTPUT / "sahel-2013.png"))

        slide_to(page, 2024)
        assert page.inner_text("#year") == "2024"
        shown = visible_edges(page)
        assert "ansar_dine|fought|operation_serval" not in shown
        assert "fama|fought|jnim" in shown
        assert "africa_corps" in {e.split("|")[0] for e in shown} | {e.split("|")[2] for e in shown}
        page.screenshot(path=str(OUTPUT / "sahel-2024.png"))

        page.click("#all")
        assert page.inner_text("#year") == "All years" and len(visible_edges(page)) == len(data["edges"])

        page.fill("#search", "gsim")  # an alias, in lower case
        page.press("#search", "Enter")
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["jnim"]
        assert "Jama'at Nusrat al-Islam wal-Muslimin" in page.inner_text("#details")
        page.fill("#search", "Nobody at all")
        page.press("#search", "Enter")
        assert "No actor named" in page.inner_text("#status")

        page.click("#play")
        page.wait_for_function("document.getElementById('year').textContent !== 'All years'")
        first = int(page.inner_text("#year"))
        page.wait_for_function(f"Number(document.getElementById('year').textContent) > {first}", timeout=5000)
        page.click("#play")  # pause
        assert page.inner_text("#play").endswith("Play")

        page.hover("#graph", position={"x": 5, "y": 5})
        assert opened.console_errors == [] and opened.dialogs == []
        with capsys.disabled():
            print(f"\n[browser] curated page: {len(data['nodes'])} nodes, {len(data['edges'])} edges; "
                  f"interactive {opened.ready_ms:.0f} ms after navigation; screenshots in {OUTPUT}")


def test_markup_in_the_data_is_shown_as_text(kg, minimal_data, tmp_path):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)> JNIM"
    actors = (minimal_data / "actors.csv").read_text(encoding="utf-8")
    (minimal_data / "actors.csv").write_text(actors.replace("jnim,JNIM,", f'jnim,"{evil}",'), encoding="utf-8")
    out = tmp_path / "evil.html"
    r = kg("viz", "-o", str(out), "--title", "<i>title</i>", data=minimal_data, home=tmp_path / "home")
    assert r.code == 0, r.stderr
    with open_page(out) as opened:
        page = opened.page
        assert page.evaluate("kgNodes.get('jnim').label") == evil
        x, y = page.evaluate("""(() => {
            const p = kgNetwork.canvasToDOM(kgNetwork.getPositions(['jnim']).jnim);
            const r = document.getElementById('graph').getBoundingClientRect();
            return [p.x + r.left, p.y + r.top]; })()""")
        page.mouse.move(x, y)
        page.wait_for_selector("div.vis-tooltip", state="visible")
        tip = page.locator("div.vis-tooltip")
        assert tip.locator(".head").inner_text() == evil  # formatted (a heading), the markup as text
        assert "Also called: GSIM" in tip.inner_text()
        page.fill("#search", "GSIM")
        page.press("#search", "Enter")
        assert evil in page.inner_text("#details")  # shown as text
        assert page.evaluate("document.querySelectorAll('script').length") == 5  # none added
        assert page.evaluate("document.querySelectorAll('img, i').length") == 0
        assert page.title() == "<i>title</i>"
        assert opened.dialogs == []  # no alert() ran
        assert opened.console_errors == []
        assert opened.blocked == []


def test_focus_page_in_chromium(kg, tmp_path):
    out = tmp_path / "jnim.html"
    r = kg("viz", "--focus", "JNIM", "--depth", "1", "--year", "2024", "-o", str(out))
    assert r.code == 0, r.stderr
    data = page_data(out.read_text(encoding="utf-8"))
    with open_page(out) as opened:
        assert opened.console_errors == []
        assert opened.page.inner_text("#year") == "2024"
        assert opened.page.evaluate("kgNodes.length") == len(data["nodes"])
        OUTPUT.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(OUTPUT / "jnim-2024.png"))
