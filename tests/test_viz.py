"""The interactive page (kg.viz), read as a file: self-contained, escaped, with the
data the slider needs. tests/browser/ opens it in a real browser."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from kg import network as kn
from kg import viz

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def page(curated) -> str:
    return viz.viz(store=curated)["html"]


def page_data(html: str) -> dict:
    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    assert m, "the page has no data block"
    return json.loads(m.group(1))


def test_the_page_loads_nothing_from_outside(page):
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", page, re.I)
    assert not re.search(r"<link[^>]*>", page, re.I)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "vis.Network" in page and ".vis-network" in page  # vis-network's JS and CSS are inlined
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
    assert serval["sources"][0]["title"] and serval["sources"][0]["url"].startswith("https://")
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
    assert ours.count("<script") == 5  # the data block, vis-network, the map, the timeline, the page's own code
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
