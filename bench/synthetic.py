"""Synthetic ACLED and UCDP GED files of any size, in the exact column layouts.

For the import benchmarks and tests only: no real event is in them. The names
are shaped like a real export's (`real_names`): regime-period names of state
forces with the period of the event's date and their branches ("Military Forces
of Burkina Faso (2022-) Gendarmerie", "Police Forces of Niger (2023-)",
"Government of Mali (2021-)"), foreign forces ("Military Forces of France
(2017-)", Nigeria's, Ukraine's), ACLED's spellings of the curated groups,
"A and/or B" attributions, per-country civilians, protesters and communal
militias, and some hundreds of distinct names of which about a third no rule
or alias places, met with a long-tailed frequency as in a real file. Event
types come in roughly the proportions of a Sahel export. The output is
deterministic for a given size and seed.

    python bench/synthetic.py acled 100000 /tmp/acled_100k.csv
    python bench/synthetic.py ucdp 10000 /tmp/ged_10k.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.imports.layouts import ACLED_COLUMNS, UCDP_COLUMNS  # noqa: E402

COUNTRIES = {  # name: (iso, state forces, regions with (admin1, admin2, location, lat, lon))
    "Mali": ("466", "Military Forces of Mali (2021-)", [
        ("Mopti", "Douentza", "Boulkessi", 14.48, -1.41), ("Mopti", "Bandiagara", "Bandiagara", 14.35, -3.61),
        ("Mopti", "Djenne", "Moura", 14.159, -4.106), ("Segou", "Niono", "Niono", 14.252, -5.993),
        ("Gao", "Ansongo", "Tessit", 15.202, 0.663), ("Menaka", "Menaka", "Menaka", 15.918, 2.402),
        ("Kidal", "Kidal", "Kidal", 18.441, 1.408), ("Timbuktu", "Timbuktu", "Ber", 16.883, -2.965),
        ("Kayes", "Kayes", "Lakamane", 14.53, -9.9), ("Bamako", "Bamako", "Bamako", 12.639, -8.003),
    ]),
    "Burkina Faso": ("854", "Military Forces of Burkina Faso (2022-)", [
        ("Sahel", "Soum", "Djibo", 14.10, -1.63), ("Centre-Nord", "Sanmatenga", "Barsalogho", 13.42, -1.06),
        ("Est", "Gourma", "Fada N'Gourma", 12.06, 0.36), ("Sahel", "Seno", "Dori", 14.03, -0.03),
    ]),
    "Niger": ("562", "Military Forces of Niger (2023-)", [
        ("Tillaberi", "Tera", "Tera", 14.01, 0.75), ("Tillaberi", "Tillaberi", "Tillaberi", 14.21, 1.45),
        ("Tahoua", "Tahoua", "Tahoua", 14.89, 5.27),
    ]),
}
ARMED = [  # (ACLED name, inter code); the first ones resolve, the last ones do not
    ("JNIM: Group for Support of Islam and Muslims", "2"), ("Islamic State (Sahel)", "2"),
    ("Katiba Macina", "2"), ("Ansaroul Islam", "2"), ("CMA: Coordination of Azawad Movements", "2"),
    ("Dan Na Ambassagou", "4"), ("VDP: Volunteers for the Defense of the Homeland", "3"),
    ("Unidentified Armed Group (Mali)", "3"), ("Unidentified Armed Group (Burkina Faso)", "3"),
    ("Fulani Ethnic Militia (Mali)", "4"), ("Dozo Communal Militia (Burkina Faso)", "4"),
]
ALLIES = ["Wagner Group", "Africa Corps", "VDP: Volunteers for the Defense of the Homeland", ""]
# Regime periods ACLED writes after each country's state actors, by first day of the period.
PERIODS = {
    "Mali": [(date(2013, 9, 4), "2013-2020"), (date(2020, 8, 18), "2020-2021"), (date(2021, 5, 24), "2021-")],
    "Burkina Faso": [(date(2015, 12, 29), "2015-2022"), (date(2022, 1, 24), "2022-")],
    "Niger": [(date(2021, 4, 2), "2021-2023"), (date(2023, 7, 26), "2023-")],
}
BRANCHES = ["", "", "", "", " Gendarmerie", " National Guard", " Air Force", " Prison Guards"]
FOREIGN = ["Military Forces of France (2017-)", "Military Forces of Russia (2000-)", "Wagner Group",
           "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-2020)",
           "Military Forces of Chad (2021-)", "Military Forces of Nigeria (2023-)", "Military Forces of Ukraine (2019-)",
           "Military Forces of Cote d'Ivoire (2011-)", "Military Forces of Benin (2016-)", "G5 Sahel Force"]
CURATED_SPELLINGS = [  # ACLED's spellings of curated groups
    "JNIM: Group for Support of Islam and Muslims", "Islamic State (Sahel)", "Islamic State (Greater Sahara)",
    "Islamic State (West Africa) - Greater Sahara Faction", "Katiba Macina", "Ansaroul Islam",
    "CMA: Coordination of Azawad Movements", "GATIA: Imghad Tuareg and Allies Self-Defense Group",
    "MSA: Movement for the Salvation of Azawad", "Dan Na Ambassagou", "AQIM: Al Qaeda in the Islamic Maghreb",
    "CSP-PSD: Permanent Strategic Framework for Peace, Security and Development", "Ganda Izo",
    "VDP: Volunteers for the Defense of the Homeland", "FLA: Azawad Liberation Front", "Platform",
]
COMMUNITIES = ["Fulani", "Dogon", "Bambara", "Dozo", "Tuareg", "Arab", "Songhai", "Mossi", "Fulse", "Gourmantche",
               "Zarma", "Hausa", "Bozo", "Daoussahak", "Imghad", "Ifoghas", "Kel Ansar", "Bella", "Samo", "Koglweogo"]
_SYLLABLES = ["ka", "ti", "ba", "ma", "si", "na", "ou", "gha", "dar", "mo", "sa", "hel", "ta", "ri", "lou", "ben"]


def real_names(rng: random.Random, unknown: int = 120) -> tuple[list[str], list[str]]:
    """(names of armed actors the rules place, names none places): the pool a row draws actor1/2 from."""
    placed = list(CURATED_SPELLINGS)
    placed += [f"{c} {kind} ({country})" for c in COMMUNITIES for country in ("Mali", "Burkina Faso", "Niger")
               for kind in ("Ethnic Militia", "Communal Militia") if rng.random() < 0.6]
    placed += [f"Unidentified Armed Group ({c})" for c in COUNTRIES]
    made: set[str] = set()
    while len(made) < unknown:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        made.add(rng.choice(["Katiba {}", "Ansar {}", "{} Brigade", "Front for the Liberation of {}",
                             "Movement of {} Youth", "{} Self-Defense Group"]).format(word))
    return placed, sorted(made)


def state_name(kind: str, country: str, day: date, rng: random.Random) -> str:
    """ACLED's name of a state actor of ``country`` on ``day``: regime period, sometimes a branch."""
    period = [p for start, p in PERIODS[country] if start <= day][-1]
    branch = rng.choice(BRANCHES) if kind == "Military Forces" else ""
    return f"{kind} of {country} ({period}){branch}"
