"""The page as a student reads it (issue 23), in Debian's headless Chromium at a laptop's
1366x768 and a phone's 390x844: labels that can be read, a selection that keeps the relation
colours and its actor in view, one selection for graph, panel and timeline, a map that draws
only what it knows, time as a window, the phone's sheet and search, keyboard reach, contrast,
sources with publishers, a link that reopens a view.

Pictures go to tests/browser/output/; docs/screenshots/desktop-*.png and phone-*.png are copies.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import available, open_page, page_data  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "output"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

_why = available()
if _why and os.environ.get("CI"):
    pytest.fail(f"the browser tests cannot run: {_why}", pytrace=False)
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


@pytest.fixture(scope="module")
def curated(kg, tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("viz23") / "sahel.html"
    r = kg("viz", "-o", str(path))
    assert r.code == 0, r.stderr
    return path, page_data(path.read_text(encoding="utf-8"))


def shot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"))


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5 and a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5:
                out.append((a.get("label") or a.get("text"), b.get("label") or b.get("text")))
    return out


def event_ids(page, indexes: str) -> list[str]:
    """The ids of the map's events at the indexes a page expression gives."""
    return page.evaluate(f"(() => {{ const ids = JSON.parse(document.getElementById('kg-map').textContent).events.id; "
                         f"return {indexes}.map(i => ids[i]); }})()")


def in_graph(page, node: str) -> tuple[float, float, float, float]:
    """Where ``node`` is drawn, in the graph's pixels, and the graph's size."""
    return tuple(page.evaluate(f"""(() => {{
        const p = kgNetwork.canvasToDOM(kgNetwork.getPositions(['{node}'])['{node}']);
        const g = document.getElementById('graph');
        return [p.x, p.y, g.clientWidth, g.clientHeight]; }})()"""))


def click_node(page, node: str) -> None:
    x, y, _w, _h = in_graph(page, node)
    r = page.evaluate("(() => { const r = document.getElementById('graph').getBoundingClientRect(); return [r.left, r.top]; })()")
    page.mouse.click(x + r[0], y + r[1])


# -- 1. the network ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_labels_readable_without_overlap_at_the_default_zoom(curated, size):
    path, data = curated
    with open_page(path, **size) as opened:
        page = opened.page
        labels = page.evaluate("kgLabels()")
        assert overlapping(labels) == []
        on_screen = page.evaluate("kgNetwork.getScale()") * page.evaluate("kgNodes.get('jnim').font.size")
        assert on_screen == pytest.approx(13, abs=0.5)  # 13 px on screen, whatever the zoom
        top = sorted(data["nodes"], key=lambda n: -n["degree"])[:5]
        shown = {lab["id"] for lab in labels}
        assert len(labels) >= (25 if size is DESKTOP else 10)
        assert {n["id"] for n in top[:3 if size is DESKTOP else 2]} <= shown  # the most connected are named first
        # zooming in names more actors, still without overlap
        page.evaluate("() => { kgNetwork.moveTo({scale: kgNetwork.getScale() * 2.5}); kgNetwork.emit('zoom', {}); }")
        page.wait_for_timeout(200)
        more = page.evaluate("kgLabels()")
        assert overlapping(more) == [] and len(more) > 0
        assert opened.console_errors == []


def test_layout_keeps_allies_together_and_enemies_apart(curated):
    _path, data = curated
    pos = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    bloc = {n["id"]: n["bloc"] for n in data["nodes"]}

    def mean_distance(relation: str) -> float:
        d = [((pos[e["from"]][0] - pos[e["to"]][0]) ** 2 + (pos[e["from"]][1] - pos[e["to"]][1]) ** 2) ** 0.5
             for e in data["edges"] if e["relation"] == relation and e["from"] != e["to"]]
        return sum(d) / len(d)

    assert mean_distance("allied_with") < 0.8 * mean_distance("fought")
    assert bloc["jnim"] is not None and bloc["jnim"] != bloc["fama"]  # the blocs of kg analyze, in the page
    assert len({b for b in bloc.values() if b}) >= 2


