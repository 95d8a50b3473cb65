"""Issue 24, point 4: on the map, an incident recorded by several data sets is drawn once,
marked by which data sets record it, and its card lists each data set's record.

The store is built as a researcher would: the real-shaped ACLED and UCDP fixtures of
``kg link``'s tests (tests/fixtures/triangulate: the same attacks as each data set records
them) imported into the curated graph, each import linking its rows; then ``kg viz``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import available, open_page, page_data  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "triangulate"
OUTPUT = Path(__file__).resolve().parent / "output"

_why = available()
if _why and os.environ.get("CI"):
    pytest.fail(f"the browser tests cannot run: {_why}", pytrace=False)
pytestmark = pytest.mark.skipif(bool(_why), reason=_why or "")


def story(name: str) -> tuple[list[str], str]:
    """The ACLED ids and the UCDP id of one incident of the fixtures."""
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.triangulate.stories import rows

    acled, ucdp = rows()
    return ([r["event_id_cnty"] for r in acled if r["_story"] == name],
            next(r["id"] for r in ucdp if r["_story"] == name))


@pytest.fixture(scope="module")
def linked_home(kg, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("incidents-home")
    for kind, name in (("acled", "acled.csv"), ("ucdp", "ucdp.csv")):
        r = kg("import", kind, str(FIXTURES / name), home=home)
        assert r.code == 0, r.stderr
    return home


def linked(kg, tmp_path_factory, home: Path, *lang: str) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("incidents") / "linked.html"
    r = kg("viz", "-o", str(out), "--view", "map", *lang, home=home)
    assert r.code == 0, r.stderr
    return out, page_data(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def linked_page(kg, tmp_path_factory, linked_home) -> tuple[Path, dict]:
    return linked(kg, tmp_path_factory, linked_home)


@pytest.fixture(scope="module")
def linked_page_fr(kg, tmp_path_factory, linked_home, linked_page) -> tuple[Path, dict]:
    """The same store's page in French, made after the English one (whose map text it must not copy)."""
    return linked(kg, tmp_path_factory, linked_home, "--lang", "fr")


def test_an_incident_of_three_data_sets_is_drawn_once_and_marked(linked_page):
    path, data = linked_page
    ids = data["map"]["events"]["id"]
    (acled_id,), ucdp_id = story("barsalogho_trenches")
    curated = ids.index("barsalogho_massacre_2024")
    # the page holds the three records (their cards need them) and knows they are one incident
    incident = next(inc for inc in data["map"]["incidents"] if inc[0] == curated)
    assert sorted(incident[1]) == ["acled", "curated", "ucdp"]
    assert {(r[0], r[1]) for r in incident[2]} == {("curated", "barsalogho_massacre_2024"), ("acled", acled_id),
                                                    ("ucdp", ucdp_id)}
    records = [r[7] for r in incident[2] if r[0] != "curated"]
    assert all(i >= 0 for i in records)
    with open_page(path, width=1366, height=768, timeout_ms=120000) as opened:
        page = opened.page
        drawn = set(page.evaluate("kgMap.drawnIndexes()"))
        assert curated in drawn and not drawn & set(records)  # drawn once: by its curated record
        page.evaluate("kgMap.zoomTo(-1.2, 13.6, 260)")
        holding = [m for m in page.evaluate("kgMap.markers()")
                   if ({ids[curated]} | {ids[i] for i in records}) & set(m["events"])]
        assert len(holding) == 1 and holding[0]["events"].count("barsalogho_massacre_2024") == 1
        assert not {ids[i] for i in records} & set(holding[0]["events"])
        marker = holding[0]
        assert marker["datasets"] == ["curated", "acled", "ucdp"]
        assert marker["badge"] == "C A U"  # letters, not colour alone
        assert "C: the curated graph" in page.inner_text("#datasets-key")
        # a click on it: the card lists each data set's record with its id, date and toll
        box = page.evaluate("(() => { const r = document.getElementById('map-canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
        page.mouse.click(marker["x"] + box[0], marker["y"] + box[1])
        card = page.locator("#details .event-card", has_text="Barsalogho massacre")
        text = card.inner_text()
        assert "Recorded by the curated graph, ACLED, UCDP" in text
        rows = card.locator("ul.records li")
        assert rows.count() == 3
        by_set = {rows.nth(k).get_attribute("data-dataset"): rows.nth(k).inner_text() for k in range(3)}
        assert by_set["curated"].startswith("the curated graph barsalogho_massacre_2024: 2024-08-24")
        assert by_set["acled"].startswith(f"ACLED {acled_id}: 2024-08-") and "dead" in by_set["acled"]
        assert by_set["ucdp"].startswith(f"UCDP {ucdp_id}: 2024-08-") and "–" in by_set["ucdp"]  # UCDP's low–high
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "desktop-map-incidents.png"))
        assert opened.console_errors == []