# Outlets for ACLED's source column (1 to 3 per row, "; "-separated, as ACLED writes it)
OUTLETS = ["AFP", "Reuters", "RFI", "Le Monde", "Jeune Afrique", "Studio Tamani", "Sahelien", "Malijet",
           "Lefaso.net", "Burkina24", "ActuNiger", "Aljazeera", "Twitter", "Facebook", "Local sources",
           "Human Rights Watch", "OCHA", "MINUSMA"]
UCDP_GROUPS = ["JNIM", "IS Sahel", "CMA", "Ansarul Islam", "Katiba Macina", "Dozo", "Fulani militia"]
START = date(2022, 1, 1)
DAYS = (date(2025, 12, 31) - START).days


def acled_rows(n: int, rng: random.Random):
    names = list(COUNTRIES)
    placed, unknown = real_names(rng)
    pool = placed + unknown
    # a long tail: the first names of the shuffled pool are met far more often than the last
    rng.shuffle(pool)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(pool))]
    for i in range(n):
        country = rng.choices(names, weights=(6, 3, 2))[0]
        iso, _forces, places = COUNTRIES[country]
        admin1, admin2, location, lat, lon = rng.choice(places)
        day = START + timedelta(days=rng.randrange(DAYS))
        forces = state_name("Military Forces", country, day, rng)
        group = rng.choices(pool, weights)[0]
        inter = "4" if "Militia" in group else "3" if group.startswith("Unidentified") else "2"
        if rng.random() < 0.03:  # ACLED's uncertain attribution
            group = f"{group} and/or {rng.choice(CURATED_SPELLINGS)}"
        kind = rng.random()
        assoc1 = assoc2 = ""
        if kind < 0.35:
            event_type, sub, actor1, inter1 = "Battles", "Armed clash", group, inter
            roll = rng.random()
            if roll < 0.6:
                actor2, inter2 = forces, "1"
                assoc2 = rng.choice(ALLIES)
            elif roll < 0.7:
                actor2, inter2 = rng.choice(FOREIGN), "8"
            else:
                actor2 = rng.choices(pool, weights)[0]
                inter2 = "4" if "Militia" in actor2 else "2"
            disorder, civ = "Political violence", ""
        elif kind < 0.65:
            event_type, sub = "Violence against civilians", rng.choice(["Attack", "Abduction/forced disappearance"])
            actor1, inter1 = (group, inter) if rng.random() < 0.8 else (forces, "1")
            actor2, inter2 = f"Civilians ({country})", "7"
            disorder, civ = "Political violence", "Civilian targeting"
        elif kind < 0.78:
            event_type, sub = "Explosions/Remote violence", rng.choice(["Air/drone strike", "Remote explosive/landmine/IED"])
            actor1, inter1, actor2, inter2 = forces, "1", group, inter
            disorder, civ = "Political violence", ""
        elif kind < 0.92:
            event_type, sub = "Protests", "Peaceful protest"
            actor1, inter1, actor2, inter2 = f"Protesters ({country})", "6", "", "0"
            if rng.random() < 0.3:
                actor2, inter2 = state_name("Police Forces", country, day, rng), "1"
            disorder, civ = "Demonstrations", ""
        else:
            event_type, sub = "Strategic developments", rng.choice(["Looting/property destruction", "Agreement"])
            actor1, inter1 = (group, inter) if rng.random() < 0.7 else (state_name("Government", country, day, rng), "1")
            actor2, inter2 = f"Civilians ({country})", "7"
            disorder, civ = "Strategic developments", ""
        fatalities = 0 if event_type in ("Protests", "Strategic developments") else rng.choice((0, 0, 1, 2, 3, 5, 8, 12, 20))
        code = {"Mali": "MLI", "Burkina Faso": "BFO", "Niger": "NIG"}[country]
        yield {
            "event_id_cnty": f"{code}{i + 1}", "event_date": day.isoformat(), "year": str(day.year),
            "time_precision": rng.choice("1111112223"), "disorder_type": disorder, "event_type": event_type,
            "sub_event_type": sub, "actor1": actor1, "assoc_actor_1": assoc1, "inter1": inter1,
            "actor2": actor2, "assoc_actor_2": assoc2, "inter2": inter2,
            "interaction": "".join(sorted(inter1 + inter2)).lstrip("0") or "0", "civilian_targeting": civ,
            "iso": iso, "region": "Western Africa", "country": country, "admin1": admin1, "admin2": admin2,
            "admin3": location, "location": location, "latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}",
            "geo_precision": "1", "source": "; ".join(rng.sample(OUTLETS, rng.choice((1, 1, 2, 2, 3)))),
            "source_scale": "National",
            "notes": f"Synthetic event {i + 1}: {sub.lower()} near {location}.", "fatalities": str(fatalities),
            "tags": "", "timestamp": str(1700000000 + i),
        }


