"""Wikidata ids, checked: data/wikidata.csv (label, class, agreement with the big tables,
one item per row), kg check's rules, the link kg actor prints, and owl:sameAs in kg export."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from kg.errors import DataError
from kg.graph import namespaces as ns
from kg.graph.build import build

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def rows() -> list[dict]:
    return list(csv.DictReader((DATA / "wikidata.csv").open(encoding="utf-8")))


def edit_row(data: Path, rid: str, **cells) -> int:
    """Change cells of one wikidata.csv row; its line number."""
    path = data / "wikidata.csv"
    table = list(csv.DictReader(path.open(encoding="utf-8")))
    line = next(i for i, r in enumerate(table, start=2) if r["id"] == rid)
    for r in table:
        if r["id"] == rid:
            r.update(cells)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(table)
    return line


def problems(data: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        build(data)
    return [str(p) for p in info.value.problems]


def test_each_checked_id_is_in_the_graph_with_the_day_and_page_that_checked_it(curated):
    checked = rows()
    assert len(checked) >= 50
    states = [r for r in csv.DictReader((DATA / "actors.csv").open(encoding="utf-8")) if r["type"] == "state"]
    assert {r["id"] for r in states} <= {r["id"] for r in checked}  # every state, against Natural Earth
    for r in checked:
        assert r["source"].startswith("https://") and r["checked_on"]
    found = curated.select(f"""SELECT ?n ?item ?day ?page WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{
        ?n <{ns.OWL}sameAs> ?item ; <{ns.SKG}wikidataCheckedOn> ?day ; <{ns.SKG}wikidataSource> ?page }} }}""")
    by_id = {ns.local_id(r["n"]): ns.local_id(r["item"]) for r in found}
    assert by_id == {r["id"]: r["qid"] for r in checked}


def test_a_label_that_is_none_of_the_rows_names_is_refused(tmp_path):
    data = copy_data(tmp_path)
    line = edit_row(data, "bamako", wikidata_label="Gao")
    assert (f"wikidata.csv:{line}, column 'wikidata_label': 'Gao' is none of the names of 'bamako' (Bamako): "
            "wrong Q-id, or add the name as an alias") in problems(data)


def test_a_class_that_does_not_fit_the_row_is_refused(tmp_path):
    data = copy_data(tmp_path)
    line = edit_row(data, "gao", wikidata_type="human")
    found = problems(data)
    assert any(p.startswith(f"wikidata.csv:{line}, column 'wikidata_type': the item is a 'human', which does not fit 'gao', a city")
               for p in found), found


def test_an_id_that_disagrees_with_the_big_table_or_names_two_rows_is_refused(tmp_path):
    data = copy_data(tmp_path)
    line = edit_row(data, "bamako", qid="Q3777")  # Ouagadougou's item
    assert problems(data) == [f"wikidata.csv:{line}, column 'qid': Q3777 disagrees with places.csv:2, "
                              "which says Q3703; one of them is wrong"]
    data = copy_data(tmp_path / "again")
    edit_row(data, "kayes", qid="Q188904")  # Gao's item, on a row the big table gives none
    found = problems(data)
    assert any(p.endswith("column 'qid': Q188904 is given to both 'gao' and 'kayes': an item names one thing")
               for p in found), found


def test_unknown_ids_bad_days_and_missing_pages_are_refused(tmp_path):
    data = copy_data(tmp_path)
    with (data / "wikidata.csv").open("a", encoding="utf-8") as f:
        f.write("bamakko,Q1,Bamako,Natural Earth: Admin-0 capital,2026-12,\n")
    found = problems(data)
    line = len((data / "wikidata.csv").read_text(encoding="utf-8").splitlines())
    assert any(p.startswith(f"wikidata.csv:{line}, column 'id': unknown actor, place or event id 'bamakko'; "
                            "did you mean 'bamako'") for p in found), found
    assert f"wikidata.csv:{line}, column 'checked_on': give the day the item was checked, YYYY-MM-DD" in found
    assert f"wikidata.csv:{line}, column 'source': is empty; a value is required" in found


def test_kg_check_lists_the_ids_nobody_checked(kg, tmp_path):
    # A copy of the data without wikidata.csv's row for Putin: his Q7747 (actors.csv) is then unchecked.
    data = copy_data(tmp_path)
    path = data / "wikidata.csv"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(True)
                            if not line.startswith("vladimir_putin,")), encoding="utf-8")
    out = kg("check", "--rule", "wikidata-unchecked", "--format", "csv", data=data, home=tmp_path / "home")
    assert out.code == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any("actors.csv" in line and "Q7747" in line for line in lines)  # Putin: in actors.csv, no row checks it
    assert not any("Q3703" in line or "Q912" in line for line in lines)  # Bamako, Mali: checked against Natural Earth
    shipped = kg("check", "--rule", "wikidata-unchecked", "--format", "csv")
    assert not any("Q7747" in line for line in shipped.stdout.splitlines())  # the shipped data checks it


def test_kg_check_asks_for_a_french_label_where_a_french_source_gives_one(kg, tmp_path):
    data = copy_data(tmp_path)
    path = data / "labels_fr.csv"
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(True)
                            if not line.startswith("al_mulathamin,")), encoding="utf-8")
    out = kg("check", "--rule", "actor-without-french-label", data=data, home=tmp_path / "home")
    assert out.code == 0, out.stderr
    assert "actor-without-french-label: actor al_mulathamin (Al-Mulathameen Brigade) has no French label, " \
           "yet cites wpfr_les_signataires_par_le_sang, a French-language source" in out.stdout
    assert "actors.csv:" in out.stdout
    shipped = kg("check", "--rule", "actor-without-french-label")
    assert shipped.stdout.strip().endswith("0 errors, 0 warnings")


def test_kg_actor_prints_the_wikidata_link(kg):
    out = kg("actor", "Mali")
    assert "wikidata: https://www.wikidata.org/wiki/Q912" in " ".join(out.stdout.split())


def test_export_keeps_the_same_as_links_for_a_federated_query(kg):
    out = kg("export", "--format", "nt")
    assert f"<{ns.PLACE}bamako> <{ns.OWL}sameAs> <http://www.wikidata.org/entity/Q3703> ." in out.stdout
    assert f"<{ns.ACTOR}mali> <{ns.OWL}sameAs> <http://www.wikidata.org/entity/Q912> ." in out.stdout