def test_selection_keeps_colours_and_the_actor_in_view(curated):
    path, data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.evaluate("kgNetwork.moveTo({position: kgNetwork.getPositions(['jnim']).jnim, scale: 1.4})")
        # move JNIM near the bottom edge: the timeline that opens would cover it
        x, y, w, h = in_graph(page, "jnim")
        page.evaluate(f"kgNetwork.moveTo({{position: {{x: kgNetwork.getPositions(['jnim']).jnim.x, "
                      f"y: kgNetwork.getPositions(['jnim']).jnim.y - {0.4 * h / 1.4}}}, scale: 1.4}})")
        click_node(page, "jnim")
        page.wait_for_timeout(300)
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["jnim"]
        x, y, w, h = in_graph(page, "jnim")
        assert 0 < x < w and 0 < y < h, "the selected actor left the view"
        # its relations keep their colours (fought red, allied green) when selected or hovered
        for e in data["edges"]:
            if "jnim" in (e["from"], e["to"]) and e["relation"] in ("fought", "allied_with"):
                c = page.evaluate(f"kgEdges.get({json.dumps(e['id'])}).color")
                want = data["relations"][e["relation"]]["color"]
                assert c["color"] == c["highlight"] == c["hover"] == want and c["opacity"] > 0.5
        # the rest fades, but keeps its colour too
        other = next(e for e in data["edges"] if "jnim" not in (e["from"], e["to"]) and e["relation"] == "fought")
        c = page.evaluate(f"kgEdges.get({json.dumps(other['id'])}).color")
        assert c["color"] == data["relations"]["fought"]["color"] and c["opacity"] < 0.3
        # one selection: the panel and the timeline show JNIM
        assert "Jama'at Nusrat al-Islam wal-Muslimin" in page.inner_text("#details")
        assert page.inner_text("#timeline-title").endswith("Jama'at Nusrat al-Islam wal-Muslimin")
        shot(page, "desktop-network-jnim")
        # a search moves all three, with the timeline open
        page.fill("#search", "Wagner")
        page.press("#search", "Enter")
        page.wait_for_timeout(300)
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["wagner_group"]
        assert page.inner_text("#timeline-title") == "Timeline of Wagner Group"
        assert "Wagner Group" in page.inner_text("#details")
        x, y, w, h = in_graph(page, "wagner_group")
        assert 0 < x < w and 0 < y < h
        assert opened.console_errors == []


def test_panel_follows_the_slider_fought_first(curated):
    path, data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.evaluate("kgSelect('jnim')")
        page.evaluate("kgSetYear(2019)")
        text = page.inner_text("#details")
        assert "Relations in 2019 (fought first):" in text
        rows = page.locator("#details ul").first.locator("li").all_inner_texts()
        relations = [r.split()[0] for r in rows]
        assert relations[0] == "fought" and relations == sorted(relations, key=lambda r: r != "fought")
        expected = {(e["from"] if e["to"] == "jnim" else e["to"]) for e in data["edges"]
                    if "jnim" in (e["from"], e["to"]) and any(a <= 2019 <= b for a, b in e["spans"])}
        assert len(rows) == sum(1 for e in data["edges"] if "jnim" in (e["from"], e["to"])
                                and any(a <= 2019 <= b for a, b in e["spans"]))
        assert len(expected) >= 5
        # the event counts are those of 2019, not of all years
        fama = next(e for e in data["edges"] if {e["from"], e["to"]} == {"jnim", "fama"} and e["relation"] == "fought")
        in_2019 = sum(1 for y in fama["eventYears"] if y == 2019)
        row = next(r for r in rows if "Malian Armed Forces" in r and r.startswith("fought"))
        if in_2019:
            assert f"{in_2019} combat event" in row and "in 2019" in row
        else:
            assert "combat event" not in row
        assert len(fama["eventYears"]) != in_2019
        page.evaluate("kgSetYear(2013)")  # JNIM did not exist: no relation
        assert "No relation in this time." in page.inner_text("#details")
        assert opened.console_errors == []


