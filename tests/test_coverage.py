"""Coverage of the curated events: enough of them, spread over the three countries and
the years 2012-2025, the deadliest ones present with their tolls, and `kg fought`
answering for Burkina Faso and Niger as it does for Mali."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
SAHEL = ("mali", "burkina_faso", "niger")
PERIODS = {(2012, 2016): 5, (2017, 2020): 10, (2021, 2023): 15, (2024, 2025): 10}

# Attacks and massacres that reference lists (Wikipedia's lists of massacres in Burkina
# Faso, Mali and Niger, the insurgency articles, HRW and UN reports) give with 50 or more
# dead: id, country, and the lowest toll its sources give that must be recorded.
DEADLIEST = {
    # Burkina Faso
    "yirgou_massacre_2019": ("burkina_faso", 49),
    "arbinda_clashes_2019": ("burkina_faso", 62),
    "arbinda_attack_2019": ("burkina_faso", 72),
    "solhan_massacre_2021": ("burkina_faso", 132),
    "gorgadji_ambush_2021": ("burkina_faso", 47),
    "inata_attack_2021": ("burkina_faso", 32),
    "seytenga_massacre_2022": ("burkina_faso", 86),
    "nouna_massacre_2022": ("burkina_faso", 28),
    "deou_oursi_ambush_2023": ("burkina_faso", 51),
    "karma_massacre_2023": ("burkina_faso", 60),
    "ougarou_attack_2023": ("burkina_faso", 73),
    "koumbri_fighting_2023": ("burkina_faso", 53),
    "zaongo_massacre_2023": ("burkina_faso", 70),
    "nondin_soro_massacres_2024": ("burkina_faso", 223),
    "bibgou_soualimou_massacres_2024": ("burkina_faso", 150),
    "tawori_attack_2024": ("burkina_faso", 75),
    "eastern_convoy_massacres_2024": ("burkina_faso", 400),
    "mansila_attack_2024": ("burkina_faso", 100),
    "barsalogho_massacre_2024": ("burkina_faso", 133),
    "solenzo_massacre_2025": ("burkina_faso", 130),
    "diapaga_guiedougou_attacks_2025": ("burkina_faso", 250),
    "djibo_attack_2025": ("burkina_faso", 60),
    # Niger
    "karamga_attack_2015": ("niger", 74),
    "boko_haram_niger_raid_2015": ("niger", 114),
    "inates_attack_2019": ("niger", 71),
    "chinagodrar_attack_2020": ("niger", 89),
    "tchoma_bangou_massacre_2021": ("niger", 100),
    "darey_daye_massacre_2021": ("niger", 58),
    "tillia_massacres_2021": ("niger", 137),
    "adab_dab_attack_2021": ("niger", 69),
    "tabatol_attack_2023": ("niger", 29),
    "teguey_ambush_2024": ("niger", 53),
    "chatoumane_attack_2024": ("niger", 140),
    "eknewane_attack_2025": ("niger", 64),
    "banibangou_attack_2025": ("niger", 34),
    "manda_massacre_2025": ("niger", 71),
    # Mali
    "battle_of_aguelhok_2012": ("mali", 82),
    "battle_of_konna_2013": ("mali", 149),
    "battle_of_diabaly_2013": ("mali", 63),
    "gao_moc_camp_bombing_2017": ("mali", 77),
    "ogossagou_massacre_2019": ("mali", 160),
    "indelimane_attack_2019": ("mali", 54),
    "tamalat_massacre_2022": ("mali", 145),
    "moura_massacre_2022": ("mali", 500),
    "hombori_massacre_2022": ("mali", 50),
    "bankass_massacres_2022": ("mali", 132),
    "bourem_attack_2023": ("mali", 56),
    "tombouctou_bamba_attacks_2023": ("mali", 169),
    "tinzaouaten_ambush_2024": ("mali", 131),
    "bamako_attack_2024": ("mali", 70),
}
# Violent events whose sources give no death toll, so none is recorded.
NO_TOLL_IN_SOURCES = {
    "army_positions_attacks_2024_february", "battle_of_anderamboukane_2012", "ber_clashes_2023",
    "foutouri_attack_2025", "fuel_tanker_attacks_2025", "gorom_gorom_convoy_attack_2025",
    "natiaboani_attacks_2024", "niafunke_attack_2012", "sebba_attack_2025", "tera_police_attack_2018",
}
VIOLENT = {"massacre", "attack", "ambush", "battle"}


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def events() -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in rows("events.csv")}


@pytest.fixture(scope="module")
def country_of(events) -> dict[str, str]:
    """Event id -> the state its place lies in (or the state it is placed in)."""
    places = {r["id"]: r["country"] for r in rows("places.csv")}
    states = {r["id"] for r in rows("actors.csv") if r["type"] == "state"}
    return {eid: (r["place"] if r["place"] in states else places.get(r["place"], "")) for eid, r in events.items()}


def toll(row: dict[str, str]) -> int | None:
    """The largest figure recorded for an event: best estimate or the high end of its range."""
    figures = [int(row[c]) for c in ("fatalities", "fatalities_low", "fatalities_high") if row[c]]
    return max(figures) if figures else None


def test_at_least_450_events(events):
    assert len(events) >= 450


@pytest.mark.parametrize("country", SAHEL)
def test_each_country_has_at_least_120_events(events, country_of, country):
    assert sum(1 for eid in events if country_of[eid] == country) >= 120


@pytest.mark.parametrize("country", SAHEL)
def test_each_country_is_covered_in_every_period(events, country_of, country):
    counts = Counter()
    for eid, row in events.items():
        if country_of[eid] != country:
            continue
        year = int(row["start"][:4])
        for (first, last) in PERIODS:
            if first <= year <= last:
                counts[first, last] += 1
    short = {f"{a}-{b}": counts[a, b] for (a, b), need in PERIODS.items() if counts[a, b] < need}
    assert not short, f"{country} has too few events in {short}"
    assert sum(counts.values()) >= 45


def test_no_country_dominates(events, country_of):
    counts = Counter(country_of[eid] for eid in events if country_of[eid] in SAHEL)
    assert max(counts.values()) <= 2 * min(counts.values()), counts


def test_every_event_cites_a_known_source(events):
    sources = {r["id"] for r in rows("sources.csv")}
    for eid, row in events.items():
        cited = [s for s in row["sources"].split(";") if s.strip()]
        assert cited, eid
        assert set(cited) <= sources, eid


@pytest.mark.parametrize("eid", sorted(DEADLIEST))
def test_the_deadliest_events_are_present_with_their_toll(events, country_of, eid):
    country, lowest = DEADLIEST[eid]
    assert eid in events
    row = events[eid]
    assert country_of[eid] == country
    assert row["fatalities"] or row["fatalities_low"], f"{eid} has no toll"
    assert toll(row) >= lowest
    if row["fatalities_low"]:
        assert int(row["fatalities_low"]) <= toll(row)


def test_every_violent_event_in_the_sahel_has_a_toll(events, country_of):
    missing = sorted(
        eid for eid, row in events.items()
        if row["type"] in VIOLENT and country_of[eid] in SAHEL and toll(row) is None
    )
    assert missing == sorted(NO_TOLL_IN_SOURCES)


def test_tolls_are_ordered(events):
    for eid, row in events.items():
        low, best, high = (row[c] for c in ("fatalities_low", "fatalities", "fatalities_high"))
        if low and high:
            assert int(low) <= int(high), eid
        if best and low:
            assert int(low) <= int(best), eid
        if best and high:
            assert int(best) <= int(high), eid


def fought(kg, *args: str) -> list[dict]:
    result = kg("fought", *args, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_kg_fought_counts_the_niger_attacks_of_2019(kg):
    [row] = fought(kg, "is_sahel", "niger_armed_forces", "--year", "2019")
    assert {"inates_attack_2019", "inates_attack_2019_july", "sanam_ambush_2019"} <= set(row["event_ids"])
    assert row["fatalities"] >= 71 + 18 + 16


def test_kg_fought_answers_for_burkina_faso(kg):
    [row] = fought(kg, "JNIM", "Burkina Faso Armed Forces", "--year", "2024")
    assert "mansila_attack_2024" in row["event_ids"]
    assert row["fatalities"] >= 100
    opponents = {r["opponent_id"] for r in fought(kg, "burkina_armed_forces", "--year", "2016")}
    assert {"ansarul_islam", "is_sahel", "katiba_serma"} <= opponents


def test_kg_fought_answers_for_niger_with_boko_haram_and_nigeria(kg):
    rows_ = fought(kg, "boko_haram", "--year", "2016")
    by_opponent = {r["opponent_id"]: r for r in rows_}
    assert "bosso_attack_2016" in by_opponent["niger_armed_forces"]["event_ids"]
    assert "bosso_attack_2016" in by_opponent["nigeria_armed_forces"]["event_ids"]


def test_the_coverage_table_of_the_data_guide_is_what_kg_stats_prints(kg):
    """data/README.md shows `kg stats --coverage`; this keeps it from going stale as rows are added."""
    result = kg("stats", "--coverage")
    assert result.code == 0, result.stderr
    guide = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Coverage"):]
    table = section[section.index("```\n") + 4:section.index("```", section.index("```\n") + 4)]
    assert table == result.stdout, "regenerate the table in data/README.md with: kg stats --coverage"
