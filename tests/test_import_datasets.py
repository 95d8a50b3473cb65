"""Several files per data set (kg/imports/importer.py, additions.py, catalog.py): one
import of several files, later imports that add, the newer row of an event winning,
--replace, kg drop --file, kg sources per file, --unresolved, and the Mali fixture."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MALI = FIXTURES / "acled_mali_2020.csv"


def _run(kg, home: Path, *args: str) -> str:
    result = kg(*args, home=home)
    assert result.code == 0, result.stderr
    return result.stdout


def _json(kg, home: Path, *args: str):
    return json.loads(_run(kg, home, *args, "--format", "json"))


def _fought(kg, home: Path, *args: str) -> dict[str, tuple[int, int]]:
    rows = _json(kg, home, "fought", *args)
    return {r["opponent_id"]: (r["events"], r["fatalities"]) for r in rows}


def _split(tmp_path: Path) -> tuple[Path, Path]:
    """The Mali fixture cut in two, as ACLED's export tool splits a large request."""
    header, *rows = MALI.read_text().splitlines()
    a, b = tmp_path / "mali-a.csv", tmp_path / "mali-b.csv"
    a.write_text("\n".join([header, *rows[:10]]) + "\n")
    b.write_text("\n".join([header, *rows[10:]]) + "\n")
    return a, b


@pytest.fixture(scope="module")
def mali(kg, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("mali")
    _run(kg, home, "import", "acled", str(MALI))
    return home


def test_the_battles_of_the_raw_file_are_in_kg_fought(kg, mali):
    assert _fought(kg, mali, "France", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (7, 42)}
    assert _fought(kg, mali, "JNIM", "Mali", "--source", "acled", "--year", "2020")["mali"][0] == 3
    assert _fought(kg, mali, "JNIM", "MINUSMA", "--source", "acled", "--year", "2020") == {"minusma": (1, 1)}
    assert _fought(kg, mali, "GATIA", "--source", "acled", "--year", "2020") == {"is_sahel": (1, 6)}
    assert _fought(kg, mali, "MSA", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (2, 9)}
    assert _fought(kg, mali, "Dan Na Ambassagou", "--source", "acled", "--exact")["jnim"] == (1, 6)
    # "JNIM and/or ISGS" fought France: a possible actor, never counted as a confirmed fought
    assert _fought(kg, mali, "JNIM", "France", "--source", "acled") == {}


def test_two_files_in_one_import_make_one_data_set(kg, tmp_path):
    a, b = _split(tmp_path)
    report = _json(kg, tmp_path, "import", "acled", str(a), str(b))
    assert [f["file"] for f in report["files"]] == ["mali-a.csv", "mali-b.csv"]
    assert report["events"] == 21
    listed = [r for r in _json(kg, tmp_path, "sources") if r["name"] == "acled"]
    assert [(r["file"], r["rows"]) for r in listed] == [("mali-a.csv", 10), ("mali-b.csv", 11)]
    assert all(r["placed"] == "100.0%" for r in listed)
    assert _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (7, 42)}


def test_a_later_import_adds_and_the_newer_row_wins(kg, tmp_path):
    a, b = _split(tmp_path)
    _run(kg, tmp_path, "import", "acled", str(a))
    out = _run(kg, tmp_path, "import", "acled", str(b))
    assert out.startswith("added to acled from mali-b.csv") and "kept 10 events" in out
    assert _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (7, 42)}
    # a newer export of the same event (MLI8001, the 2020-02-14 battle) with corrected fatalities
    header, *rows = a.read_text().splitlines()
    fixed = [r.replace(",French troops clashed with ISGS fighters.,12,", ",French troops clashed with ISGS fighters.,20,")
             for r in rows if r.startswith("MLI8001,")]
    assert len(fixed) == 1 and fixed[0] != rows[1]
    newer = tmp_path / "mali-update.csv"
    newer.write_text("\n".join([header, *fixed]) + "\n")
    _run(kg, tmp_path, "import", "acled", str(newer))
    assert _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (7, 50)}
    listed = {r["file"]: r["rows"] for r in _json(kg, tmp_path, "sources") if r["name"] == "acled"}
    assert listed == {"mali-a.csv": 9, "mali-b.csv": 11, "mali-update.csv": 1}
    # kg drop --file: that file's events go, the others' stay and are counted again
    assert "dropped mali-a.csv from acled" in _run(kg, tmp_path, "drop", "acled", "--file", "mali-a.csv")
    listed = {r["file"]: r["rows"] for r in _json(kg, tmp_path, "sources") if r["name"] == "acled"}
    assert listed == {"mali-b.csv": 11, "mali-update.csv": 1}
    # only the updated MLI8001 is left of the France-ISGS battles (the others were in mali-a.csv)
    assert _fought(kg, tmp_path, "France", "ISGS", "--source", "acled", "--year", "2020") == {"is_sahel": (1, 20)}
    # --replace starts the data set afresh
    _run(kg, tmp_path, "import", "acled", str(MALI), "--replace")
    listed = {r["file"]: r["rows"] for r in _json(kg, tmp_path, "sources") if r["name"] == "acled"}
    assert listed == {"acled_mali_2020.csv": 21}
    missing = kg("drop", "acled", "--file", "nope.csv", home=tmp_path)
    assert missing.code == 2 and "no file 'nope.csv' in the data set 'acled'; its files: acled_mali_2020.csv" in missing.stderr