# -- 2. the map ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def region_data(tmp_path_factory) -> Path:
    """The minimal case plus Niger, a region of it (Tillabéri), an event there and one known only to Niger."""
    import shutil

    cases = Path(__file__).resolve().parents[1] / "cases" / "minimal"
    target = tmp_path_factory.mktemp("regions") / "data"
    shutil.copytree(cases, target, ignore=shutil.ignore_patterns("expected.*"))

    def add(name: str, line: str) -> None:
        with open(target / name, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    add("actors.csv", "niger,Niger,state,,République du Niger,Q1032,,,,A West African state.,wp_jnim")
    add("actors.csv", "fan,Niger Armed Forces,state_armed_forces,,FAN,,,,niger,Niger's army.,wp_jnim")
    add("places.csv", "ne_tillaberi,Tillabéri,region,niger,14.2,1.45,,Tillaberi,wp_jnim")
    add("events.csv", "tillaberi_massacre_2022,Massacre in Tillabéri,massacre,2022-03-21,,ne_tillaberi,30,,,,A massacre somewhere in the region.,wp_jnim")
    add("events.csv", "niger_attack_2023,Attack in Niger,attack,2023-05-01,,niger,12,,,,An attack known only to the country.,wp_jnim")
    add("event_participants.csv", "tillaberi_massacre_2022,jnim,perpetrator,a")
    add("event_participants.csv", "niger_attack_2023,jnim,attacker,a")
    add("event_participants.csv", "niger_attack_2023,fan,defender,b")
    return target


@pytest.fixture(scope="module")
def region_page(kg, region_data, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("regions-page") / "regions.html"
    r = kg("viz", "-o", str(out), "--view", "map", data=region_data, home=tmp_path_factory.mktemp("regions-home"))
    assert r.stdout.startswith(f"wrote {out}")
    assert r.code == 0, r.stderr
    return out, page_data(out.read_text(encoding="utf-8"))


def test_region_is_somewhere_in_it_and_a_country_is_listed_not_drawn(region_page):
    path, data = region_page
    ev = data["map"]["events"]
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        assert page.evaluate("kgView") == "map"
        markers = page.evaluate("kgMap.markers()")
        region = [m for m in markers if "tillaberi_massacre_2022" in m["events"]]
        assert len(region) == 1 and region[0]["area"] and not region[0]["hex"]
        assert any(b["text"] == "somewhere in Tillabéri" for b in page.evaluate("kgMap.labelBoxes()"))
        # the country-level event is not drawn anywhere, least of all at Niger's middle
        assert not any("niger_attack_2023" in m["events"] for m in markers)
        assert "niger_attack_2023" not in event_ids(page, "kgMap.drawnIndexes()")
        listed = page.inner_text("#unplaced")
        assert "Attack in Niger (2023-05-01) — somewhere in Niger (country only)" in listed
        # the region's card says what is known
        x, y = page.evaluate(f"kgMap.screenOf({ev['id'].index('tillaberi_massacre_2022')})")
        page.mouse.click(x, y)
        card = page.inner_text("#details")
        assert "Massacre in Tillabéri" in card
        assert "Where: somewhere in Tillabéri (a region; the exact place is not known)" in card
        # the listed event opens its card too
        page.click("#unplaced button")
        assert "Attack in Niger" in page.inner_text("#details") and "Deaths: 12" in page.inner_text("#details")
        assert opened.console_errors == []


def test_curated_map_draws_no_event_at_a_country_centre(curated):
    path, data = curated
    m = data["map"]
    ev = m["events"]
    at_country = {ev["id"][i] for i in range(len(ev["id"])) if m["places"][ev["place"][i]][3] == 2}
    at_region = {ev["id"][i] for i in range(len(ev["id"])) if m["places"][ev["place"][i]][3] == 3}
    assert len(at_country) >= 20  # the shipped data has many "somewhere in Mali" events
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.click("#view-map")
        drawn = set(event_ids(page, "kgMap.drawnIndexes()"))
        assert drawn.isdisjoint(at_country)
        assert drawn == set(ev["id"]) - at_country
        for marker in page.evaluate("kgMap.markers()"):  # and no marker sits at a country's middle
            assert not set(marker["events"]) & at_country
            if set(marker["events"]) & at_region:
                assert marker["area"]
        assert page.evaluate("kgUnplacedShown") == len(at_country) + m["unplacedCount"]
        # labels: none on top of another, the focus countries' names among them
        boxes = page.evaluate("kgMap.labelBoxes()")
        assert overlapping(boxes) == []
        assert {"MALI", "NIGER", "BURKINA FASO"} <= {b["text"] for b in boxes if b["country"]}
        # a size key, and the year's deadliest events ranked, each zooming the map to it
        assert page.locator("#size-key svg circle").count() == 4
        page.evaluate("kgSetYear(2024)")
        ranked = page.locator("#deadliest li")
        deaths = [int(t.split()[0]) for t in ranked.all_inner_texts()]
        assert deaths == sorted(deaths, reverse=True) and len(deaths) >= 3
        assert deaths[0] == max(ev["deaths"][i] for i in range(len(ev["id"]))
                                if ev["id"][i] in set(event_ids(page, "kgMap.shownIndexes()")))
        drawn_now = set(event_ids(page, "kgMap.drawnIndexes()"))
        row = next(r for r in ranked.all() if r.get_attribute("data-event") in drawn_now)
        first = row.get_attribute("data-event")
        before = page.evaluate("kgMap.getView()")
        shot(page, "desktop-map-2024")
        row.locator("button").click()
        after = page.evaluate("kgMap.getView()")
        assert after != before and after[2] >= 120
        i = ev["id"].index(first)
        lon, lat = m["places"][ev["place"][i]][2], m["places"][ev["place"][i]][1]
        assert after[0] == pytest.approx(lon, abs=0.02) and after[1] == pytest.approx(lat, abs=0.02)
        assert ev["label"][i] in page.inner_text("#details")
        shot(page, "desktop-map-2024-zoomed")
        assert opened.console_errors == []


@pytest.fixture(scope="module")
def many_events_page(kg, tmp_path_factory) -> Path:
    """The curated graph plus an ACLED-like import of 6,000 rows over 3,000 places."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from bench_viz import spread_locations
    from synthetic import write

    work = tmp_path_factory.mktemp("many")
    raw = write("acled", 6000, work / "acled.csv")
    spread = work / "acled_spread.csv"
    spread_locations(raw, spread, 3000)
    home = work / "home"
    r = kg("import", "acled", str(spread), home=home)
    assert r.code == 0, r.stderr
    out = work / "many.html"
    r = kg("viz", "-o", str(out), "--view", "map", home=home)
    assert r.code == 0, r.stderr
    return out


def test_thousands_of_events_aggregate_until_zoomed_in(many_events_page):
    with open_page(many_events_page, **DESKTOP, timeout_ms=120000) as opened:
        page = opened.page
        assert page.evaluate("kgMap.hexMode()") is True
        markers = page.evaluate("kgMap.markers()")
        hexes = [m for m in markers if m["hex"]]
        assert 20 <= len(hexes) <= 700
        drawn = page.evaluate("kgMap.drawnIndexes().length")  # the hexagons of the screen hold most of them
        assert 0.8 * drawn <= sum(m["n"] for m in hexes) + sum(m["n"] for m in markers if m["area"]) <= drawn
        shot(page, "desktop-map-hexagons")
        # a click on a hexagon zooms in on it; far enough in, the events are markers again
        r = page.evaluate("(() => { const r = document.getElementById('map-canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
        # the largest hexagon that nothing covers: no other element of the page, and no region's
        # "somewhere in" ring drawn over it (a click there selects the region's events)
        rings = [m for m in markers if m["area"]]
        clear = [m for m in sorted(hexes, key=lambda m: -m["n"]) if page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y) === document.getElementById('map-canvas')",
            [m["x"] + r[0], m["y"] + r[1]]) and all((m["x"] - a["x"]) ** 2 + (m["y"] - a["y"]) ** 2 > 40 ** 2
                                                     for a in rings)]
        assert clear, "every hexagon is covered by something"
        big = clear[0]
        scale = page.evaluate("kgMap.getView()[2]")
        page.mouse.click(big["x"] + r[0], big["y"] + r[1])
        page.wait_for_timeout(200)
        assert page.evaluate("kgMap.getView()[2]") == pytest.approx(scale * 3, rel=0.05)
        page.evaluate("(() => { const v = kgMap.getView(); kgMap.zoomTo(v[0], v[1], 3000); })()")
        assert page.evaluate("kgMap.hexMode()") is False
        assert opened.console_errors == []


# -- 3. time as a window ------------------------------------------------------------------------


def test_window_and_cumulative_modes_and_play_from_the_first_year(curated):
    path, data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.select_option("#mode", "range")
        assert page.is_visible("#slider-to")
        page.eval_on_selector("#slider", "s => { s.value = '2013'; s.dispatchEvent(new Event('input')); }")
        page.eval_on_selector("#slider-to", "s => { s.value = '2015'; s.dispatchEvent(new Event('input')); }")
        assert page.inner_text("#year") == "2013–2015"
        shown = set(page.evaluate("kgEdges.get({filter: e => !e.hidden}).map(e => e.id)"))
        want = {e["id"] for e in data["edges"] if any(a <= 2015 and b >= 2013 for a, b in e["spans"])}
        assert shown == want
        page.select_option("#mode", "upto")
        page.eval_on_selector("#slider", "s => { s.value = '2016'; s.dispatchEvent(new Event('input')); }")
        assert page.inner_text("#year") == "up to 2016"
        first = data["years"][0]
        shown = set(page.evaluate("kgEdges.get({filter: e => !e.hidden}).map(e => e.id)"))
        assert shown == {e["id"] for e in data["edges"] if any(a <= 2016 and b >= first for a, b in e["spans"])}
        page.select_option("#mode", "year")
        page.click("#all")
        page.click("#play")
        page.wait_for_function("document.getElementById('year').textContent !== 'All years'")
        assert int(page.inner_text("#year")) == page.evaluate("kgFirstDataYear")
        page.click("#play")
        assert opened.console_errors == []


# -- 4. phone and keyboard -----------------------------------------------------------------------


def test_phone_layout_view_takes_the_screen_search_works(curated):
    path, _data = curated
    with open_page(path, **PHONE) as opened:
        page = opened.page
        graph = page.evaluate("(() => { const r = document.getElementById('graph').getBoundingClientRect(); return [r.width, r.height]; })()")
        assert graph[0] == 390 and graph[1] >= 500  # not a 90-px strip
        box = page.locator("#search").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
        assert box["width"] >= 200
        shot(page, "phone-network")
        page.fill("#search", "JNIM")
        page.press("#search", "Enter")
        page.wait_for_timeout(400)
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["jnim"]
        assert page.evaluate("document.body.classList.contains('sheet-open')")  # the sheet came up with the actor
        side = page.locator("#side").bounding_box()
        assert side["y"] < 844 * 0.5 and "Jama'at Nusrat" in page.inner_text("#details")
        shot(page, "phone-jnim-sheet")
        page.click("#sheet-handle")  # and goes down again, out of the way
        page.wait_for_timeout(400)
        assert page.locator("#side").bounding_box()["y"] > 844 - 60
        page.click("#view-map")
        page.evaluate("kgSetYear(2019)")
        page.wait_for_timeout(200)
        shot(page, "phone-map-2019")
        assert overlapping(page.evaluate("kgMap.labelBoxes()")) == []
        assert opened.console_errors == []


def test_keyboard_reaches_actors_relations_and_events(curated):
    path, _data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        seen = []
        for _ in range(40):  # Tab through the page: the first actors of the list come soon
            page.keyboard.press("Tab")
            seen.append(page.evaluate("document.activeElement.textContent.trim()"))
            if seen[-1] == "Jama'at Nusrat al-Islam wal-Muslimin":
                break
        assert seen[-1] == "Jama'at Nusrat al-Islam wal-Muslimin", seen
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # a visible focus
        page.keyboard.press("Enter")
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["jnim"]
        # a relation of the panel, by keyboard: its card with the sources
        page.focus("#details ul li button")
        page.keyboard.press("Enter")
        assert "Selected relation" in page.inner_text("#details") and "Sources:" in page.inner_text("#details")
        # an event, by keyboard: the map's ranked list
        page.click("#view-map")
        page.evaluate("kgSetYear(2024)")
        page.focus("#deadliest button")
        page.keyboard.press("Enter")
        assert "Selected event" in page.inner_text("#details")
        # the timeline's marks take the focus and say their sources
        page.evaluate("kgSelect('jnim')")
        page.focus("#timeline rect.bar")
        assert "Sources:" in page.inner_text("#timeline-info")
        assert opened.console_errors == []


CONTRAST = """(() => {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : m.concat([1]); }
  function lum(c) { return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]); }
  function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function bg(e) {
    for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) return c; }
    return [255, 255, 255, 1];
  }
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.closest('script, svg, .vis-tooltip, datalist, option')) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') continue;
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push([n.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100]);
  }
  // the timeline's texts inside bars, against the bar's colour
  document.querySelectorAll('#timeline text.inside').forEach(function (t) {
    const c = t.getAttribute('fill'), g = t.getAttribute('data-bg');
    const hex = function (h) { return [1, 3, 5].map(function (i) { return parseInt(h.slice(i, i + 2), 16); }); };
    const a = lum(hex(c === '#ffffff' ? '#ffffff' : c)), b = lum(hex(g));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) out.push([t.textContent, Math.round(ratio * 100) / 100, g]);
  });
  return out;
})()"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_text_contrast_at_least_4_5(curated, size):
    path, _data = curated
    with open_page(path, **size) as opened:
        page = opened.page
        page.evaluate("kgSelect('jnim')")
        page.click("#legend-edges [data-relation='supports']")  # a legend row turned off stays readable
        assert page.evaluate(CONTRAST) == []
        page.click("#view-map")
        page.evaluate("kgSetYear(2019)")
        assert page.evaluate(CONTRAST) == []


