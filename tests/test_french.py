"""French beside English: labels @en and @fr in the graph (data/labels_fr.csv and the
proper-name rule), French names found like any other, kg ... --lang fr, and the gettext
catalogue the command line (and the page) read."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kg.errors import DataError
from kg.graph import namespaces as ns
from kg.graph.build import build
from kg.messages import catalogue, choose, languages, page_catalogue, translate, translations

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
    run scripts/compile-messages.py after editing a .po. (A page's message carries its key
    as msgctxt, which gettext keeps as "key\x04msgid"; its plural forms are not in catalogue().)"""
    with po.open("rb") as f:
        source = read_po(f)
    wanted = {(f"{m.context}\x04{m.id}" if m.context else m.id): m.string for m in source
              if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}
    assert wanted, f"{po} has no translated message"
    domain, lang = po.name.split(".")[:2]
    assert catalogue(lang, domain) == wanted
    plural = {(m.context, m.id[0]): list(m.string) for m in source if isinstance(m.id, tuple)}
    compiled = translations(lang, domain)
    for (ctx, singular), forms in plural.items():
        assert [compiled.npgettext(ctx, singular, "", n) for n in (1, 2)] == forms[:2]


def read_catalogue(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale=path.name.split(".")[1] if path.suffix == ".po" else None)


def fields(text) -> set[str]:
    texts = text if isinstance(text, tuple | list) else (text,)
    return {f for s in texts for f in re.findall(r"\{(\w+)\}", s)}


