"""The interactive page (kg.explore.viz), read as a file: self-contained, escaped, with the
data the slider needs. tests/browser/ opens it in a real browser."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from kg.ask import network as kn
from kg.explore import viz

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def page(curated) -> str:
    return viz.viz(store=curated)["html"]


def page_data(html: str) -> dict:
    """The page's data block, with its map block as ``map`` (the page reads it when first asked for)."""
    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the page has no data block"
    data = viz.unpack(json.loads(m.group(1)))  # compact in the page: every field put back, as the page does
    m = re.search(r'<script id="kg-map" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the page has no map block"
    data["map"] = json.loads(m.group(1))
    if data["map"]:  # its events cite the page's sources by id, as the page reads them
        data["map"]["sources"] = [data["sources"][s] if isinstance(s, str) else s for s in data["map"]["sources"]]
    return data


def test_the_page_loads_nothing_from_outside(page):
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", page, re.I)
    assert not re.search(r"<link[^>]*>", page, re.I)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "vis.Network" in page and "div.vis-tooltip" in page  # vis-network's JS and CSS are inlined
    assert "Content-Security-Policy" in page and "connect-src 'none'" in page


def test_every_related_actor_and_every_relation_is_in_the_page(page, curated):
    data = page_data(page)
    g = kn.network(curated)
    related = {n for n in g if g.degree(n) > 0}
    assert {n["id"] for n in data["nodes"]} == related
    actors = {r["id"] for r in csv.DictReader(open(DATA / "actors.csv", encoding="utf-8"))}
    assert len(related & actors) >= 100
    # one drawn edge per pair and relation type; every statement lands in one
    drawn = {(e["from"], e["relation"], e["to"]) for e in data["edges"]}
    for u, v, d in g.edges(data=True):
        a, b = sorted((u, v)) if d["symmetric"] else (u, v)
        assert (a, d["relation"], b) in drawn


def test_edges_carry_their_years_periods_events_and_sources(page):
    edges = {e["id"]: e for e in page_data(page)["edges"]}
    serval = edges["ansar_dine|fought|operation_serval"]
    assert serval["spans"] == [[2013, 2014]]
    assert serval["periods"] == ["2013-01-11 – 2014-07-15"]
    source = page_data(page)["sources"][serval["sources"][0]]  # ids into the page's table of sources
    assert source["title"] and source["url"].startswith("https://") and source["publisher"] and source["date"]
    konna = edges["ansar_dine|fought|french_armed_forces"]
    assert any(e.startswith("Battle of Konna") for e in konna["events"])
    assert konna["width"] > edges["ansar_dine|fought|operation_serval"]["width"]  # wider: more events
    jnim = edges["fama|fought|jnim"]
    assert jnim["spans"][-1][1] == 2025  # ongoing: to the as-of year


def test_legend_and_slider_range(page):
    data = page_data(page)
    kinds = {item["kind"] for item in data["legend"]["nodes"]}
    assert {"armed_group/jihadist", "state", "private_military_company", "place"} <= kinds
    relations = {item["relation"] for item in data["legend"]["edges"]}
    assert {"fought", "allied_with", "leads", "succeeded"} <= relations
    first, last = data["years"]
    assert first <= 2012 and last == 2025
    assert data["initialYear"] is None


def test_positions_are_computed_and_spread(page):
    nodes = page_data(page)["nodes"]
    points = {(n["x"], n["y"]) for n in nodes}
    assert len(points) == len(nodes)  # no two nodes on the same spot


def test_year_page_holds_only_that_year(curated):
    result = viz.viz(year=2013, store=curated)
    data = page_data(result["html"])
    assert data["initialYear"] == 2013
    ids = {n["id"] for n in data["nodes"]}
    assert "operation_serval" in ids and "jnim" not in ids
    assert result["edges"] == len(data["edges"])


def test_focus_keeps_the_neighbourhood(curated):
    data = page_data(viz.viz(focus="GSIM", depth=1, store=curated)["html"])
    ids = {n["id"] for n in data["nodes"]}
    assert "jnim" in ids and "wagner_group" in ids
    assert "operation_serval" not in ids  # ended before JNIM existed: two steps away at least
    assert all("jnim" in (e["from"], e["to"]) or {e["from"], e["to"]} <= ids for e in data["edges"])
    m = data["map"]  # the map: the events of the actors shown, and only those
    shown = {k for k, a in enumerate(m["actors"]) if a[0] in ids}
    assert m["events"]["id"] and "bamako_attack_2024" in m["events"]["id"]
    assert all(any(shown.intersection(m["groups"][m["events"][c][i]]) for c in ("a", "b", "o"))
               for i in range(len(m["events"]["id"])))


def test_text_from_the_data_cannot_become_markup():
    import networkx as nx

    g = nx.MultiDiGraph(as_of=None)
    evil = '</script><script>alert(1)</script> & <b>"bold"</b>'
    g.add_node("x", label=evil, kind="actor", type="armed_group", aliases=[evil], description=evil)
    g.add_node("y", label="Y", kind="actor", type="state")
    from datetime import date

    g.add_edge("x", "y", key="s", relation="fought", relation_label=evil, symmetric=True, evidence="statement",
               label=None, start=date(2013, 1, 1), end=None, start_precision="Year", end_precision=None,
               certainty="confirmed", sources=["src"], fatalities=None)
    html = viz.render(viz.pyvis_network(g, {"src": {"title": evil, "url": "javascript:alert(1)"}}), title=evil)
    js, css = viz._vis_assets()
    ours = html.replace(js, "").replace(css, "")  # vis-network's own code mentions <b> tags
    assert "<script>alert(1)" not in ours and "<b>" not in ours
    assert ours.count("<script") == 6  # the data and map blocks, vis-network, the map, the timeline, the page's own code
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in ours  # the title, escaped by the template
    data = page_data(html)
    assert data["nodes"][0]["label"] == evil  # the JSON still holds the exact text


def test_bad_arguments(curated):
    from kg.errors import UsageError

    with pytest.raises(UsageError, match="depth"):
        viz.viz(focus="JNIM", depth=0, store=curated)
    with pytest.raises(UsageError, match="no relation in the window"):
        viz.viz(focus="JNIM", year=2013, store=curated)


def test_cli_viz_writes_the_page(kg, tmp_path):
    out = tmp_path / "sahel.html"
    r = kg("viz", "-o", str(out))
    assert r.code == 0, r.stderr
    assert r.stdout.startswith(f"wrote {out}:")
    assert page_data(out.read_text(encoding="utf-8"))["nodes"]
    assert not (tmp_path / "lib").exists() and not (Path.cwd() / "lib").exists()
    r = kg("viz", "--relations", "fought,alied_with", "-o", str(tmp_path / "x.html"))
    assert r.code == 2 and "unknown relation type 'alied_with'" in r.stderr
    assert not (tmp_path / "x.html").exists()


# -- the map and the timeline (issue 16) ------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def event_at(data: dict, event: str) -> dict:
    m = data["map"]
    ev = m["events"]
    i = ev["id"].index(event)
    names = lambda g: [m["actors"][a][1] for a in m["groups"][g]]  # noqa: E731
    return {"place": m["places"][ev["place"][i]], "kind": m["kinds"][ev["kind"][i]]["key"],
            "type": m["types"][ev["type"][i]], "deaths": ev["deaths"][i], "a": names(ev["a"][i]),
            "b": names(ev["b"][i]), "others": names(ev["o"][i]),
            "sources": [m["sources"][s]["title"] for s in m["groups"][ev["src"][i]]]}


def test_the_map_holds_every_curated_event_at_its_place(page):
    data = page_data(page)
    m = data["map"]
    with open(DATA / "events.csv", encoding="utf-8") as f:
        events = {r["id"]: r for r in csv.DictReader(f)}
    with open(DATA / "places.csv", encoding="utf-8") as f:
        places = {r["id"]: r for r in csv.DictReader(f)}
    with open(DATA / "actors.csv", encoding="utf-8") as f:
        actors = {r["id"]: r for r in csv.DictReader(f)}
    drawn = set(m["events"]["id"])
    assert drawn | {e for e in events if e not in drawn} == set(events)
    assert len(drawn) + m["unplacedCount"] == len(events)
    for eid in drawn:  # each at its place's coordinates, or at the middle of its country
        place = events[eid]["place"]
        label, lat, lon, origin = event_at(data, eid)["place"]
        if place in places and places[place]["lat"]:  # a point, or an area (a region, a border area: issue 23)
            area = places[place]["type"] in ("region", "border_area")
            assert (lat, lon, origin) == (round(float(places[place]["lat"]), 3), round(float(places[place]["lon"]), 3),
                                          3 if area else 1)
        else:
            assert origin == 2 and (actors[place]["type"], label) == ("state", actors[place]["label"])
    unplaced = {u[0] for u in m["unplaced"]}
    for eid, r in events.items():  # the others are listed apart: no place, or a place with no position
        if eid not in drawn:
            assert r["label"] in unplaced
            assert not r["place"] or (r["place"] in places and not places[r["place"]]["lat"]) or (
                actors[r["place"]]["type"] == "state" and r["place"] not in ("mali", "niger", "burkina_faso"))
    tinza = event_at(data, "tinzaouaten_ambush_2024")
    assert tinza["place"][0] == "Tinzaouaten" and tinza["deaths"] == 131 and tinza["kind"] == "attack"
    assert "Jama'at Nusrat al-Islam wal-Muslimin" in tinza["a"] and "Wagner Group" in tinza["b"]
    assert tinza["sources"]
    mali = next(c for c in m["borders"] if c["name"] == "Mali")
    assert mali["focus"] and len(mali["rings"][0]) > 40  # Natural Earth's outline, simplified
    assert "Natural Earth" in m["bordersSource"] and "public domain" in m["bordersLicence"]


def test_the_page_stays_under_2_mb(page):
    assert len(page.encode("utf-8")) < 2_000_000


def test_imported_events_are_on_the_map_with_their_sides(kg, tmp_path):
    home = tmp_path / "home"
    for kind, name in (("acled", "acled_sample.csv"), ("ucdp", "ucdp_ged_sample.csv")):
        r = kg("import", kind, str(FIXTURES / name), home=home)
        assert r.code == 0, r.stderr
    out = tmp_path / "page.html"
    r = kg("viz", "-o", str(out), home=home)
    assert r.code == 0, r.stderr
    data = page_data(out.read_text(encoding="utf-8"))
    ids = data["map"]["events"]["id"]
    with open(FIXTURES / "acled_sample.csv", encoding="utf-8") as f:
        acled = list(csv.DictReader(f))
    with open(FIXTURES / "ucdp_ged_sample.csv", encoding="utf-8") as f:
        ucdp = list(csv.DictReader(f))
    assert sum(1 for i in ids if i.startswith("acled/")) == len(acled)
    assert sum(1 for i in ids if i.startswith("ucdp/")) == len(ucdp)
    first = event_at(data, next(i for i in ids if i.endswith("MLI30001")))
    assert first["place"][:3] == ["Mondoro", 14.605, -1.956] and first["deaths"] == 27
    assert first["kind"] == "battle" and first["type"] == "Armed clash"
    assert first["a"] == ["Jama'at Nusrat al-Islam wal-Muslimin"] and first["b"] == ["Malian Armed Forces"]
    assert first["sources"] == ["AFP; Le Monde"]


def test_kg_timeline_html(kg, tmp_path):
    out = tmp_path / "jnim.html"
    r = kg("timeline", "GSIM", "--format", "html", "-o", str(out))
    assert r.code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    data = page_data(html)
    assert data["focus"] == "jnim"
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html, re.I) and "KGTimeline" in html
    fought = [it for e in data["edges"] if e["relation"] == "fought" for it in e["items"]]
    assert any(it["s"] == "2017-03-02" and it["e"] is None for it in fought)  # ongoing: no end
    assert all(ev_jnim(data, i) for i in range(len(data["map"]["events"]["id"])))  # only JNIM's events
    assert data["map"]["events"]["id"] and "bamako_attack_2024" in data["map"]["events"]["id"]
    r = kg("timeline", "JNIM", "--format", "html")  # no -o: the page on standard output
    assert r.code == 0 and r.stdout.startswith("<!DOCTYPE html>")
    for args, message in ((("timeline", "--format", "html"), "give its NAME"),
                          (("timeline", "JNIM", "--format", "html", "--year", "2020"), "leave out --year"),
                          (("timeline", "JNIM", "-o", str(tmp_path / "x.html")), "--output is for --format html"),
                          (("timeline", "Nobody at all", "--format", "html", "-o", str(tmp_path / "y.html")), "")):
        r = kg(*args)
        assert r.code == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "y.html").exists()


