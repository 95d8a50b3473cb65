"""build, validate, stats and export, through the real entry point."""

from __future__ import annotations

import json

import rdflib


def test_build_reports_counts_and_caches(kg, tmp_path):
    result = kg("build", home=tmp_path / "home")
    assert result.code == 0, result.stderr
    assert "109 actors" in result.stdout or "actors" in result.stdout
    assert "valid against the shapes" in result.stdout
    assert (tmp_path / "home" / "store").is_dir()


def test_build_writes_a_file_atomically(kg, tmp_path):
    out = tmp_path / "out" / "graph.ttl"
    result = kg("build", "-o", str(out), "--format", "ttl", home=tmp_path / "home")
    assert result.code == 0
    graph = rdflib.Graph().parse(out, format="turtle")
    assert len(graph) > 5000
    assert not list(out.parent.glob(".*tmp")), "no temporary file left behind"


def test_validate_passes_on_the_shipped_data(kg):
    result = kg("validate")
    assert result.code == 0
    assert result.stdout.strip() == "conforms: the graph satisfies every shape"


def test_stats_counts_by_class_relation_year_and_source(kg):
    stats = json.loads(kg("stats", "--format", "json").stdout)
    classes = {c["class"]: c["count"] for c in stats["classes"] if c["graph"] == "curated"}
    assert classes["statement"] >= 200 and classes["source"] >= 100
    relations = {r["relation"]: r["count"] for r in stats["relations"]}
    assert relations["fought"] >= 50
    years = {y["year"]: y for y in stats["years"]}
    assert years[2013]["events"] >= 5 and years[2024]["statements_active"] > years[2012]["statements_active"]
    assert stats["sources"][0]["facts"] >= stats["sources"][-1]["facts"]
    table = kg("stats").stdout
    for title in ("By class", "By relation type", "By year", "By source"):
        assert title in table


def test_stats_brief_is_a_short_summary_of_the_same_counts(kg):
    full = json.loads(kg("stats", "--format", "json").stdout)
    brief = json.loads(kg("stats", "--brief", "--format", "json").stdout)
    assert brief["classes"] == [c for c in full["classes"] if c["graph"] == "curated"][:5]
    assert brief["relations"][0] == {"graph": "curated", "relation": "fought", "count": full["relations"][0]["count"]}
    assert brief["covered"] == [{"from": full["years"][0]["year"], "to": full["years"][-1]["year"],
                                 "sources": len(full["sources"])}]
    table = kg("stats", "--brief").stdout
    assert len(table.splitlines()) < 30 and "Top 5 relation types" in table and "By source" not in table


def test_export_in_every_format_is_deterministic_and_parses(kg):
    for fmt, parser in (("ttl", "turtle"), ("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")):
        first = kg("export", "--format", fmt)
        second = kg("export", "--format", fmt, env={"PYTHONHASHSEED": "7"})
        assert first.code == 0 and first.stdout == second.stdout, fmt
        data = rdflib.Dataset()
        data.parse(data=first.stdout, format=parser)
        assert len(data) > 5000 or sum(len(g) for g in data.graphs()) > 5000


def test_export_one_graph_and_an_unknown_graph(kg, tmp_path):
    out = tmp_path / "curated.nq"
    assert kg("export", "-f", "nq", "--graph", "curated", "-o", str(out)).code == 0
    assert all("/graph/curated>" in line for line in out.read_text().splitlines())
    result = kg("export", "--graph", "acledd")
    assert result.code == 2 and "no graph named acledd" in result.stderr


def test_export_an_unknown_format_is_a_usage_error(kg):
    result = kg("export", "--format", "rdfxml2")
    assert result.code == 2
    assert "rdfxml2" in result.stderr