@pytest.mark.parametrize("po", sorted(LOCALE.glob("*.*.po")), ids=lambda p: p.name)
def test_each_catalogue_translates_every_message_of_the_template_and_none_is_fuzzy(po):
    """A translation is complete: every message of kg/locale/kg.pot (the command line's and the
    page's) is in it, translated, not fuzzy, with every plural form and the same {fields}
    (a page fills {n}, {name}, ...: a field lost or misspelt would show as text)."""
    template = read_catalogue(LOCALE / "kg.pot")
    catalog = read_catalogue(po)
    wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in template if m.id}
    have = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    assert sorted(wanted.keys() - have.keys(), key=str) == [], f"missing in {po.name}"
    assert sorted(have.keys() - wanted.keys(), key=str) == [], f"in {po.name} but not in kg.pot (obsolete?)"
    assert [k for k, m in have.items() if m.fuzzy] == [], "fuzzy entries"
    untranslated = [k for k, m in have.items()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []
    short = [k for k, m in have.items() if isinstance(m.id, tuple) and len(m.string) != catalog.num_plurals]
    assert short == [], f"plural messages without {catalog.num_plurals} forms"
    date_fields = {"y", "mm", "dd", "d", "month"}  # a date pattern (date_day, date_month) picks its own
    assert [k for k, m in have.items()
            if (fields(m.string) != fields(m.id) if not str(m.context).startswith("date_")
                else not fields(m.string) <= date_fields)] == []
    # the template's English is what the page shows in English: the msgid, never a msgstr
    assert all(not (m.string if isinstance(m.string, str) else any(m.string)) for m in template if m.id)


def test_a_missing_or_fuzzy_french_entry_is_found(tmp_path):
    """The check above can fail: a .po with one entry dropped and one marked fuzzy."""
    text = (LOCALE / "kg.fr.po").read_text(encoding="utf-8")
    text = text.replace('msgctxt "view_map"\nmsgid "Map"\nmsgstr "Carte"\n', "")
    text = text.replace('msgctxt "view_network"\n', '#, fuzzy\nmsgctxt "view_network"\n')
    broken = tmp_path / "kg.fr.po"
    broken.write_text(text, encoding="utf-8")
    catalog = read_catalogue(broken)
    keys = {m.context for m in catalog if m.id}
    assert "view_map" not in keys and "view_network" in keys
    assert [m.context for m in catalog if m.fuzzy] == ["view_network"]


def test_every_table_header_of_kg_fought_has_a_french_message():
    for column in ("actor", "opponent", "periods", "events", "fatalities", "via", "sources"):
        assert column in catalogue("fr")


def test_the_pages_messages_english_from_the_template_french_from_the_catalogue():
    english, rule_en = page_catalogue("en")
    french, rule_fr = page_catalogue("fr")
    assert english.keys() == french.keys()
    assert english["view_map"] == "Map" and french["view_map"] == "Carte"
    assert french["related_actors"] == ["{n} acteur lié", "{n} acteurs liés"]
    assert (rule_en, rule_fr) == ("(n != 1)", "(n > 1)")
    # the names of the page's vocabulary, in English, are the style file's (the legend's) names
    import json

    style = json.loads((ROOT / "kg" / "templates" / "viz-style.json").read_text(encoding="utf-8"))
    for family, table in (("actor_type", "nodes"), ("event_kind", "events")):
        assert {k.split(":", 1)[1] for k in english if k.startswith(family + ":")} == set(style[table])
        assert all(english[f"{family}:{k}"] == v["label"] for k, v in style[table].items())


PAGE_SOURCES = [ROOT / "kg" / "templates" / n for n in ("viz.html", "timeline.html", "timeline.js", "map.js")] + sorted(
    (ROOT / "kg" / "explore").glob("*.py"))
# the names of the page's vocabulary: each family's members are the names the page has to show
FAMILIES = ("actor_type", "event_kind", "event_type", "certainty", "orientation", "country")


def page_lookups() -> tuple[set[str], set[str]]:
    """The keys the page's templates, scripts and Python look up, and the families they look up by prefix."""
    keys, families = set(), set()
    for path in PAGE_SOURCES:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\b(?:t|plural|words\.t)\(\s*["'](\w+)["']""", text))  # t("key"), plural("key", n)
        keys |= set(re.findall(r"\{\{ m\.(\w+) \}\}", text))  # the template's {{ m.key }}
        if path.suffix == ".js":  # timeline.js: M.months, messages.event_at
            keys |= set(re.findall(r"\b(?:M|messages)\.(\w+)\b", text))
        families |= set(re.findall(r"""\bt\(\s*["'](\w+):["']\s*\+""", text))  # t("certainty:" + c)
        families |= set(re.findall(r"""\bterm\(\s*["'](\w+)["']""", text))  # words.term("country", name, ...)
    return keys, families


def test_every_page_message_is_used_by_the_page_and_every_lookup_has_a_message():
    """The catalogue's page keys against the page's lookups, both ways: no message the page
    never shows (a translator's wasted work), no lookup without a message (a key shown as text)."""
    from kg.explore.eventmap import borders
    from kg.graph.vocab import vocabulary

    english, _ = page_catalogue("en")
    keys, families = page_lookups()
    keys.discard("lang")  # not a message: the page's language code
    assert sorted(keys - english.keys()) == []
    assert families == set(FAMILIES)
    plain = {k for k in english if ":" not in k}
    assert sorted(plain - keys) == [], "messages no page looks up"
    members = {f: {k.split(":", 1)[1] for k in english if k.startswith(f + ":")} for f in FAMILIES}
    style = __import__("json").loads((ROOT / "kg" / "templates" / "viz-style.json").read_text(encoding="utf-8"))
    assert members["actor_type"] == set(style["nodes"]) and members["event_kind"] == set(style["events"])
    assert members["country"] == {c["name"] for c in borders()["countries"]}
    vocab = vocabulary()
    assert members["orientation"] == set(vocab.orientations)
    schema = (ROOT / "kg" / "schema.ttl").read_text(encoding="utf-8")
    certainties = set(re.findall(r'a skg:Certainty ; skg:csvName "(\w+)"', schema))
    assert members["certainty"] == certainties
    event_classes = {"Event", "CombatEvent"} | set(re.findall(r"skg:(\w+) a owl:Class ; rdfs:subClassOf skg:(?:Event|CombatEvent)", schema))
    assert members["event_type"] == event_classes


def test_kg_viz_in_french_and_its_usage_errors(kg, tmp_path):
    """kg viz --lang fr (and KG_LANG=fr) write the French page; an unknown language is a usage
    error; kg timeline takes --lang for its page only (its rows keep English: said, not skipped)."""
    import html
    import json

    out = tmp_path / "fr.html"
    r = kg("viz", "--year", "2019", "-o", str(out), env={"KG_LANG": "fr"})
    assert r.code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert "<title>Sahel\u00a0: qui a combattu qui, et quand, 2019</title>" in text
    assert 'placeholder="Chercher un acteur"' in html.unescape(text)
    data = json.loads(text.split('<script id="kg-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert data["messages"]["view_map"] == "Carte"
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["fama"]["label"] == "Forces armées maliennes"
    assert nodes["jnim"]["active"] == "Actif\u00a0: 2 mars 2017 – aujourd'hui"
    assert "const PLURAL = function (n) { return Number((n > 1)); };" in text
    english = kg("viz", "--year", "2019", "-o", str(tmp_path / "en.html"), "--lang", "en", env={"KG_LANG": "fr"})
    assert english.code == 0 and '<html lang="en">' in (tmp_path / "en.html").read_text(encoding="utf-8")
    bad = kg("viz", "--lang", "de", "-o", str(tmp_path / "de.html"))
    assert bad.code == 2 and bad.stderr.strip() == "Error: --lang: no messages in 'de'; expected one of: en, fr"
    rows = kg("timeline", "JNIM", "--lang", "fr")
    assert rows.code == 2 and "--format html" in rows.stderr