def ucdp_rows(n: int, rng: random.Random):
    gov = {"Mali": ("432", "Government of Mali"), "Burkina Faso": ("439", "Government of Burkina Faso"),
           "Niger": ("436", "Government of Niger")}
    names = list(COUNTRIES)
    for i in range(n):
        country = rng.choices(names, weights=(6, 3, 2))[0]
        cid, government = gov[country]
        admin1, admin2, location, lat, lon = rng.choice(COUNTRIES[country][2])
        violence = rng.choices("123", weights=(5, 2, 3))[0]
        group = rng.choice(UCDP_GROUPS)
        if violence == "1":
            side_a, side_b = government, group
        elif violence == "2":
            side_a, side_b = group, rng.choice([g for g in UCDP_GROUPS if g != group])
        else:
            side_a, side_b = rng.choice([group, government]), "Civilians"
        start = START + timedelta(days=rng.randrange(DAYS))
        precision = rng.choice("11112345")
        end = start + timedelta(days={"1": 0, "2": 3, "3": 6, "4": 20, "5": 60}[precision])
        deaths = [rng.choice((0, 1, 2, 5)) for _ in range(4)]
        best = sum(deaths)
        row = dict.fromkeys(UCDP_COLUMNS, "")
        row.update({
            "id": str(400000 + i), "relid": f"SYN-{start.year}-{violence}-{i}", "year": str(start.year),
            "active_year": "1", "code_status": "Clear", "type_of_violence": violence,
            "conflict_name": f"{country}: Government" if violence == "1" else f"{side_a} - {side_b}",
            "dyad_name": f"{side_a} - {side_b}", "side_a": side_a, "side_b": side_b,
            "number_of_sources": "1", "where_prec": "1", "where_coordinates": f"{location} town",
            "adm_1": f"{admin1} region", "adm_2": admin2, "latitude": f"{lat}", "longitude": f"{lon}",
            "geom_wkt": f"POINT ({lon} {lat})", "country": country, "country_id": cid, "region": "Africa",
            "event_clarity": "1", "date_prec": precision, "date_start": f"{start} 00:00:00.000",
            "date_end": f"{end} 00:00:00.000", "deaths_a": str(deaths[0]), "deaths_b": str(deaths[1]),
            "deaths_civilians": str(deaths[2]), "deaths_unknown": str(deaths[3]), "best": str(best),
            "high": str(best + 2), "low": str(max(best - 1, 0)), "gwnoa": cid if violence != "2" else "",
        })
        yield row


def write(kind: str, rows: int, path: Path, seed: int = 2025) -> Path:
    """Write a synthetic file of ``rows`` rows; returns its path."""
    rng = random.Random(seed)
    columns = ACLED_COLUMNS if kind == "acled" else UCDP_COLUMNS
    generate = acled_rows if kind == "acled" else ucdp_rows
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(generate(rows, rng))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("acled", "ucdp"))
    parser.add_argument("rows", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    write(args.kind, args.rows, args.output, args.seed)


if __name__ == "__main__":
    main()