def test_kinds_carry_shapes_and_patterns_besides_colour(curated):
    _path, data = curated
    shapes = [k["shape"] for k in data["map"]["kinds"]]
    assert len(set(shapes)) == len(shapes)  # every kind of event its own marker shape
    main = {e["relation"]: e["dashes"] for e in data["legend"]["edges"]
            if e["relation"] in ("fought", "allied_with", "supports", "negotiates_with")}
    assert len(main) == 4 and len({json.dumps(d) for d in main.values()}) == 4  # and line patterns
    kinds = {n["kind"]: n["shape"] for n in data["legend"]["nodes"]}
    assert kinds["state"] != kinds["armed_group/jihadist"]


# -- 5. timelines ------------------------------------------------------------------------------


def test_timeline_lanes_labels_and_founding(curated):
    path, data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.evaluate("kgSelect('jnim')")
        labels = page.locator("#timeline text.row-label").all_text_contents()
        rows = [t for t in labels if not t.startswith("events")]
        assert rows[0].startswith("fought · ")
        assert len(rows) == len(set(rows))  # one lane per counterpart and relation
        fama = [t for t in rows if t.startswith("fought · Malian Armed Forces")]
        assert len(fama) == 1
        # every bar and point has its dates written: inside, or beside it when short
        marks = page.locator("#timeline :is(rect.bar, circle.point)").count()
        assert page.locator("#timeline text.bar-label").count() == marks
        # the axis starts at JNIM's founding (2017), not at an earlier event of one of its parts
        first_year = int(page.locator("#timeline text.axis").first.text_content())
        assert first_year == 2017
        assert "from before it was founded: not drawn" in page.inner_text("#timeline-panel")
        shot(page, "desktop-timeline-jnim")
        assert opened.console_errors == []