def test_a_record_linked_to_nothing_is_drawn_as_before(linked_page):
    path, data = linked_page
    ids = data["map"]["events"]["id"]
    in_incident = {r[7] for inc in data["map"]["incidents"] for r in inc[2]}
    alone = [i for i, e in enumerate(ids) if i not in in_incident and data["map"]["places"][data["map"]["events"]["place"][i]][3] != 2]
    assert alone
    with open_page(path, width=1366, height=768, timeout_ms=120000) as opened:
        drawn = set(opened.page.evaluate("kgMap.drawnIndexes()"))
        assert set(alone) <= drawn
        assert opened.page.evaluate(f"kgMap.incidentOf({alone[0]})") is None


def test_the_french_page_names_and_letters_the_data_sets_in_french(linked_page_fr):
    """kg viz --lang fr on the same store: the marker's letters, the key, the card's records
    (dates, tolls) and the keyboard's list of markers are French; no English message is left."""
    from test_page_french import STRINGS_JS, english_left

    path, data = linked_page_fr
    assert data["messages"]["lang"] == "fr"
    assert {k["label"] for k in data["map"]["kinds"]} >= {"Massacre de civils"}  # not the English page's map text
    ids = data["map"]["events"]["id"]
    (acled_id,), ucdp_id = story("barsalogho_trenches")
    curated = ids.index("barsalogho_massacre_2024")
    incident = next(inc for inc in data["map"]["incidents"] if inc[0] == curated)
    records = [r[7] for r in incident[2] if r[0] != "curated"]
    with open_page(path, width=1366, height=768, timeout_ms=120000) as opened:
        page = opened.page
        page.evaluate("kgMap.zoomTo(-1.2, 13.6, 260)")
        marker = next(m for m in page.evaluate("kgMap.markers()")
                      if ({ids[curated]} | {ids[i] for i in records}) & set(m["events"]))
        assert marker["badge"] == "V A U"  # V: le graphe vérifié
        key = page.inner_text("#datasets-key")
        assert "V\u00a0: le graphe vérifié" in key and "UCDP, en haut à gauche" in key
        seen = page.evaluate(STRINGS_JS) + [["badge", m["badge"]] for m in page.evaluate("kgMap.markers()") if m["badge"]]
        page.focus("#map-shapes")
        page.keyboard.press("ArrowRight")
        listed = page.inner_text("#map-shapes")
        assert "événement" in listed and " sur " in listed, listed
        seen += page.evaluate(STRINGS_JS)
        box = page.evaluate("(() => { const r = document.getElementById('map-canvas').getBoundingClientRect(); return [r.left, r.top]; })()")
        page.mouse.click(marker["x"] + box[0], marker["y"] + box[1])
        card = page.locator("#details .event-card").first
        text = card.inner_text()
        assert "Recensé par le graphe vérifié, ACLED, UCDP" in text
        rows = card.locator("ul.records li")
        assert rows.count() == 3
        by_set = {rows.nth(k).get_attribute("data-dataset"): rows.nth(k).inner_text() for k in range(3)}
        assert by_set["curated"].startswith("le graphe vérifié barsalogho_massacre_2024\u00a0: 24 août 2024, ")
        assert by_set["acled"].startswith(f"ACLED {acled_id}\u00a0: ") and " août 2024, " in by_set["acled"]
        assert "morts" in by_set["acled"] and "–" in by_set["ucdp"]
        seen += page.evaluate(STRINGS_JS)
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "fr-desktop-map-incidents.png"))
        assert opened.console_errors == []
    assert english_left(seen, data) == []
