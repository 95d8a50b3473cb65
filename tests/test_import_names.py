"""How kg import places the actor names of ACLED and UCDP exports (kg/imports/names.py):
the golden table of real-style names, the regime-period rules, the aliases file,
"and/or" names, per-country groups and suggestions that never merge look-alikes."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from kg.errors import DataError
from kg.graph import namespaces as ns
from kg.imports.mapping import curated_index
from kg.imports.names import SUGGEST_AT, NameRules, StateFacts, read_aliases, similarity
from kg.store.names import NameIndex

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "names_golden.csv"


@pytest.fixture(scope="module")
def index(curated) -> NameIndex:
    return curated_index(NameIndex.load(curated))


@pytest.fixture(scope="module")
def facts(curated, index) -> StateFacts:
    return StateFacts.load(curated, index)


def rules(dataset: str, index: NameIndex, facts: StateFacts, aliases_file: Path = ROOT / "data" / "aliases.csv"):
    return NameRules(dataset, index, facts, read_aliases(aliases_file, index))


def _short(dataset: str, iri: str) -> str:
    if iri.startswith(ns.ACTOR):
        return ns.local_id(iri)
    return "new:" + iri.removeprefix(ns.dataset_ns(dataset, "actor"))


def placed(r: NameRules, name: str, country: str = "Mali", day: date = date(2020, 6, 1)) -> str:
    p = r.place(name, country)
    return "|".join(_short(r.dataset, iri) for iri in p.at(day))


# --- the golden table -------------------------------------------------------------------


def test_golden_table_of_real_style_names(index, facts):
    """Every name of the table goes where a researcher expects it: 0 wrong merges allowed."""
    with open(GOLDEN, encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) >= 180
    wrong = []
    by_dataset = {"acled": rules("acled", index, facts), "ucdp": rules("ucdp", index, facts)}
    for row in table:
        dataset = "ucdp" if row["name"] in ("IS", "Civilians") else "acled"  # UCDP's spellings
        r = by_dataset[dataset]
        day = date.fromisoformat(row["date"]) if row["date"] else date(2020, 6, 1)
        got = placed(r, row["name"], row["country"], day)
        if got != row["expected"]:
            wrong.append(f"{dataset}: {row['name']!r} in {row['country']} {day}: {got}, expected {row['expected']}")
    assert wrong == []


def test_a_new_state_actor_is_part_of_a_state_of_that_name(index, facts):
    r = rules("acled", index, facts)
    forces = r.place("Military Forces of Cameroon (1982-)", "Cameroon").at(date(2020, 1, 1))[0]
    minted = r.minted[forces]
    assert (minted.label, ns.local_id(minted.cls)) == ("Military Forces of Cameroon", "StateArmedForces")
    state = r.minted[minted.part_of]
    assert (state.label, ns.local_id(state.cls)) == ("Cameroon", "State")
    # a curated state with curated forces: those forces, never a new actor
    nigeria = r.place("Military Forces of Nigeria (2015-2023)", "Nigeria").at(date(2020, 1, 1))
    assert list(nigeria) == [ns.ACTOR + "nigeria_armed_forces"]
    # a curated state without curated forces: new forces, part of the curated state
    ghana = r.minted[r.place("Military Forces of Ghana (2017-)", "Ghana").at(date(2020, 1, 1))[0]]
    assert ghana.part_of == ns.ACTOR + "ghana"
    police = r.minted[r.place("Police Forces of Mali (2021-) Gendarmerie", "Mali").at(date(2022, 1, 1))[0]]
    assert (police.label, police.part_of) == ("Police Forces of Mali", ns.ACTOR + "mali")


def test_the_period_in_the_name_is_checked_against_the_event(index, facts):
    r = rules("acled", index, facts)
    p = r.place("Military Forces of Mali (2013-2020)", "Mali")
    assert not p.off_period(date(2020, 8, 1)) and not p.off_period(date(2013, 1, 1))
    assert p.off_period(date(2022, 1, 1)) and p.off_period(date(2012, 12, 31))
    assert not r.place("Military Forces of Mali (2021-)", "Mali").off_period(date(2025, 1, 1))


def test_and_or_names_are_uncertain_and_placed_part_by_part(index, facts):
    r = rules("acled", index, facts)
    p = r.place("JNIM: Group for Support of Islam and Muslims and/or Islamic State (Sahel)", "Mali")
    assert p.uncertain and p.resolved
    assert [ns.local_id(i) for i in p.at(date(2020, 1, 1))] == ["jnim", "is_sahel"]
    assert not r.place("JNIM: Group for Support of Islam and Muslims", "Mali").uncertain
    half = r.place("Katiba Hanifa and/or Islamic State (Sahel)", "Mali")
    assert not half.resolved and [p.name for p in half.parts if not p.ok] == ["Katiba Hanifa"]


# --- suggestions ------------------------------------------------------------------------

CONFUSABLE = [  # names a suggestion must never merge, with how alike their spellings are
    ("Nigeria", "Niger"),
    ("ISGS", "ISWAP"),
    ("Islamic State (Greater Sahara)", "Islamic State (West Africa)"),
    ("Military Forces of Ukraine (2019-)", "Military Forces of France"),
    ("Ukrainian forces", "French forces"),
]
VARIANTS = [  # spellings of one actor a suggestion should offer
    ("Jama'at Nusrat al-Islam wal-Muslimeen", "Jama'at Nusrat al-Islam wal-Muslimin"),
    ("Ansar Eddine", "Ansar Dine"),
    ("Katiba Macinaa", "Katiba Macina"),
]


def test_the_suggestion_threshold_separates_confusable_pairs_from_variants():
    for a, b in CONFUSABLE:
        assert similarity(a, b) < SUGGEST_AT, (a, b)
    for a, b in VARIANTS:
        assert similarity(a, b) >= SUGGEST_AT, (a, b)
    # these look-alikes are as alike as variants: the country a name is met in keeps them apart
    assert similarity("Ansaar ul-Islam", "Ansarul Islam") >= SUGGEST_AT
    assert similarity("Nigeria Armed Forces", "Niger Armed Forces") >= SUGGEST_AT


def test_suggestions_never_merge_look_alikes(index, facts):
    r = rules("acled", index, facts)
    assert r.suggest("Ansaar ul-Islam", {"Pakistan"}) == []  # Pakistan's group is not Burkina Faso's
    assert r.suggest("Ansaar ul-Islam", {"Burkina Faso"}) == [ns.ACTOR + "ansarul_islam"]
    assert r.suggest("Nigeria Armed Forces", {"Nigeria"}) == [ns.ACTOR + "nigeria_armed_forces"]  # not Niger's
    assert r.suggest("Cameroon Armed Forces", {"Cameroon"}) == []  # no curated look-alike of Cameroon's
    assert r.suggest("Military Forces of Ukraine (2019-)", {"Mali"}) == []  # a state name: placed by rule
    assert r.suggest("ISGS fighters", {"Mali"}) == []
    assert ns.ACTOR + "iswap" not in r.suggest("Islamic State Greater Sahara", {"Mali"})
    assert r.suggest("Jama'at Nusrat al-Islam wal-Muslimeen", {"Mali"}) == [ns.ACTOR + "jnim"]
    assert r.suggest("Civilians (Mali)", {"Mali"}) == []  # groups are never suggested as armed actors


def test_suggestions_are_computed_once_per_name(index, facts, monkeypatch):
    import difflib

    r = rules("acled", index, facts)
    calls = []
    real = difflib.SequenceMatcher.set_seq2
    monkeypatch.setattr(difflib.SequenceMatcher, "set_seq2", lambda self, b: (calls.append(b), real(self, b))[1])
    for _ in range(50):
        r.suggest("Katiba Macinaa", {"Mali"})
    assert [b for b in calls if b] == ["katibamacinaa"]  # one matcher, for one name


# --- the aliases file -------------------------------------------------------------------


def test_aliases_are_scoped_by_data_set_country_and_period(index, facts, tmp_path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        "name,dataset,country,from,to,actor,source\n"
        "id:6703,ucdp,,,,jnim,ucdp_ged_codebook\n"
        "Northern rebels,acled,mali,2012,2013-06,mnla,acled_codebook\n", encoding="utf-8")
    ucdp = rules("ucdp", index, facts, aliases)
    assert ns.local_id(ucdp.place("Some spelling", "Mali", "6703").at(date(2020, 1, 1))[0]) == "jnim"
    acled = rules("acled", index, facts, aliases)
    p = acled.place("Northern rebels", "Mali")
    assert ns.local_id(p.at(date(2012, 5, 1))[0]) == "mnla"
    assert _short("acled", p.at(date(2015, 5, 1))[0]) == "new:northern_rebels"  # outside its period
    assert _short("acled", acled.place("Northern rebels", "Niger").at(date(2012, 5, 1))[0]) == "new:northern_rebels"
    assert _short("ucdp", ucdp.place("Northern rebels", "Mali").at(date(2012, 5, 1))[0]) == "new:northern_rebels"


def test_a_bad_aliases_row_names_file_line_and_column(index, tmp_path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("name,dataset,country,from,to,actor,source\nX,acled,nigeria,,,nobody,s\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_aliases(aliases, index)
    assert "aliases.csv:2, column 'actor': unknown actor id 'nobody'" in str(e.value)


def test_every_shipped_alias_names_a_curated_actor_and_a_source(index):
    rows = read_aliases(ROOT / "data" / "aliases.csv", index)
    assert rows and all(a.actor in index.labels for a in rows)
    sources = {r["id"] for r in csv.DictReader(open(ROOT / "data" / "sources.csv", encoding="utf-8"))}
    for row in csv.DictReader(open(ROOT / "data" / "aliases.csv", encoding="utf-8")):
        assert row["source"] and set(row["source"].split(";")) <= sources, row