# -- 6. sources ------------------------------------------------------------------------------


def test_sources_once_with_publisher_and_date(curated):
    path, data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        edge = next(e for e in data["edges"] if e["id"] == "fama|fought|jnim")
        page.evaluate(f"() => {{ kgNetwork.emit('click', {{nodes: [], edges: [{json.dumps(edge['id'])}]}}); }}")
        items = page.locator("#details li.src").all_inner_texts()
        assert len(items) == len(set(items)) == len(set(edge["sources"]))
        for s in edge["sources"]:
            src = data["sources"][s]
            assert any(i.startswith(src["title"]) and src["publisher"] in i and src["date"] in i for i in items)
        assert page.locator("#details li.src a[href^='http']").count() >= 1
        # the actor's panel has them too, and the timeline's marks
        page.evaluate("kgSelect('jnim')")
        assert page.locator("#details li.src").count() >= 5
        tip = page.locator("#timeline rect.bar title").first.text_content()
        assert "Sources:" in tip and re.search(r"\(\w[^)]*, \d{4}", tip)
        # an event card: each source once
        page.click("#view-map")
        page.evaluate("kgSetYear(2024)")
        page.click("#deadliest button")
        items = page.locator("#details li.src").all_inner_texts()
        assert items and len(items) == len(set(items))
        assert opened.console_errors == []


