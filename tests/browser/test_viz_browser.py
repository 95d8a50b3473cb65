"""The page of ``kg viz`` in a real browser: Debian's headless Chromium, opened
from a file:// URL with every other request blocked.

Screenshots go to tests/browser/output/ (ignored by git) for the test report; the
README's pictures in docs/screenshots/ come from test_page_reading.py (desktop-*.png, phone-*.png).
Chromium is installed by scripts/install-debian.sh (run by ``make test``);
without it these tests are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import available, open_page, page_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).resolve().parent / "output"

_why = available()
if _why and os.environ.get("CI"):
    pytest.fail(f"the browser tests cannot run: {_why}", pytrace=False)
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


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
        page.evaluate("kgShowView('map')")  # the map's own data block, parsed now, adds nothing either
        assert page.evaluate("document.querySelectorAll('script').length") == 6  # none added
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


# -- the map, the actor timeline and the legend as a filter (issue 16) -----------------------------


def events_in(data: dict, year: int | None) -> set[str]:
    """The map's events overlapping ``year``, computed here from the page's data."""
    from datetime import date, timedelta

    ev = data["map"]["events"]
    epoch = date(1970, 1, 1)
    return {ev["id"][i] for i in range(len(ev["id"]))
            if year is None or (epoch + timedelta(ev["start"][i])).year <= year <= (epoch + timedelta(ev["end"][i])).year}


def drawn_events(page) -> set[str]:
    return set(page.evaluate("kgMap.drawnIndexes().map(i => JSON.parse(document.getElementById('kg-map').textContent)"
                             ".events.id[i])"))


def test_map_view_in_chromium(curated_page):
    data = page_data(curated_page.read_text(encoding="utf-8"))
    ev = data["map"]["events"]
    with open_page(curated_page) as opened:
        page = opened.page
        page.click("#view-map")
        assert page.evaluate("kgView") == "map" and page.is_visible("#map canvas")
        assert page.is_hidden("#map-legend-box") is False
        # the borders are drawn: the sea, a neighbour, and Mali itself in their own colours
        assert page.evaluate("kgMap.pixelAt(-12.9, 6.6)") == [0xdf, 0xea, 0xf2]  # the Atlantic
        assert page.evaluate("kgMap.pixelAt(-11, 21)") == [0xee, 0xee, 0xea]  # Mauritania
        assert page.evaluate("kgMap.pixelAt(-5.5, 22.5)") == [0xf6, 0xf0, 0xe1]  # northern Mali
        # every event with a position is a marker; the ones without, or known only to a country, are listed
        # apart (issue 23: an event "in Mali" is not drawn at Mali's middle)
        country = {ev["id"][i] for i in range(len(ev["id"])) if data["map"]["places"][ev["place"][i]][3] == 2}
        assert len(ev["id"]) >= 50 and drawn_events(page) == set(ev["id"]) - country
        assert page.evaluate("kgMapDrawn") == len(ev["id"]) - len(country)
        assert page.locator("#unplaced li").count() == min(31, len(country) + data["map"]["unplacedCount"])
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "map-all-years.png"))

        slide_to(page, 2013)
        in_2013 = drawn_events(page)
        assert in_2013 == events_in(data, 2013) - country and "battle_of_konna_2013" in in_2013
        assert "bamako_attack_2024" not in in_2013
        slide_to(page, 2024)
        in_2024 = drawn_events(page)
        assert in_2024 == events_in(data, 2024) - country and "bamako_attack_2024" in in_2024
        assert "battle_of_konna_2013" not in in_2024
        assert page.inner_text("#map-count").startswith(f"{len(events_in(data, 2024))} events shown in 2024")

        # click the Battle of Tinzaouaten: who fought on each side, the deaths, the sources
        i = ev["id"].index("tinzaouaten_ambush_2024")
        x, y = page.evaluate(f"kgMap.screenOf({i})")
        page.mouse.click(x, y)
        card = page.inner_text("#details")
        assert "Battle of Tinzaouaten" in card and "When: 2024-07-2" in card
        assert "Where: somewhere in Tinzaouaten (a region" in card  # a border area in the data: an area, not a point
        side_a = card.split("Side A:")[1].split("\n")[0]
        side_b = card.split("Side B:")[1].split("\n")[0]
        assert "Jama'at Nusrat al-Islam wal-Muslimin" in side_a and "Wagner Group" in side_b
        assert "Deaths: 131" in card and "Sources:" in card
        page.screenshot(path=str(OUTPUT / "map-2024-tinzaouaten.png"))

        # the map's legend filters the markers too
        page.click("#legend-events [data-event-kind='attack']")
        kinds = [k["key"] for k in data["map"]["kinds"]]
        attacks = {ev["id"][j] for j in range(len(ev["id"])) if kinds[ev["kind"][j]] == "attack"}
        assert "tinzaouaten_ambush_2024" in attacks
        assert drawn_events(page) == in_2024 - attacks and in_2024 & attacks
        page.click("#legend-events [data-event-kind='attack']")
        assert drawn_events(page) == in_2024
        assert opened.console_errors == [] and opened.blocked == []


def node_click(page, node: str) -> None:
    """Click a node of the network where it is drawn, as a user would."""
    page.evaluate(f"kgNetwork.focus('{node}', {{scale: 1.2}})")
    x, y = page.evaluate(f"""(() => {{
        const p = kgNetwork.canvasToDOM(kgNetwork.getPositions(['{node}'])['{node}']);
        const r = document.getElementById('graph').getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }})()""")
    page.mouse.click(x, y)


def test_actor_timeline_panel_and_legend_filter(curated_page):
    data = page_data(curated_page.read_text(encoding="utf-8"))
    with open_page(curated_page) as opened:
        page = opened.page
        node_click(page, "jnim")
        assert page.is_visible("#timeline-panel")
        assert page.inner_text("#timeline-title") == "Timeline of Jama'at Nusrat al-Islam wal-Muslimin"
        fought = page.locator("#timeline rect.bar[data-relation='fought']")
        fought_points = page.locator("#timeline circle.point[data-relation='fought']")  # periods under a month
        part_of = page.locator("#timeline [data-relation='part_of']:is(rect.bar, circle.point)")
        jnim_fought = [e for e in data["edges"] if e["relation"] == "fought" and "jnim" in (e["from"], e["to"])]
        assert fought.count() >= 10
        assert fought.count() + fought_points.count() == sum(len(e["items"]) for e in jnim_fought)
        assert part_of.count() >= 3  # Ansar Dine and Al-Mourabitoun (on the day they merged), the FLM
        assert "Sources:" in fought.first.locator("title").text_content()
        assert page.locator("#timeline rect.bar.fades").count() >= 1  # ongoing: the end fades
        ticks = page.locator("#timeline line.tick")
        assert ticks.count() >= 10
        page.mouse.move(4, 56)  # onto an empty corner of the graph: the tooltip goes, for the picture
        page.wait_for_selector("div.vis-tooltip", state="hidden", timeout=5000)
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "network-jnim-timeline.png"))

        # the legend hides and shows a relation type everywhere: the network and the timeline
        page.click("#legend-edges [data-relation='fought']")
        assert not any(e.split("|")[1] == "fought" for e in visible_edges(page))
        assert page.locator("#timeline rect.bar[data-relation='fought']").count() == 0
        page.click("#legend-edges [data-relation='fought']")
        assert any(e.split("|")[1] == "fought" for e in visible_edges(page))
        # and an actor type: jihadist groups and their relations disappear
        page.click("#legend-nodes [data-kind='armed_group/jihadist']")
        assert page.evaluate("kgNodes.get('jnim').hidden") is True
        assert not any("jnim" in e.split("|")[::2] for e in visible_edges(page))
        page.click("#legend-nodes [data-kind='armed_group/jihadist']")
        assert page.evaluate("kgNodes.get('jnim').hidden") is False

        # the counts in the legend follow the slider's year
        slide_to(page, 2013)
        count = sum(1 for e in data["edges"] if e["relation"] == "fought"
                    and any(a <= 2013 <= b for a, b in e["spans"]))
        assert page.inner_text("#legend-edges [data-relation='fought']").endswith(f"({count})")
        all_count = sum(1 for e in data["edges"] if e["relation"] == "fought")
        page.click("#all")
        assert page.inner_text("#legend-edges [data-relation='fought']").endswith(f"({all_count})") and all_count > count
        assert opened.console_errors == [] and opened.blocked == []


def test_timeline_page_of_kg_timeline(kg, tmp_path):
    out = tmp_path / "jnim.html"
    r = kg("timeline", "JNIM", "--format", "html", "-o", str(out))
    assert r.code == 0, r.stderr
    assert r.stdout.startswith(f"wrote {out}: timeline of Jama'at Nusrat al-Islam wal-Muslimin")
    with open_page(out, height=1000) as opened:
        page = opened.page
        assert page.title() == "Timeline of Jama'at Nusrat al-Islam wal-Muslimin"
        bars = page.locator("rect.bar[data-relation='fought']")
        assert bars.count() >= 10
        assert page.locator("[data-relation='part_of']:is(rect.bar, circle.point)").count() >= 3
        tips = [t.text_content() for t in page.locator("rect.bar[data-relation='fought'] title").all()]
        assert any(t.startswith("fought Malian Armed Forces: 2017") and "Sources:" in t for t in tips)
        assert page.locator("circle.point[data-relation='merged_into']").count() >= 2  # one-off: points
        assert page.locator("line.tick").count() >= 10
        assert opened.console_errors == [] and opened.blocked == []
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "timeline-jnim.png"), full_page=True)
