"""The question commands, run as a user runs them: a new process, the real entry point."""

from __future__ import annotations

import json

import pytest


def test_fought_jnim_in_2024_prints_a_table(kg):
    result = kg("fought", "JNIM", "--year", "2024")
    assert result.code == 0, result.stderr
    header = result.stdout.splitlines()[0].split()
    # "also direct" when a via row shares events with a direct row of its pair (issue 22)
    assert header in (["actor", "opponent", "periods", "events", "fatalities", "via", "sources"],
                      ["actor", "opponent", "periods", "events", "fatalities", "via", "also", "direct", "sources"])
    assert "Wagner Group" in result.stdout and "Malian Armed Forces" in result.stdout
    assert "Africa Corps" not in result.stdout


def test_fought_json_follows_the_documented_contract(kg):
    result = kg("fought", "Wagner", "JNIM", "--format", "json")
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows
    for row in rows:
        assert {"actor", "opponent", "actor_id", "opponent_id", "periods", "events", "fatalities",
                "sources", "via"} <= set(row)
        assert row["actor_id"] == "wagner_group" and row["opponent_id"] == "jnim"
        for period in row["periods"]:
            assert set(period) >= {"start", "end"}


def test_fought_prints_its_whole_answer_before_it_ends_without_teardown(kg, store, tmp_path):
    """kg fought ends at once after its answer (cli._exit_at_once): every byte is out,
    through a pipe and into a file, and the store's reader lock goes with the process."""
    from kg.ask.fought import fought

    expected = [{k: v for k, v in r.items() if k != "period_text"} for r in fought(store=store)]
    result = kg("fought", "--format", "json")  # every pair: the longest answer
    assert result.code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))
    assert kg("fought", "--format", "csv").stdout.count("\n") == len(expected) + 1

    home = tmp_path / "home"
    assert kg("fought", "JNIM", "--year", "2024", home=home).code == 0
    before = (home / "store").resolve()
    assert kg("build", home=home).code == 0
    assert (home / "store").resolve() != before
    assert not before.exists()  # no reader left: the next write could remove the old store


def test_fought_is_symmetric_on_the_command_line(kg):
    ab = json.loads(kg("fought", "JNIM", "Wagner", "-f", "json").stdout)
    ba = json.loads(kg("fought", "Wagner", "JNIM", "-f", "json").stdout)
    assert [r["periods"] for r in ab] == [r["periods"] for r in ba]


def test_fought_csv_and_a_window(kg):
    result = kg("fought", "France", "--from", "2013-01", "--to", "2014-06", "--format", "csv")
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "actor,opponent,periods,events,fatalities,via,sources"
    assert any("Ansar Dine" in line and "Operation Serval" in line for line in lines[1:])


def test_fought_year_lists_everyone_who_fought_that_year(kg):
    rows = json.loads(kg("fought", "--year", "2013", "-f", "json").stdout)
    assert {"ansar_dine", "operation_serval"} in [{r["actor_id"], r["opponent_id"]} for r in rows]


def test_fought_exact_turns_roll_up_off(kg):
    rolled = kg("fought", "Mali", "--year", "2024").stdout
    exact = kg("fought", "Mali", "--year", "2024", "--exact").stdout
    assert "Malian Armed Forces" in rolled and "(no rows)" in exact


def test_show_sparql_prints_the_queries_it_ran(kg):
    result = kg("fought", "JNIM", "--year", "2024", "--show-sparql")
    assert result.stdout.count("# title: Fought statements") >= 1
    assert "VALUES (?from ?to ?actor)" in result.stdout
    assert "<https://w3id.org/sahel-kg/id/actor/jnim>" in result.stdout


@pytest.mark.parametrize("typed", ["goita", "GSIM", "Katiba Macina", "africa corps"])
def test_names_are_accepted_in_any_form(kg, typed):
    assert kg("actor", typed).code == 0


def test_an_unknown_name_says_did_you_mean_and_exits_2(kg):
    result = kg("fought", "Wagnr")
    assert result.code == 2
    assert result.stderr.startswith("Error: no actor named 'Wagnr'; did you mean: Wagner Group (wagner_group)")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("fought", "JNIM", "--from", "2024-13"), "'2024-13' is not a real month"),
        (("fought", "JNIM", "--to", "24/07/2024"), "expected YYYY, YYYY-MM or YYYY-MM-DD"),
        (("fought", "JNIM", "--year", "2024", "--from", "2024"), "either a year or from/to"),
        (("fought", "JNIM", "--format", "xml"), "xml"),
        (("fought", "JNIM", "--source", "wiki"), "unknown source 'wiki'"),
        (("relations", "JNIM", "--type", "hates"), "unknown relation type 'hates'"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(kg, args, message):
    result = kg(*args)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_actor_profile(kg):
    result = kg("actor", "Wagner")
    assert result.code == 0
    out = result.stdout
    assert out.startswith("Wagner Group  (wagner_group)")
    assert "Yevgeny Prigozhin" in out and "2023-08-23" in out  # its leader until his death
    assert "Succeeded by" in out and "Africa Corps" in out
    profile = json.loads(kg("actor", "JNIM", "--format", "json").stdout)
    assert profile["leaders"][0]["actor_id"] == "iyad_ag_ghaly"
    assert {"ansar_dine", "katiba_macina", "al_mourabitoun"} <= {c["actor_id"] for c in profile["components"]}
    assert "GSIM" in profile["aliases"]


def test_timeline_is_in_date_order(kg):
    rows = json.loads(kg("timeline", "Goïta", "-f", "json").stdout)
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    assert any("2020 Malian coup" in r["what"] for r in rows)
    window = json.loads(kg("timeline", "--from", "2024-07", "--to", "2024-07", "-f", "json").stdout)
    assert any(r["id"] == "tinzaouaten_ambush_2024" for r in window)
    assert all(r["date"] <= "2024-07-31" for r in window)


def test_relations_of_an_actor_by_type_and_year(kg):
    rows = json.loads(kg("relations", "Mali junta", "--type", "allied_with", "--year", "2024", "-f", "json").stdout)
    allies = {r["object_id"] for r in rows} | {r["subject_id"] for r in rows}
    assert {"burkina_junta_traore", "niger_junta"} <= allies
    assert all(r["relation"] == "allied_with" for r in rows)