def ev_jnim(data: dict, i: int) -> bool:
    m = data["map"]
    jnim = next(k for k, a in enumerate(m["actors"]) if a[0] == "jnim")
    return any(jnim in m["groups"][m["events"][c][i]] for c in ("a", "b", "o"))


def test_the_data_block_is_compact_and_unpacks_to_every_field(curated):
    """The page's weight (issue 23): fields at their default and what follows from the rest are
    not written; viz.unpack (as the page's KGTimeline.unpack) gives the same nodes, edges and
    sources back. The map's block comes after the page's script: the network is drawn first."""
    from kg.explore.styles import page_sources

    g = kn.network(curated)
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    sources = page_sources(curated)
    net = viz.pyvis_network(g, sources)
    html = viz.render(net, as_of=g.graph["as_of"], sources=sources)
    raw = json.loads(re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert not any("id" in e or "periods" in e or "count" in e for e in raw["edges"])
    assert not any("color" in n or "shape" in n or n.get("description", 1) is None for n in raw["nodes"])
    assert all(isinstance(s, list) for s in raw["sources"].values())
    data = viz.unpack(raw)
    assert data["nodes"] == net.nodes and data["edges"] == net.edges
    assert all(data["sources"][k] == sources[k] for k in data["sources"])
    assert html.index('<script id="kg-map"') > html.index("KGTimeline.lazyMap(JSON.parse")