def test_a_year_after_later_imports_and_a_drop_is_the_year_of_one_import(kg, mali, tmp_path):
    """The year index is written afresh with the data set, never carried over from its earlier files."""
    a, b = _split(tmp_path)
    whole = _json(kg, mali, "fought", "--year", "2020", "--source", "acled")
    _run(kg, tmp_path, "import", "acled", str(a))
    _run(kg, tmp_path, "import", "acled", str(b))
    assert whole and _json(kg, tmp_path, "fought", "--year", "2020", "--source", "acled") == whole
    counts = _json(kg, tmp_path, "query", "SELECT ?node (COUNT(?a) AS ?n) "
                   "WHERE { GRAPH ?g { ?node skg:pairAnswers ?a } } GROUP BY ?node")
    counts = [b["n"]["value"] for b in counts["results"]["bindings"]]  # SPARQL JSON results
    assert counts and set(counts) == {"1"}  # one literal per year: none carried over
    _run(kg, tmp_path, "drop", "acled", "--file", "mali-a.csv")
    alone = tmp_path / "alone"
    _run(kg, alone, "import", "acled", str(b))
    assert _json(kg, tmp_path, "fought", "--year", "2020") == _json(kg, alone, "fought", "--year", "2020")


def _graph_view(home: Path) -> tuple[set, dict]:
    """The acled graph of the store in ``home`` as a set, but what differs by how and when
    it was imported (timestamps, each file's counts at its import: kg sources counts what
    each holds now) and the names each import voted on (skg:datasetName); the year
    index's lines one by one (their order is not meaningful); and the data set's description."""
    import pyoxigraph as ox

    skg = "https://w3id.org/sahel-kg/ontology#"
    store = ox.Store.read_only(str((home / "store").resolve()))
    g = ox.NamedNode("https://w3id.org/sahel-kg/graph/acled")
    dataset = "https://w3id.org/sahel-kg/id/dataset/acled"
    out = set()
    for q in store.quads_for_pattern(None, None, None, g):
        s, p = q.subject.value, q.predicate.value
        if s == dataset or s.startswith(dataset + "/file/") or p.endswith("generatedAtTime") \
                or p == skg + "datasetName":
            continue
        if p == skg + "pairAnswers":
            out.update((s, p, line) for line in q.object.value.split("\n"))
        else:
            out.add((s, p, str(q.object)))
    described = {q.predicate.value: str(q.object) for q in store.quads_for_pattern(ox.NamedNode(dataset), None, None, g)
                 if not q.predicate.value.endswith("generatedAtTime")}
    return out, described


def test_an_addition_writes_what_one_import_of_the_same_files_writes(kg, tmp_path):
    """Adding files rewrites only the summaries they change (additions.Recount): the summaries,
    pair-years, year index, direct triples and events end as one import of the final files
    makes them -- with revisions newer and older than the store's, and a file imported again
    under its name with half its rows (its other events go, some summaries are left empty)."""
    real = FIXTURES / "real_shaped"
    mali = list(csv.DictReader(open(real / "acled_mali_export.csv", encoding="utf-8")))
    burkina = [r for r in csv.DictReader(open(real / "acled_burkina_faso_hdx.csv", encoding="utf-8"))
               if not r["event_id_cnty"].startswith("#")]

    def write(path: Path, rows: list[dict]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    revised = []
    for i, row in enumerate(mali[:60]):
        row = dict(row)
        stamp = int(float(row["timestamp"]))
        if i % 3 == 0:
            row["timestamp"] = str(stamp - 100)  # older than the store's row: not imported
        else:
            row["timestamp"] = str(stamp + 1000)
            row["fatalities"] = str(int(row["fatalities"] or 0) + 7)
        revised.append(row)
    files = tmp_path / "files"
    a = write(files / "mali.csv", mali)
    b = write(files / "burkina.csv", burkina)
    r = write(files / "revisions.csv", revised)
    b2 = write(files / "again" / "burkina.csv", burkina[: len(burkina) // 2])
    added, whole = tmp_path / "added", tmp_path / "whole"
    for path in (a, b, r, b2):
        _run(kg, added, "import", "acled", str(path))
    _run(kg, whole, "import", "acled", str(a), str(r), str(b2))
    got, described = _graph_view(added)
    expected, expected_described = _graph_view(whole)
    assert got - expected == set() and expected - got == set()
    assert described == expected_described

    def held(home: Path) -> list:
        return sorted((x["file"], x["rows"], x["from"], x["to"], x["sha256"]) for x in _json(kg, home, "sources"))

    assert held(added) == held(whole)
    assert _json(kg, added, "fought", "--year", "2020", "--source", "acled") == \
        _json(kg, whole, "fought", "--year", "2020", "--source", "acled")


def test_unresolved_names_are_written_in_the_aliases_columns(kg, tmp_path):
    todo = tmp_path / "aliases-todo.csv"
    data = FIXTURES / "acled_sample.csv"
    text = data.read_text().replace("Dan Na Ambassagou", "Katiba Hanifa and/or Katiba Macina")
    odd = tmp_path / "odd.csv"
    odd.write_text(text)
    out = _run(kg, tmp_path, "import", "acled", str(odd), "--unresolved", str(todo))
    assert f"wrote 1 names to {todo}" in out
    rows = list(csv.DictReader(open(todo, encoding="utf-8")))
    assert list(rows[0])[:7] == ["name", "dataset", "country", "from", "to", "actor", "source"]
    # the unknown part of "A and/or B", under its own name
    assert (rows[0]["name"], rows[0]["dataset"], rows[0]["countries"]) == ("Katiba Hanifa", "acled", "Mali")
    assert int(rows[0]["mentions"]) >= 1 and rows[0]["years"]
