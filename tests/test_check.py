"""kg check: the consistency rules of kg/checks, on the real data and on small broken copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.ask.check import check_graph, parse_rule, row_locations, rules
from kg.graph import namespaces as ns
from kg.graph.build import build
from kg.store.embedded import OxigraphStore


def findings_for(data_dir: Path):
    store = OxigraphStore()
    store.store.extend(build(data_dir))
    return check_graph(store, locations=row_locations(data_dir))


def append(path: Path, *lines: str) -> int:
    """Append CSV lines; return the line number of the first one."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    first = text.count("\n") + 1
    path.write_text(text + "".join(line + "\n" for line in lines), encoding="utf-8")
    return first


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_every_rule_has_an_id_a_severity_and_a_message():
    ids = [r.id for r in rules()]
    assert len(ids) == len(set(ids)) >= 10
    for rule in rules():
        assert rule.severity in ("error", "warning") and rule.message and rule.description


def test_a_rule_without_a_severity_is_refused():
    with pytest.raises(ValueError, match="severity"):
        parse_rule("broken", "# id: broken\n# message: x\nSELECT ?node WHERE { ?node ?p ?o }\n")


# The minimal case gives Mali and Bamako Wikidata ids without a data/wikidata.csv row that
# checked them: rule wikidata-unchecked says so (tests/test_wikidata.py tests that rule).
UNCHECKED = "wikidata-unchecked"


def test_the_minimal_data_set_is_consistent(minimal_data):
    found = findings_for(minimal_data)
    assert sorted(f.node for f in found if f.rule == UNCHECKED) == ["bamako", "mali"]
    assert [f for f in found if f.rule != UNCHECKED] == []


def test_the_curated_data_has_no_errors(kg):
    result = kg("check", "--format", "json")
    report = json.loads(result.stdout)
    assert result.code == 0, [f for f in report["findings"] if f["severity"] == "error"]
    assert report["errors"] == 0
    # every warning names the row to look at
    assert all(f["file"] and f["line"] for f in report["findings"])


