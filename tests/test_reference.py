"""The reference lists of data/reference/ as checklists (kg/graph/reference.py): every item
accounted for, what `kg check` says of an item without a status or with a status naming no
event, and what `kg stats --coverage` counts per list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import Problem
from kg.graph.reference import EXCLUDED, OUT_OF_SCOPE, accounting, read_lists

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = "date,place,country,name,deaths,status,reason,note\n"


def with_list(data: Path, *items: str, source: str = "wp_jnim") -> Path:
    folder = data / "reference"
    folder.mkdir()
    (folder / "lists.csv").write_text(f"file,source,scope\nlist_2024.csv,{source},items in Mali\n", encoding="utf-8")
    (folder / "list_2024.csv").write_text(HEADER + "".join(i + "\n" for i in items), encoding="utf-8")
    return folder / "list_2024.csv"


# the shipped lists


@pytest.fixture(scope="module")
def shipped():
    problems: list[Problem] = []
    lists = read_lists(DATA, problems)
    assert problems == []
    return lists


def test_every_item_of_every_shipped_list_has_a_status(shipped):
    assert shipped, "data/reference/ holds the lists coverage is judged against"
    missing = [f"{i.row.file}:{i.row.line}" for ref in shipped for i in ref.items if not i.status]
    assert missing == []


def test_the_items_in_scope_are_recorded(shipped):
    """The issue's bar: of the items that belong in the graph (all but those out of scope, under the threshold and
    duplicates), at least 95 % are recorded as events."""
    items = [i for ref in shipped for i in ref.items]
    in_scope = [i for i in items if not (i.excluded and i.reason in OUT_OF_SCOPE)]
    recorded = [i for i in in_scope if i.recorded]
    assert len(recorded) >= 0.95 * len(in_scope), (len(recorded), len(in_scope))


def test_every_excluded_item_says_why(shipped):
    for ref in shipped:
        for item in ref.items:
            if item.status == EXCLUDED:
                assert item.reason, f"{item.row.file}:{item.row.line}"
                if item.reason in ("duplicate", "unverifiable"):
                    assert item.row["note"], f"{item.row.file}:{item.row.line}: say which item or why"


def test_the_shipped_data_checks_without_reference_errors(kg):
    result = kg("check", "--rule", "reference-list", "--format", "json")
    assert result.code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["errors"] == 0


# what kg check and kg stats say


def test_an_item_without_a_status_is_a_warning_at_its_line(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_attack_2024,,",
              "2024-07-27,Tinzaouaten,mali,Battle of Tinzaouaten,,,,")
    result = kg("check", "--rule", "reference-list", data=minimal_data)
    assert result.code == 0, result.stderr
    assert "reference/list_2024.csv:3" in result.stdout
    assert "Battle of Tinzaouaten" in result.stdout and "has no status" in result.stdout
    assert "0 errors, 1 warning" in result.stdout


def test_a_status_naming_no_event_is_an_error(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_atack_2024,,")
    result = kg("check", data=minimal_data)
    assert result.code == 1
    assert "reference/list_2024.csv:2" in result.stdout
    assert "'bamako_atack_2024'" in result.stdout and "names no event" in result.stdout


def test_an_exclusion_without_a_known_reason_names_the_column(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,excluded,too small,")
    result = kg("check", "--rule", "reference-list", data=minimal_data)
    assert result.code == 1
    assert "reference/list_2024.csv:2" in result.stdout and "column 'reason'" in result.stdout
    assert "out_of_scope, under_threshold, duplicate, unverifiable" in result.stdout


def test_a_list_whose_source_is_missing_is_an_error(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_attack_2024,,", source="wp_nowhere")
    result = kg("check", "--rule", "reference-list", data=minimal_data)
    assert result.code == 1
    assert "reference/lists.csv:2" in result.stdout and "'wp_nowhere'" in result.stdout


def test_a_checklist_the_index_does_not_name_is_an_error(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_attack_2024,,")
    (minimal_data / "reference" / "stray.csv").write_text(HEADER, encoding="utf-8")
    result = kg("check", "--rule", "reference-list", data=minimal_data)
    assert result.code == 1
    assert "reference/stray.csv is a checklist that lists.csv does not name" in result.stdout


def test_stats_coverage_counts_each_list(minimal_data, kg):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_attack_2024,,",
              "2024-09-18,Bamako,mali,Same attack,77,excluded,duplicate,repeats line 2",
              "2024-10-01,Kati,mali,Unclear clash,,excluded,unverifiable,no report found",
              "2024-11-01,Gao,mali,Untracked item,,,,")
    result = kg("stats", "--coverage", "--format", "json", data=minimal_data)
    assert result.code == 0, result.stderr
    lists = json.loads(result.stdout)["lists"]
    row = lists[0]
    assert (row["list"], row["items"], row["recorded"], row["excluded"], row["no status"]) == \
        ("list_2024", 4, 1, 2, 1)
    assert row["in scope"] == 3 and row["recorded of in scope"] == "33 %" and row["excluded share"] == "50 %"
    assert lists[-1]["list"] == "all lists"
    table = kg("stats", "--coverage", data=minimal_data).stdout
    assert "Reference lists" in table and "list_2024" in table


def test_accounting_counts_out_of_scope_items_out(minimal_data):
    with_list(minimal_data, "2024-09-17,Bamako,mali,Bamako attack,77,bamako_attack_2024,,",
              "2024-09-18,Dakar,senegal,Elsewhere,,excluded,out_of_scope,another country")
    problems: list[Problem] = []
    rows = accounting(read_lists(minimal_data, problems))
    assert problems == []
    assert rows[0]["in scope"] == 1 and rows[0]["recorded of in scope"] == "100 %"
