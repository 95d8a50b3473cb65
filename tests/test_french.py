"""French beside English: labels @en and @fr in the graph (data/labels_fr.csv and the
proper-name rule), French names found like any other, kg ... --lang fr, and the gettext
catalogue the command line (and the page) read."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kg.errors import DataError
from kg.graph import namespaces as ns
from kg.graph.build import build
from kg.messages import catalogue, choose, languages, translate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
LOCALE = ROOT / "kg" / "locale"


def labels_by_language(store, top: str) -> tuple[int, int]:
    rows = store.select(f"""
        SELECT (COUNT(DISTINCT ?n) AS ?all) (COUNT(DISTINCT ?f) AS ?fr) WHERE {{
          GRAPH ?og {{ ?type <{ns.RDFS}subClassOf>+ <{ns.SKG}{top}> }}
          GRAPH <{ns.CURATED_GRAPH}> {{ ?n a ?type
            OPTIONAL {{ ?n <{ns.RDFS}label> ?l FILTER(LANG(?l) = "fr") BIND(?n AS ?f) }} }} }}""")
    return rows[0]["all"], rows[0]["fr"]


@pytest.mark.parametrize("top", ["Actor", "Place"])
def test_at_least_nine_in_ten_actors_and_places_have_a_french_label(curated, top):
    total, french = labels_by_language(curated, top)
    assert total > 100
    assert french / total >= 0.9, f"{french} of {total} {top}s have a French label"


def test_english_labels_are_tagged_en_and_each_node_has_one_label_per_language(curated):
    rows = curated.select(f"""
        SELECT ?n ?lang (COUNT(?l) AS ?c) WHERE {{
          GRAPH <{ns.CURATED_GRAPH}> {{ ?n <{ns.RDFS}label> ?l }} BIND(LANG(?l) AS ?lang) }} GROUP BY ?n ?lang""")
    assert all(r["c"] == 1 for r in rows)
    jnim = {r["lang"] for r in rows if r["n"] == ns.ACTOR + "jnim"}
    assert jnim == {"en", "fr"}


def test_french_labels_from_the_table_and_by_the_proper_name_rule(curated):
    def fr(iri):
        rows = curated.select(f'SELECT ?l WHERE {{ GRAPH ?g {{ <{iri}> <{ns.RDFS}label> ?l FILTER(LANG(?l)="fr") }} }}')
        return [str(r["l"]) for r in rows]

    assert fr(ns.ACTOR + "jnim") == ["Groupe de soutien à l'islam et aux musulmans"]
    assert fr(ns.ACTOR + "assimi_goita") == ["Assimi Goïta"]  # a person: the same name
    assert fr(ns.PLACE + "gao") == ["Gao"]  # a settlement: the same name
    assert fr(ns.PLACE + "timbuktu") == ["Tombouctou"]  # a source gives another: the table wins
    assert fr(ns.PLACE + "ml_mopti") == ["Région de Mopti"]
    assert fr(ns.EVENT + "yirgou_massacre_2019") == ["Massacre de Yirgou"]
    assert fr(ns.SKG + "fought") == ["a combattu"]
    with_rows = {r["id"] for r in csv.DictReader((DATA / "labels_fr.csv").open(encoding="utf-8"))}
    people = {r["id"] for r in csv.DictReader((DATA / "actors.csv").open(encoding="utf-8")) if r["type"] == "person"}
    assert not with_rows & people or all(fr(ns.ACTOR + p) for p in with_rows & people)


def test_every_french_label_row_cites_a_source(curated):
    rows = list(csv.DictReader((DATA / "labels_fr.csv").open(encoding="utf-8")))
    assert len(rows) > 150
    assert all(r["sources"].strip() for r in rows)


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def test_a_bad_french_label_row_names_file_line_and_column(tmp_path):
    data = copy_data(tmp_path)
    with (data / "labels_fr.csv").open("a", encoding="utf-8") as f:
        f.write("jnimm,Groupe X,,wp_jnim\n")
        f.write("fama,,,\n")
    with pytest.raises(DataError) as info:
        build(data)
    found = [str(p) for p in info.value.problems]
    line = len((data / "labels_fr.csv").read_text(encoding="utf-8").splitlines())
    assert f"labels_fr.csv:{line - 1}, column 'id': unknown actor, place or event id 'jnimm'; did you mean 'jnim'?" in found
    assert any(p.startswith(f"labels_fr.csv:{line}, column 'label_fr'") for p in found)
    assert any(p.startswith(f"labels_fr.csv:{line}, column 'sources'") for p in found)


def test_french_names_resolve_like_any_name(kg):
    out = kg("fought", "Groupe de soutien à l'islam et aux musulmans", "Opération Barkhane", "--format", "json")
    assert out.code == 0, out.stderr
    import json

    rows = json.loads(out.stdout)
    assert rows and rows[0]["actor_id"] == "jnim" and rows[0]["opponent_id"] == "operation_barkhane"
    # without accents and case, as every name
    assert kg("actor", "forces armees maliennes").stdout.startswith("Malian Armed Forces  (fama)")


def test_kg_fought_in_french_prints_french_labels_and_headers(kg):
    out = kg("fought", "JNIM", "--year", "2019", "--lang", "fr")
    assert out.code == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert header[:5] == ["acteur", "adversaire", "périodes", "événements", "morts"]
    assert "Groupe de soutien à l'islam et aux musulmans" in out.stdout
    assert "Forces armées maliennes" in out.stdout and "Malian Armed Forces" not in out.stdout
    assert "en cours" in out.stdout
    # KG_LANG does the same; JSON keeps its keys (the contract) and gives the French labels
    env = kg("fought", "JNIM", "--year", "2019", "--format", "json", env={"KG_LANG": "fr"})
    import json

    rows = json.loads(env.stdout)
    assert rows[0]["actor"] == "Groupe de soutien à l'islam et aux musulmans"
    assert {"actor", "opponent", "periods", "events", "fatalities"} <= set(rows[0])


def test_english_is_unchanged_and_an_unknown_language_is_a_usage_error(kg):
    out = kg("fought", "JNIM", "--year", "2019")
    assert out.stdout.splitlines()[0].split()[:2] == ["actor", "opponent"]
    assert "Jama'at Nusrat al-Islam wal-Muslimin" in out.stdout
    bad = kg("fought", "JNIM", "--lang", "de")
    assert bad.code == 2
    assert bad.stderr.strip() == "Error: --lang: no messages in 'de'; expected one of: en, fr"
    bad_env = kg("fought", "JNIM", env={"KG_LANG": "xx_YY.UTF-8"})
    assert bad_env.code == 2 and "$KG_LANG" in bad_env.stderr


def test_kg_actor_and_relations_in_french(kg):
    out = kg("actor", "Barkhane", "--lang", "fr")
    assert out.code == 0, out.stderr
    assert out.stdout.startswith("Opération Barkhane  (operation_barkhane)")
    assert "Fait partie de / agit pour" in out.stdout
    assert "Forces armées françaises" in out.stdout
    rel = kg("relations", "JNIM", "--type", "merged_into", "--lang", "fr")
    assert "a fusionné dans" in rel.stdout
    assert rel.stdout.splitlines()[0].split()[:3] == ["sujet", "relation", "objet"]


def test_language_choice():
    assert choose("fr") == "fr"
    assert choose("fr_FR.UTF-8") == "fr"
    assert choose(None) in languages()
    assert translate("opponent", "fr") == "adversaire"
    assert translate("opponent", "en") == "opponent"
    assert translate("a message nobody wrote", "fr") == "a message nobody wrote"


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*.*.po")), ids=lambda p: p.name)
def test_each_compiled_catalogue_matches_its_po_file(po):
    """The .mo shipped (what gettext reads) says what the .po (what translators edit) says:
    run scripts/compile-messages.py after editing a .po."""
    with po.open("rb") as f:
        source = read_po(f)
    wanted = {m.id: m.string for m in source if m.id and m.string and not m.fuzzy}
    assert wanted, f"{po} has no translated message"
    domain, lang = po.name.split(".")[:2]
    assert catalogue(lang, domain) == wanted
    assert all(m.string for m in source if m.id), "every message is translated"


def test_every_table_header_of_kg_fought_has_a_french_message():
    for column in ("actor", "opponent", "periods", "events", "fatalities", "via", "sources"):
        assert column in catalogue("fr")