def test_a_statement_before_its_actor_existed_is_an_error_at_its_row(minimal_data, kg):
    line = append(minimal_data / "relations.csv", "jnim_fought_fama_2,jnim,fought,fama,2015,2016,confirmed,wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "outside-lifespan"]
    assert [(f.file, f.line, f.severity) for f in found] == [("relations.csv", line, "error")]
    assert "jnim" in found[0].message and "2017-03-02" in found[0].message
    result = kg("check", data=minimal_data)
    assert result.code == 1
    assert f"relations.csv:{line}" in result.stdout and "outside-lifespan" in result.stdout


def test_a_year_start_in_the_founding_year_is_not_before_it(minimal_data):
    append(minimal_data / "relations.csv", "jnim_fought_fama_2,jnim,fought,fama,2017,2018,confirmed,wp_jnim,")
    assert [f for f in findings_for(minimal_data) if f.rule == "outside-lifespan"] == []


def test_membership_going_on_after_a_merger_is_an_error(minimal_data):
    append(minimal_data / "actors.csv", "old_group,Old group,armed_group,jihadist,,,2015,,mali,A group.,wp_jnim")
    line = append(minimal_data / "relations.csv",
                  "old_group_part_of_jnim,old_group,part_of,jnim,2017-03-02,,confirmed,wp_jnim,",
                  "old_group_merged_into_jnim,old_group,merged_into,jnim,2018-05,,confirmed,wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "membership-after-end"]
    assert [(f.line, f.severity) for f in found] == [(line, "error")]
    assert "merged" in found[0].message


def test_a_participant_that_did_not_exist_yet_is_an_error(minimal_data):
    replace(minimal_data / "actors.csv", "2017-03-02,,mali,An al-Qaeda", "2017-03-02,2020,mali,An al-Qaeda")
    found = [f for f in findings_for(minimal_data) if f.rule == "participation-outside-lifespan"]
    assert [(f.file, f.line) for f in found] == [("event_participants.csv", 2)]


def test_a_one_off_relation_over_years_is_an_error(minimal_data):
    line = append(minimal_data / "relations.csv", "jnim_expelled_fama,jnim,expelled,fama,2018,2021,confirmed,wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "one-off-long"]
    assert [(f.line, f.severity) for f in found] == [(line, "error")]


def test_allied_while_fighting_is_a_warning_when_both_sides_are_sourced(minimal_data, kg):
    line = append(minimal_data / "relations.csv", "jnim_allied_with_fama,jnim,allied_with,fama,2018,2019,confirmed,wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "allied-while-fighting"]
    assert [(f.line, f.severity, f.see) for f in found] == [(line, "warning", "relations.csv:2")]
    assert kg("check", data=minimal_data).code == 0


def test_opposite_sides_of_a_battle_without_a_fought_statement_is_a_warning(minimal_data):
    text = (minimal_data / "relations.csv").read_text(encoding="utf-8")
    (minimal_data / "relations.csv").write_text(
        "".join(line for line in text.splitlines(keepends=True) if not line.startswith("jnim_fought_fama,")),
        encoding="utf-8")
    found = [f for f in findings_for(minimal_data) if f.rule == "combat-without-fought"]
    assert [(f.file, f.line, f.severity) for f in found] == [("events.csv", 2, "warning")]
    assert "bamako_attack_2024" in found[0].message


def test_one_person_leading_two_groups_at_war_is_an_error(minimal_data):
    append(minimal_data / "actors.csv", "someone,Someone,person,,,,,,mali,A person.,wp_jnim")
    line = append(minimal_data / "relations.csv",
                  "someone_leads_jnim,someone,leads,jnim,2018,,confirmed,wp_jnim,",
                  "someone_leads_fama,someone,leads,fama,2019,2020,confirmed,wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "rival-leaders"]
    assert [(f.line, f.severity, f.see) for f in found] == [(line + 1, "error", f"relations.csv:{line}")] or \
        [(f.line, f.severity, f.see) for f in found] == [(line, "error", f"relations.csv:{line + 1}")]


def test_a_late_news_source_for_old_history_is_a_warning(minimal_data):
    source_line = append(minimal_data / "sources.csv",
                         "news_2025,A feature,A paper,2025-11,https://example.org/feature,news,")
    line = append(minimal_data / "relations.csv",
                  "jnim_fought_fama_2,jnim,fought,fama,2017-03,2018-06,confirmed,news_2025;wp_jnim,")
    found = [f for f in findings_for(minimal_data) if f.rule == "late-source"]
    assert [(f.line, f.severity, f.see) for f in found] == [(line, "warning", f"sources.csv:{source_line}")]


def test_two_sources_with_one_url_is_an_error(minimal_data):
    line = append(minimal_data / "sources.csv",
                  "wp_jnim_again,JNIM,Wikipedia,2025,http://en.wikipedia.org/wiki/Jama%27at_Nasr_al-Islam_wal-Muslimin/,encyclopedia,")
    found = [f for f in findings_for(minimal_data) if f.rule == "duplicate-url"]
    assert [(f.file, f.line, f.see) for f in found] == [("sources.csv", line, "sources.csv:2")]


def test_a_place_without_coordinates_is_a_warning(minimal_data):
    replace(minimal_data / "places.csv", "12.6392,-8.0029", ",")
    found = [f for f in findings_for(minimal_data) if f.rule == "place-without-coordinates"]
    assert [(f.file, f.line, f.severity) for f in found] == [("places.csv", 2, "warning")]


def test_one_wikidata_id_on_two_actors_is_an_error(minimal_data):
    replace(minimal_data / "actors.csv", "Malian Armed Forces,state_armed_forces,,FAMa,,",
            "Malian Armed Forces,state_armed_forces,,FAMa,Q912,")
    found = [f for f in findings_for(minimal_data) if f.rule == "duplicate-wikidata"]
    assert len(found) == 1 and found[0].severity == "error" and "Q912" in found[0].message
    assert {found[0].line, int(found[0].see.split(":")[1])} == {2, 4}


def test_check_all_also_reads_the_imports_graphs(minimal_data):
    store = OxigraphStore()
    store.store.extend(build(minimal_data))
    import pyoxigraph as ox

    acled = ox.NamedNode(ns.dataset_graph("acled"))
    stmt = ox.NamedNode(ns.dataset_ns("acled", "statement") + "x")
    date = ox.NamedNode(ns.XSD + "date")
    store.store.extend([
        ox.Quad(stmt, ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.SKG + "Statement"), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "subject"), ox.NamedNode(ns.ACTOR + "jnim"), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "predicate"), ox.NamedNode(ns.SKG + "fought"), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "object"), ox.NamedNode(ns.ACTOR + "fama"), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "start"), ox.Literal("2014-05-01", datatype=date), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "startPrecision"), ox.NamedNode(ns.SKG + "Day"), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "end"), ox.Literal("2014-05-02", datatype=date), acled),
        ox.Quad(stmt, ox.NamedNode(ns.SKG + "endPrecision"), ox.NamedNode(ns.SKG + "Day"), acled),
    ])
    assert [f for f in check_graph(store, locations=row_locations(minimal_data)) if f.rule != UNCHECKED] == []
    found = check_graph(store, include_imports=True, locations=row_locations(minimal_data))
    assert [(f.rule, f.graph, f.file) for f in found if f.rule != UNCHECKED] == [("outside-lifespan", "acled", None)]


def test_a_fought_statement_about_a_part_covers_the_whole(minimal_data):
    """Katiba Macina, part of JNIM, fought FAMa: the pair JNIM-FAMa of a battle is covered."""
    text = (minimal_data / "relations.csv").read_text(encoding="utf-8")
    (minimal_data / "relations.csv").write_text(
        "".join(line for line in text.splitlines(keepends=True) if not line.startswith("jnim_fought_fama,")),
        encoding="utf-8")
    append(minimal_data / "actors.csv", "katiba_macina,Katiba Macina,armed_group,jihadist,,,2015,,mali,A group.,wp_jnim")
    append(minimal_data / "relations.csv",
           "katiba_macina_part_of_jnim,katiba_macina,part_of,jnim,2017-03-02,,confirmed,wp_jnim,",
           "katiba_macina_fought_fama,katiba_macina,fought,fama,2015,,confirmed,wp_jnim,")
    assert [f for f in findings_for(minimal_data) if f.rule == "combat-without-fought"] == []