# -- 7. a link that reopens a view -----------------------------------------------------------------


def test_the_address_reopens_the_view(curated):
    path, _data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        page.evaluate("kgSelect('jnim')")
        page.click("#view-map")
        page.evaluate("kgSetYear(2019)")
        page.evaluate("kgMap.zoomTo(-1.5, 14.5, 90)")
        page.wait_for_timeout(300)
        fragment = page.evaluate("location.hash")
        assert "view=map" in fragment and "year=2019" in fragment and "actor=jnim" in fragment and "map=-1.5%2C14.5%2C90" in fragment
    with open_page(path, **DESKTOP, fragment=fragment[1:]) as opened:
        page = opened.page
        assert page.evaluate("kgView") == "map"
        assert page.inner_text("#year") == "2019"
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["jnim"]
        assert page.evaluate("kgMap.getView()") == [-1.5, 14.5, 90]
        assert "Timeline of Jama'at Nusrat al-Islam wal-Muslimin" in page.inner_text("#timeline-title")
    with open_page(path, **DESKTOP, fragment="view=network&from=2013&to=2016") as opened:
        assert opened.page.inner_text("#year") == "2013–2016"
        assert opened.page.evaluate("kgWindow") == [2013, 2016]
        assert opened.console_errors == []


def test_every_string_of_the_page_comes_from_the_catalogue(curated):
    """The page's words are in the gettext catalogue (kg/locale/kg.pot, in English; kg.fr.po for
    kg viz --lang fr: tests/browser/test_page_french.py): the template's visible text is made of
    catalogue entries."""
    import html as html_lib

    from kg.explore.words import Words

    path, data = curated
    assert data["messages"] == Words("en").page()
    template = (Path(__file__).resolve().parents[2] / "kg" / "templates" / "viz.html").read_text(encoding="utf-8")
    body = template.split("<body>", 1)[1].split("<script", 1)[0]
    text = re.sub(r"\{\{[^}]*\}\}", "", re.sub(r"<[^>]+>", " ", body))
    assert html_lib.unescape(text).split() == []  # nothing but markup and {{ m.key }} in the body
    script = template.split("<script>\n\"use strict\";", 1)[1]
    quoted = re.findall(r'textContent = "([A-Za-z][^"]*)"', script) + re.findall(r'el\("\w+", [^,()"]+, "([A-Za-z ][^"]*)"\)', script)
    assert quoted == []  # the script writes t("key"), never English


