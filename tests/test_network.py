"""The network (kg.ask.network): conversion from the store, snapshots, analysis, paths, export.

Counts are checked against the CSV files themselves; facts against the sources
(Operation Serval fought Ansar Dine from January 2013; JNIM was founded in 2017).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from kg.ask import network as kn
from kg.errors import UnknownNameError, UsageError
from kg.graph.vocab import vocabulary

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def g(curated):
    return kn.network(curated)


def rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def fought_pairs(graph) -> set[frozenset]:
    return {frozenset((u, v)) for u, v, d in graph.edges(data=True) if d["relation"] == "fought"}


def test_every_actor_and_every_statement(g):
    actors = {r["id"] for r in rows("actors.csv")}
    statements = rows("relations.csv")
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "actor"} == actors
    edges = {k: d for _u, _v, k, d in g.edges(keys=True, data=True) if d["evidence"] == "statement"}
    assert set(edges) == {r["id"] for r in statements}
    for r in statements:
        d = edges[r["id"]]
        assert d["relation"] == r["relation"]
        assert d["start"].isoformat().startswith(r["start"])
        one_off = vocabulary().relations[r["relation"]].one_off  # ends when it starts
        assert (d["end"] is None) == (r["end"] == "" and not one_off)
        assert d["sources"] == sorted(r["sources"].split(";"))
        assert d["certainty"] == r["certainty"]


def test_statement_edges_keep_direction_and_places(g):
    d = g.get_edge_data("wagner_group", "russia")["wagner_group_acts_for_russia"]
    assert d["relation"] == "acts_for" and d["symmetric"] is False
    assert d["start"] == date(2014, 1, 1) and d["start_precision"] == "Year" and d["end"] is None
    assert g.nodes["timbuktu"]["kind"] == "place"
    assert "GSIM" in g.nodes["jnim"]["aliases"]
    assert g.nodes["jnim"]["type"] == "armed_group" and g.nodes["jnim"]["orientation"] == "jihadist"


def test_combat_events_are_fought_edges_between_opposite_sides(g):
    konna = [(u, v) for u, v, d in g.edges(data=True) if d.get("event") == "battle_of_konna_2013"]
    pairs = {frozenset(p) for p in konna}
    assert frozenset(("ansar_dine", "french_armed_forces")) in pairs
    assert frozenset(("ansar_dine", "fama")) in pairs
    assert frozenset(("ansar_dine", "mujao")) not in pairs  # same side
    d = next(d for u, v, d in g.edges(data=True) if d.get("event") == "battle_of_konna_2013")
    assert d["relation"] == "fought" and d["evidence"] == "event" and d["label"] == "Battle of Konna"


def test_snapshot_by_year(g):
    y2013, y2024 = kn.snapshot(g, 2013), kn.snapshot(g, 2024)
    assert frozenset(("operation_serval", "ansar_dine")) in fought_pairs(y2013)
    assert frozenset(("operation_serval", "ansar_dine")) not in fought_pairs(y2024)
    assert "jnim" not in y2013  # founded in March 2017
    assert frozenset(("jnim", "fama")) in fought_pairs(y2024)
    assert not [d for _u, _v, d in y2024.edges("operation_serval", data=True) if d["relation"] == "fought"]


def test_snapshot_at_a_day_respects_the_start(g):
    before = kn.snapshot(g, date(2013, 1, 5))  # Serval began on 11 January 2013
    after = kn.snapshot(g, "2013-01-20")
    assert frozenset(("operation_serval", "ansar_dine")) not in fought_pairs(before)
    assert frozenset(("operation_serval", "ansar_dine")) in fought_pairs(after)


def test_an_ongoing_relation_runs_to_the_as_of_day(g):
    as_of = g.graph["as_of"]
    assert frozenset(("jnim", "fama")) in fought_pairs(kn.snapshot(g, as_of))


def test_snapshot_agrees_with_the_sparql_window(curated, g):
    for year in (2012, 2013, 2017, 2024):
        by_query = kn.network(curated, year=year)
        assert set(by_query.edges(keys=True)) == set(kn.snapshot(g, year).edges(keys=True))


def test_relation_filter_and_bad_input(curated):
    only = kn.network(curated, relations=["allied_with"], events=False)
    assert {d["relation"] for _u, _v, d in only.edges(data=True)} == {"allied_with"}
    with pytest.raises(UsageError, match="unknown relation type 'alied_with'"):
        kn.network(curated, relations=["alied_with"])
    with pytest.raises(UsageError, match="'2013-13' is not a"):
        kn.network(curated, start="2013-13")
    with pytest.raises(UsageError):
        kn.snapshot(nx.MultiDiGraph(), "last year")


# -- analysis --------------------------------------------------------------------


def test_analyze_2013_hubs_and_blocs(curated):
    result = kn.analyze(2013, store=curated)
    assert result["window"] == "2013"
    assert "fama" in [r["id"] for r in result["degree"][:5]]
    bloc_of = {i: b["bloc"] for b in result["blocs"] for i in b["ids"]}
    assert bloc_of["operation_serval"] == bloc_of["fama"] == bloc_of["chad_armed_forces"]
    assert bloc_of["ansar_dine"] == bloc_of["aqim"] == bloc_of["mujao"]
    assert bloc_of["ansar_dine"] != bloc_of["fama"]
    assert "jnim" not in bloc_of


def test_analyze_2024_jnim_is_the_hub(curated):
    result = kn.analyze(2024, store=curated)
    assert result["degree"][0]["id"] == "jnim"
    bloc_of = {i: b["bloc"] for b in result["blocs"] for i in b["ids"]}
    assert bloc_of["wagner_group"] == bloc_of["fama"] != bloc_of["jnim"]


def test_triads_2013_name_the_unbalanced_one(curated):
    triads = kn.analyze(2013, store=curated)["triads"]
    unbalanced = [t for t in triads if not t["balanced"]]
    # FAMa and the MNLA fought while both were allied with Operation Serval
    assert any(set(t["ids"]) == {"fama", "mnla", "operation_serval"} and t["signs"] == "++-" for t in unbalanced)
    assert all(t["signs"] in ("+++", "+--") for t in triads if t["balanced"])


def _signed(edges: list[tuple[str, str, str]]):
    g = nx.MultiDiGraph()
    for a, b, rel in edges:
        for n in (a, b):
            g.add_node(n, label=n.upper(), kind="actor")
        g.add_edge(a, b, relation=rel)
    return g


def test_blocs_and_triads_on_a_small_signed_graph():
    g = _signed([("a", "b", "allied_with"), ("c", "d", "allied_with"), ("a", "c", "fought"), ("a", "d", "fought"),
                 ("b", "d", "fought"), ("e", "c", "fought"), ("e", "d", "fought")])
    groups, exceptions = kn.blocs(g)
    # e shares the enemies c and d with a and b, and never fought them: the enemy of my enemy
    assert groups == [["a", "b", "e"], ["c", "d"]]
    assert exceptions == []
    kinds = sorted((sorted(t["ids"]), t["signs"], t["balanced"]) for t in kn.triads(g))
    assert kinds == [(["a", "b", "d"], "+--", True), (["a", "c", "d"], "+--", True),
                     (["c", "d", "e"], "+--", True)]
    mixed = _signed([("x", "y", "fought"), ("y", "z", "fought"), ("x", "z", "fought")])
    (t,) = kn.triads(mixed)
    assert t["signs"] == "---" and not t["balanced"] and "all fought each other" in t["reading"]


# -- paths -------------------------------------------------------------------------


def test_path_jnim_to_russia_in_2024_goes_through_wagner(curated):
    result = kn.path("JNIM", "Russia", year=2024, store=curated)
    (steps,) = result["paths"]
    assert [s["to_id"] for s in steps] == ["wagner_group", "russia"]
    assert steps[0]["relations"][0]["relation"] == "fought"
    assert steps[1]["relations"][0]["relation"] == "acts_for" and steps[1]["relations"][0]["forward"]
    text = kn.path_text(result)
    assert "--fought--> Wagner Group" in text and "--acts for--> Russia  (2014 – ongoing)" in text


def test_path_respects_time_and_direction(curated):
    assert kn.path("Ansar Dine", "Wagner", year=2013, store=curated)["paths"] == []
    back = kn.path("Russia", "JNIM", year=2024, store=curated)
    assert back["paths"][0][0]["relations"][0]["forward"] is False  # Wagner acts for Russia, not the reverse
    assert "No connection between Ansar Dine and Wagner Group (2013)" in kn.path_text(
        kn.path("Ansar Dine", "Wagner", year=2013, store=curated))


def test_path_bad_names(curated):
    with pytest.raises(UnknownNameError, match="did you mean"):
        kn.path("JNMI", "Russia", store=curated)
    with pytest.raises(UsageError, match="same actor"):
        kn.path("JNIM", "GSIM", store=curated)


# -- export ------------------------------------------------------------------------


def test_graphml_and_gexf_read_back(curated, g):
    graphml = nx.read_graphml(io.BytesIO(kn.export_network("graphml", curated)))
    assert graphml.number_of_nodes() == g.number_of_nodes()
    assert graphml.number_of_edges() == g.number_of_edges()
    assert graphml.nodes["jnim"]["label"] == "Jama'at Nusrat al-Islam wal-Muslimin"
    gexf = nx.read_gexf(io.BytesIO(kn.export_network("gexf", curated)))
    assert gexf.number_of_edges() == g.number_of_edges()
    assert b'timeformat="date"' in kn.export_network("gexf", curated)


def test_csv_edge_list(curated, g):
    text = kn.export_network("csv", curated).decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == g.number_of_edges()
    row = next(r for r in table if r["id"] == "ansar_dine_fought_operation_serval")
    assert (row["start"], row["end"], row["relation"]) == ("2013-01-11", "2014-07-15", "fought")


# -- the CLI ----------------------------------------------------------------------


def test_cli_path(kg):
    r = kg("path", "JNIM", "Russia", "--year", "2024")
    assert r.code == 0, r.stderr
    assert "--fought--> Wagner Group" in r.stdout
    r = kg("path", "goita", "Africa Corps", "--format", "json")
    assert r.code == 0 and json.loads(r.stdout)["from"] == "Assimi Goïta"
    r = kg("path", "Nobodyy", "JNIM")
    assert r.code == 2 and r.stderr.startswith("Error: no actor named 'Nobodyy'") and "Traceback" not in r.stderr


def test_cli_analyze(kg):
    r = kg("analyze", "--year", "2013", "--top", "3")
    assert r.code == 0, r.stderr
    assert "Blocs: allies together, enemies apart" in r.stdout and "Structural balance" in r.stdout
    data = json.loads(kg("analyze", "--year", "2024", "-f", "json").stdout)
    assert data["degree"][0]["id"] == "jnim"
    r = kg("analyze", "--from", "2014", "--to", "2013")
    assert r.code == 2 and "ends" in r.stderr


def test_cli_export_network(kg, tmp_path):
    out = tmp_path / "sahel.graphml"
    r = kg("export", "--format", "graphml", "-o", str(out))
    assert r.code == 0, r.stderr
    assert nx.read_graphml(out).number_of_nodes() > 100
    r = kg("export", "--format", "csv")
    assert r.stdout.startswith("id,subject_id,subject,relation")
    r = kg("export", "--format", "csv", "--graph", "curated")
    assert r.code == 2 and "--graph applies to the RDF formats" in r.stderr
