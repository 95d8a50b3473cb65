"""The curated data itself: complete for the seed article, sourced, valid, paraphrased."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from kg.graph.build import build, load
from kg.graph.validate import validate
from kg.store.names import normalise

DATA = Path(__file__).resolve().parent.parent / "data"
ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "sources" / "seed-article-2025-bamako-blockade.txt"

# Every actor and person the seed article names, as it names them, with the id it must resolve to.
ARTICLE_ACTORS = {
    "Mokhtar Belmokhtar": "mokhtar_belmokhtar",
    "France": "france",
    "Operation Serval": "operation_serval",
    "Assimi Goïta": "assimi_goita",
    "Héni Nsaibia": "heni_nsaibia",
    "Acled": "acled",
    "Burkina Faso": "burkina_faso",
    "Niger": "niger",
    "Russia": "russia",
    "Yevgeny Prigozhin": "yevgeny_prigozhin",
    "Wagner Group": "wagner_group",
    "Africa Corps": "africa_corps",
    "Jama’a Nusrat ul-Islam wa al-Muslimin": "jnim",
    "JNIM": "jnim",
    "al-Qaeda": "al_qaeda",
    "Maçina Liberation Front": "katiba_macina",
    "FLM": "katiba_macina",
    "Senegal": "senegal",
    "Ivory Coast": "ivory_coast",
    "US": "united_states",
    "Italy": "italy",
    "Salif": "salif_bamako_activist",
    "Ulf Laessing": "ulf_laessing",
    "Konrad Adenauer Foundation": "konrad_adenauer_foundation",
    "Joe Siegle": "joseph_siegle",
    "Maryland University": "university_of_maryland",
    "Diarra Transport": "diarra_transport",
    "Ibrahim Traoré": "ibrahim_traore",
    "Sudan": "sudan",
    "Afghanistan": "afghanistan",
    "Benin": "benin",
    "Ghana": "ghana",
    "Mali": "mali",
    "UN": "united_nations",
}
ARTICLE_PLACES = {
    "Timbuktu": "timbuktu", "Bamako": "bamako", "Kayes": "kayes", "Nioro du Sahel": "nioro_du_sahel",
    "Farabougou": "farabougou", "Europe": "europe", "Sahel": "sahel_region",
}
# Events the article names, by id.
ARTICLE_EVENTS = [
    "operation_serval_2013", "malian_coup_2020", "tinzaouaten_ambush_2024", "bamako_attack_2024",
    "bamako_fuel_blockade_2025", "death_of_yevgeny_prigozhin_2023",
]


@pytest.fixture(scope="module")
def data():
    return load(DATA)


def names_of(rows) -> dict[str, str]:
    out = {}
    for r in rows:
        for name in [r["id"], r["label"], *r["aliases"].split(";")]:
            if name.strip():
                out.setdefault(normalise(name), r["id"])
    return out


@pytest.mark.parametrize("name, actor_id", sorted(ARTICLE_ACTORS.items()))
def test_every_actor_the_article_names_is_present(data, name, actor_id):
    assert names_of(data.actors).get(normalise(name)) == actor_id


@pytest.mark.parametrize("name, place_id", sorted(ARTICLE_PLACES.items()))
def test_every_place_the_article_names_is_present(data, name, place_id):
    assert names_of(data.places).get(normalise(name)) == place_id


def test_every_event_the_article_names_is_present(data):
    events = {r["id"] for r in data.events}
    missing = [e for e in ARTICLE_EVENTS if e not in events]
    assert not missing


def test_the_article_is_a_source_and_is_cited(data):
    cited = Counter(s for table in (data.actors, data.relations, data.events, data.places)
                    for r in table for s in r["sources"].split(";"))
    assert cited["ft_2025_bamako_blockade"] >= 50


def test_coverage_meets_the_targets(data):
    assert len(data.actors) >= 80
    assert len(data.relations) >= 200
    assert len(data.events) >= 60
    fought = [r for r in data.relations if r["relation"] == "fought"]
    assert len(fought) >= 50


def test_aliases_include_the_names_acled_and_ucdp_use(data):
    names = names_of(data.actors)
    for name, actor_id in {
        "JNIM: Group for Support of Islam and Muslims": "jnim",
        "GSIM": "jnim",
        "Katiba Macina": "katiba_macina",
        "Goita": "assimi_goita",
        "PMC Wagner": "wagner_group",
        "Government of Mali": "mali",
        "IS Sahel": "is_sahel",
    }.items():
        assert names.get(normalise(name)) == actor_id, name


def test_no_alias_names_two_actors(data):
    seen: dict[str, set[str]] = {}
    for r in data.actors:
        for name in {normalise(a) for a in [r["label"], *r["aliases"].split(";")] if a.strip()}:
            seen.setdefault(name, set()).add(r["id"])
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_every_source_has_title_publisher_date_and_url(data):
    for r in data.sources:
        assert r["title"] and r["publisher"] and r["date"] and r["url"].startswith("http"), r.line


def test_the_built_graph_conforms_to_the_shapes():
    report = validate(build(DATA))
    assert report.conforms, str(report)


@pytest.mark.skipif(not ARTICLE.exists(), reason="the seed article lives in ../shared/sources, beside the repo")
def test_no_sentence_of_the_article_is_copied_into_the_data():
    words = re.findall(r"[a-z0-9']+", ARTICLE.read_text(encoding="utf-8").lower())
    grams = {" ".join(words[i:i + 10]) for i in range(len(words) - 9)}
    for path in DATA.glob("*.csv"):
        with path.open(encoding="utf-8") as f:
            for row in csv.reader(f):
                text = re.findall(r"[a-z0-9']+", " ".join(row).lower())
                copied = [" ".join(text[i:i + 10]) for i in range(len(text) - 9)
                          if " ".join(text[i:i + 10]) in grams]
                assert not copied, (path.name, copied[0])


def test_wikidata_ids_are_item_ids_and_name_one_row_each(data):
    seen: dict[str, str] = {}
    for r in [*data.actors, *data.places, *data.events]:
        qid = r["wikidata"]
        if not qid:
            continue
        assert re.fullmatch(r"Q[1-9][0-9]*", qid), (r.file, r.line, qid)
        assert qid not in seen, f"{qid} on {seen[qid]} and {r['id']}"
        seen[qid] = r["id"]


def test_every_year_has_a_government_and_armed_forces_for_each_state(data):
    from kg.graph import dates

    governs = [r for r in data.relations if r["relation"] == "governs"]
    forces = {r["country"]: r for r in data.actors if r["type"] == "state_armed_forces"}
    for state in ("mali", "burkina_faso", "niger"):
        assert state in forces
        for year in range(2012, 2026):
            assert any(r["object"] == state and dates.start_of(r["start"]).year <= year
                       and (not r["end"] or dates.end_of(r["end"]).year >= year) for r in governs), (state, year)


# Old history the seed article itself recounts (its opening: Belmokhtar's men in Timbuktu),
# cited for what it says; everything else it only mentions in passing has a source of its time.
ARTICLE_OWN_HISTORY = {"capture_of_timbuktu_2012"}


def test_the_seed_article_is_not_cited_for_history_long_before_it():
    """kg check's late-source rule finds no claim carried by the 2025 article that ended before
    2023, but the history the article itself recounts."""
    from kg.ask.check import check_graph, row_locations
    from kg.store.embedded import OxigraphStore

    store = OxigraphStore()
    store.store.extend(build(DATA))
    late = [f for f in check_graph(store, locations=row_locations(DATA), only=["late-source"])
            if "ft_2025_bamako_blockade" in f.message]
    assert {f.node for f in late} == ARTICLE_OWN_HISTORY


# Each state's extent in WGS84 degrees (lat_min, lat_max, lon_min, lon_max), rounded outwards;
# places are checked against it with a half-degree margin. A state new to places.csv needs a box.
COUNTRY_BOXES = {
    "mali": (10.0, 25.0, -12.5, 4.5),
    "burkina_faso": (9.4, 15.1, -5.6, 2.4),
    "niger": (11.6, 23.6, 0.1, 16.0),
    "algeria": (18.9, 37.1, -8.7, 12.0),
    "senegal": (12.3, 16.7, -17.6, -11.3),
    "ivory_coast": (4.3, 10.8, -8.6, -2.5),
    "benin": (6.2, 12.5, 0.7, 3.9),
}


def test_every_place_with_coordinates_lies_in_its_country(data):
    """Catches a swapped lat/lon, a lost minus sign or a coordinate copied from a namesake."""
    margin = 0.5
    for r in data.places:
        if not r["lat"] or not r["country"]:
            continue
        assert r["country"] in COUNTRY_BOXES, (r.file, r.line, r["country"])
        lat_min, lat_max, lon_min, lon_max = COUNTRY_BOXES[r["country"]]
        lat, lon = float(r["lat"]), float(r["lon"])
        assert lat_min - margin <= lat <= lat_max + margin, (r.file, r.line, r["id"], lat, lon)
        assert lon_min - margin <= lon <= lon_max + margin, (r.file, r.line, r["id"], lat, lon)