# -- 4. the shapes of the canvases by keyboard ------------------------------------------------------


def tab_to(page, element_id: str, presses: int = 60) -> list[str]:
    """Press Tab until ``element_id`` has the focus; the ids met on the way."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
        if seen[-1] == element_id:
            break
    return seen


def test_canvas_shapes_are_reached_by_keyboard_with_a_visible_focus(curated):
    """Actors on the graph and markers on the map are canvas drawings: a list box for each
    (one tab stop, arrow keys, Enter) mirrors them, says which shape it is on and rings it."""
    path, _data = curated
    with open_page(path, **DESKTOP) as opened:
        page = opened.page
        seen = tab_to(page, "graph-shapes")
        assert seen[-1] == "graph-shapes", seen
        box = page.locator("#graph-shapes")
        bounds = box.bounding_box()
        assert bounds["width"] > 100 and bounds["height"] > 10  # shown while it has the focus
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        first = page.evaluate("kgRinged()")
        assert first and page.inner_text("#graph-shapes").startswith(page.evaluate(f"kgNodes.get('{first}') && "
                                                                                    f"JSON.parse(document.getElementById('kg-data').textContent)"
                                                                                    f".nodes.find(n => n.id === '{first}').label"))
        page.keyboard.press("ArrowDown")
        second = page.evaluate("kgRinged()")
        assert second and second != first
        active = page.evaluate("document.getElementById(document.activeElement.getAttribute('aria-activedescendant')).textContent")
        assert "2 of" in active
        page.keyboard.press("Enter")
        assert page.evaluate("kgNetwork.getSelectedNodes()") == [second]
        assert page.evaluate("document.activeElement.id") == "graph-shapes"  # the focus stays in the list
        page.keyboard.press("Tab")
        assert page.evaluate("kgRinged()") is None  # the ring goes with the focus

        # the map: its markers, west to east
        page.click("#view-map")
        page.evaluate("kgSetYear(null)")
        page.focus("#search")
        seen = tab_to(page, "map-shapes")
        assert seen[-1] == "map-shapes" and "graph-shapes" not in seen, seen
        ring = page.evaluate("kgMap.focusedShape()")
        assert ring is not None
        assert page.evaluate("kgMap.ringPixel()") == [0xc2, 0x5e, 0x00]  # the focus colour, drawn on the canvas
        xs = []
        for _ in range(5):
            xs.append(page.evaluate("kgMap.focusedShape().x"))
            page.keyboard.press("ArrowRight")
        assert xs == sorted(xs)
        page.keyboard.press("Enter")
        details = page.inner_text("#details")
        assert "Selected event" in details or "events here" in details.lower() or "event" in details.lower()
        assert page.locator("#details .event-card").count() >= 1
        shot(page, "desktop-map-keyboard")
        assert opened.console_errors == []


def test_a_hexagon_is_zoomed_by_keyboard(many_events_page):
    with open_page(many_events_page, **DESKTOP, timeout_ms=120000) as opened:
        page = opened.page
        assert page.evaluate("kgMap.hexMode()") is True
        page.focus("#search")
        assert tab_to(page, "map-shapes")[-1] == "map-shapes"
        for _ in range(40):  # to the first hexagon of the list
            if page.evaluate("kgMap.focusedShape().hex"):
                break
            page.keyboard.press("ArrowRight")
        assert page.evaluate("kgMap.focusedShape().hex")
        assert "hexagon" in page.evaluate(
            "document.getElementById(document.activeElement.getAttribute('aria-activedescendant')).textContent")
        scale = page.evaluate("kgMap.getView()[2]")
        page.keyboard.press("Enter")
        page.wait_for_timeout(200)
        assert page.evaluate("kgMap.getView()[2]") == pytest.approx(scale * 3, rel=0.05)
        assert opened.console_errors == []
