"""Real-shaped ACLED exports of Mali, Burkina Faso and Niger and a UCDP GED sample,
written from the codebooks and the layouts real files come in; no real event is in them.

What makes them real-shaped (unlike bench/synthetic.py, which is shaped for speed):

* the actors of each country and period as ACLED writes them, with its spelling drift:
  regime-period state forces with branches ("Military Forces of Mali (2013-2020)
  Gendarmerie"), foreign forces and missions ("Military Forces of France (2012-2017)",
  "MINUSMA: United Nations ... (2013-2023)"), the groups of each period ("MUJAO: Movement
  for Unity and Jihad in West Africa" until 2013, "Islamic State (Greater Sahara)" then
  "Islamic State (West Africa) - Greater Sahara Faction" then "Islamic State (Sahel)"),
  generic words ("Koglweogo Militia", "Al Mourabitoune Battalion"), wings ("MAA: Arab
  Movement of the Azawad (Platform)"), mutinies ("Mutiny of Military Forces of Mali
  (2020-2021)"), "A and/or B" attributions, per-country communal militias, and groups
  no curated actor stands for (Lakurawa, CJA, Katiba Hanifa);
* the layouts: the export tool's (``acled_mali_export.csv``), HDX's with its HXL tag
  row (``acled_burkina_faso_hdx.csv``), a 2023 file re-saved by R's write.csv (row names,
  every string quoted, NA for a missing value: ``acled_niger_r2023.csv``), and UCDP GED
  with UCDP's own names ("IS", "JNIM", "Government of Mali": ``ucdp_ged_sahel.csv``);
* revisions: some events appear again with a later ``timestamp`` (more deaths).

The output is deterministic. ``python bench/real_shaped.py DIR [--rows N]`` writes the
four files into DIR (tests/fixtures/real_shaped holds them at the default size).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.imports.layouts import ACLED_COLUMNS, UCDP_COLUMNS  # noqa: E402

Y = date


def _state(kind: str, country: str, periods: list[tuple[date, str]]):
    return [(start, f"{kind} of {country} ({p})") for start, p in periods]


PERIODS = {
    "Mali": [(Y(2012, 1, 1), "2002-2012"), (Y(2012, 3, 22), "2012-2013"), (Y(2013, 9, 4), "2013-2020"),
             (Y(2020, 8, 18), "2020-2021"), (Y(2021, 5, 24), "2021-")],
    "Burkina Faso": [(Y(2012, 1, 1), "1987-2014"), (Y(2014, 10, 31), "2014-2015"), (Y(2015, 12, 29), "2015-2022"),
                     (Y(2022, 1, 24), "2022-")],
    "Niger": [(Y(2012, 1, 1), "2011-2021"), (Y(2021, 4, 2), "2021-2023"), (Y(2023, 7, 26), "2023-")],
}
BRANCHES = ["", "", "", "", "", " Gendarmerie", " National Guard", " Air Force"]

# (ACLED name, inter code, first year, last year, weight): the armed actors of each country
ARMED = {
    "Mali": [
        ("MNLA: National Movement for the Liberation of Azawad", "2", 2012, 2014, 6),
        ("Ansar Dine", "2", 2012, 2016, 5),
        ("MUJAO: Movement for Unity and Jihad in West Africa", "2", 2012, 2013, 5),
        ("AQIM: Al Qaeda in the Islamic Maghreb", "2", 2012, 2017, 5),
        ("Al Mourabitoune Battalion", "2", 2014, 2016, 3),
        ("Al Mourabitoun", "2", 2014, 2016, 1),
        ("HCUA: High Council for the Unity of Azawad", "2", 2013, 2016, 2),
        ("MAA: Arab Movement of Azawad", "2", 2013, 2017, 2),
        ("MAA: Arab Movement of the Azawad (Platform)", "3", 2015, 2018, 2),
        ("CMA: Coordination of Azawad Movements", "2", 2014, 2024, 4),
        ("GATIA: Imghad Tuareg and Allies Self-Defense Group", "3", 2014, 2020, 3),
        ("Platform", "3", 2015, 2018, 1),
        ("MSA: Movement for the Salvation of Azawad", "3", 2016, 2021, 2),
        ("JNIM: Group for Support of Islam and Muslims", "2", 2017, 2024, 20),
        ("Katiba Macina", "2", 2015, 2024, 6),
        ("Katiba Serma", "2", 2018, 2024, 1),
        ("Islamic State (Greater Sahara)", "2", 2016, 2019, 4),
        ("Islamic State (West Africa) - Greater Sahara Faction", "2", 2019, 2022, 5),
        ("Islamic State (Sahel)", "2", 2022, 2024, 8),
        ("Dan Na Ambassagou", "4", 2017, 2022, 4),
        ("Dozo Communal Militia (Mali)", "4", 2016, 2024, 3),
        ("Fulani Ethnic Militia (Mali)", "4", 2016, 2024, 3),
        ("Dogon Ethnic Militia (Mali)", "4", 2018, 2022, 2),
        ("Ganda Izo", "3", 2012, 2016, 1),
        ("Unidentified Armed Group (Mali)", "3", 2012, 2024, 6),
        ("CSP-PSD: Permanent Strategic Framework for Peace, Security and Development", "2", 2023, 2024, 2),
        ("FLA: Azawad Liberation Front", "2", 2024, 2024, 2),
        ("CJA: Congress for Justice in Azawad", "3", 2016, 2018, 1),
        ("Mutiny of Military Forces of Mali (2020-2021)", "8", 2020, 2020, 1),
    ],
    "Burkina Faso": [
        ("Ansaroul Islam", "2", 2016, 2024, 6),
        ("JNIM: Group for Support of Islam and Muslims", "2", 2017, 2024, 18),
        ("Islamic State (Greater Sahara)", "2", 2017, 2019, 3),
        ("Islamic State (West Africa) - Greater Sahara Faction", "2", 2019, 2022, 4),
        ("Islamic State (Sahel)", "2", 2022, 2024, 5),
        ("VDP: Volunteers for the Defense of the Homeland", "3", 2020, 2024, 8),
        ("Koglweogo Militia", "4", 2016, 2024, 4),
        ("Dozo Communal Militia (Burkina Faso)", "4", 2017, 2024, 2),
        ("Fulani Ethnic Militia (Burkina Faso)", "4", 2018, 2024, 2),
        ("Unidentified Armed Group (Burkina Faso)", "3", 2015, 2024, 6),
        ("Katiba Hanifa", "2", 2019, 2023, 1),
        ("Mutiny of Military Forces of Burkina Faso (2015-2022)", "8", 2022, 2022, 1),
    ],
    "Niger": [
        ("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "2", 2015, 2024, 5),
        ("Boko Haram - Jamaatu Ahli is-Sunna lid-Dawati wal-Jihad", "2", 2015, 2024, 1),
        ("Islamic State (West Africa)", "2", 2016, 2024, 6),
        ("Islamic State (Greater Sahara)", "2", 2016, 2019, 3),
        ("Islamic State (West Africa) - Greater Sahara Faction", "2", 2019, 2022, 5),
        ("Islamic State (Sahel)", "2", 2022, 2024, 6),
        ("JNIM: Group for Support of Islam and Muslims", "2", 2018, 2024, 5),
        ("MUJAO: Movement for Unity and Jihad in West Africa", "2", 2012, 2013, 2),
        ("Al Mourabitoune Battalion", "2", 2014, 2016, 1),
        ("Zarma Communal Militia (Niger)", "4", 2018, 2024, 2),
        ("Fulani Ethnic Militia (Niger)", "4", 2017, 2024, 2),
        ("Tuareg Ethnic Militia (Niger)", "4", 2018, 2024, 1),
        ("Unidentified Armed Group (Niger)", "3", 2012, 2024, 5),
        ("Lakurawa", "2", 2023, 2024, 1),
    ],
}
# Foreign and international forces met in each country: (name, first year, last year, weight)
FOREIGN = {
    "Mali": [("Military Forces of France (2012-2017)", 2013, 2017, 4), ("Military Forces of France (2017-)", 2017, 2022, 4),
             ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-2023)", 2013, 2023, 3),
             ("Military Forces of Chad (1990-2021)", 2013, 2014, 1), ("Wagner Group", 2022, 2023, 3),
             ("Africa Corps", 2024, 2024, 1)],
    "Burkina Faso": [("Military Forces of France (2017-)", 2018, 2022, 1)],
    "Niger": [("Military Forces of Nigeria (2015-2023)", 2015, 2023, 2), ("Military Forces of Chad (1990-2021)", 2015, 2020, 1),
              ("Military Forces of France (2017-)", 2017, 2022, 1)],
}
ALLIES = {"Mali": ["Wagner Group", "Africa Corps", "Dozo Communal Militia (Mali)"], "Burkina Faso": [
    "VDP: Volunteers for the Defense of the Homeland"], "Niger": []}
PLACES = {
    "Mali": ("466", "MLI", [("Mopti", "Douentza", "Boulkessi", 14.48, -1.41), ("Mopti", "Djenne", "Moura", 14.159, -4.106),
                            ("Segou", "Niono", "Niono", 14.252, -5.993), ("Gao", "Ansongo", "Tessit", 15.202, 0.663),
                            ("Menaka", "Menaka", "Menaka", 15.918, 2.402), ("Kidal", "Kidal", "Kidal", 18.441, 1.408),
                            ("Timbuktu", "Timbuktu", "Ber", 16.883, -2.965)]),
    "Burkina Faso": ("854", "BFO", [("Sahel", "Soum", "Djibo", 14.10, -1.63), ("Est", "Gourma", "Fada N'Gourma", 12.06, 0.36),
                                    ("Centre-Nord", "Sanmatenga", "Barsalogho", 13.42, -1.06), ("Sahel", "Seno", "Dori", 14.03, -0.03)]),
    "Niger": ("562", "NIG", [("Tillaberi", "Tera", "Tera", 14.01, 0.75), ("Diffa", "Diffa", "Bosso", 13.70, 13.31),
                             ("Tahoua", "Tahoua", "Tahoua", 14.89, 5.27), ("Tillaberi", "Ouallam", "Banibangou", 15.04, 2.70)]),
}
FIRST = {"Mali": 2012, "Burkina Faso": 2015, "Niger": 2012}
OUTLETS = ["AFP", "Reuters", "RFI", "Studio Tamani", "Lefaso.net", "ActuNiger", "Twitter", "Local sources"]


def _period(country: str, day: date) -> str:
    return [p for start, p in PERIODS[country] if start <= day][-1]


def _pick(rng: random.Random, pool, year: int):
    live = [a for a in pool if a[-3] <= year <= a[-2]]
    return rng.choices(live, weights=[a[-1] for a in live])[0] if live else None


def acled_rows(country: str, n: int, rng: random.Random, first_year: int | None = None) -> list[dict]:
    iso, code, places = PLACES[country]
    first = first_year or FIRST[country]
    span = (Y(2024, 12, 31) - Y(first, 1, 1)).days
    rows = []
    for i in range(n):
        day = Y(first, 1, 1) + timedelta(days=rng.randrange(span))
        year = day.year
        admin1, admin2, location, lat, lon = rng.choice(places)
        forces = f"Military Forces of {country} ({_period(country, day)}){rng.choice(BRANCHES)}"
        group = _pick(rng, ARMED[country], year)
        if group is None:
            continue
        name, inter = group[0], group[1]
        if rng.random() < (0.25 if country == "Burkina Faso" else 0.08) and year >= 2019:
            other = _pick(rng, [a for a in ARMED[country] if a[1] == "2" and a[0] != name], year)
            if other is not None and inter == "2":
                name = f"{name} and/or {other[0]}"  # ACLED's uncertain attribution
        kind = rng.random()
        assoc1 = assoc2 = civ = ""
        if kind < 0.45:
            event_type, sub = "Battles", rng.choice(["Armed clash", "Armed clash", "Armed clash",
                                                     "Government regains territory"])
            roll = rng.random()
            if roll < 0.65:
                actor1, inter1, actor2, inter2 = forces, "1", name, inter
                allies = [a for a in ALLIES[country] if rng.random() < 0.15 and (a != "Wagner Group" or 2022 <= year <= 2023)
                          and (a != "Africa Corps" or year >= 2024)
                          and (not a.startswith("VDP") or year >= 2020)]
                assoc1 = "; ".join(allies)
            elif roll < 0.8 and (foreign := _pick(rng, FOREIGN[country], year)) is not None:
                actor1, inter1, actor2, inter2 = foreign[0], "8", name, inter
            else:
                other = _pick(rng, [a for a in ARMED[country] if a[0] != group[0]], year)
                if other is None:
                    continue
                actor1, inter1, actor2, inter2 = name, inter, other[0], other[1]
            disorder = "Political violence"
        elif kind < 0.7:
            event_type, sub = "Violence against civilians", rng.choice(["Attack", "Abduction/forced disappearance"])
            actor1, inter1 = (name, inter) if rng.random() < 0.8 else (forces, "1")
            actor2, inter2 = f"Civilians ({country})", "7"
            disorder, civ = "Political violence", "Civilian targeting"
        elif kind < 0.82:
            event_type, sub = "Explosions/Remote violence", rng.choice(["Air/drone strike", "Remote explosive/landmine/IED"])
            actor1, inter1, actor2, inter2 = (forces, "1", name, inter) if sub == "Air/drone strike" else (name, inter, forces, "1")
            disorder = "Political violence"
        elif kind < 0.93:
            event_type, sub = "Protests", "Peaceful protest"
            actor1, inter1, actor2, inter2 = f"Protesters ({country})", "6", "", ""
            disorder = "Demonstrations"
        else:
            event_type, sub = "Strategic developments", rng.choice(["Looting/property destruction", "Disrupted weapons use"])
            actor1, inter1, actor2, inter2 = name, inter, "", ""
            disorder = "Strategic developments"
        fatalities = 0 if event_type in ("Protests", "Strategic developments") else rng.choice((0, 1, 2, 3, 5, 8, 14, 24))
        stamp = int(1_600_000_000 + (day - Y(2012, 1, 1)).days * 86_400 // 8 + i)
        rows.append({
            "event_id_cnty": f"{code}{1000 + i}", "event_date": day.isoformat(), "year": str(year),
            "time_precision": rng.choice("1111112223"), "disorder_type": disorder, "event_type": event_type,
            "sub_event_type": sub, "actor1": actor1, "assoc_actor_1": assoc1, "inter1": inter1,
            "actor2": actor2, "assoc_actor_2": assoc2, "inter2": inter2,
            "interaction": "".join(sorted(inter1 + inter2)) or "0", "civilian_targeting": civ,
            "iso": iso, "region": "Western Africa", "country": country, "admin1": admin1, "admin2": admin2,
            "admin3": "", "location": location, "latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}",
            "geo_precision": "1", "source": "; ".join(rng.sample(OUTLETS, rng.choice((1, 2)))),
            "source_scale": "National", "notes": f"On {day:%d %B %Y}, {sub.lower()} near {location} ({admin1}).",
            "fatalities": str(fatalities), "tags": "", "timestamp": str(stamp),
        })
    return rows


def revisions(rows: list[dict], rng: random.Random, share: float = 0.03) -> list[dict]:
    """Some events again, as a later export revises them: a later timestamp, more deaths."""
    out = []
    for r in rng.sample(rows, max(1, int(len(rows) * share))):
        r = dict(r)
        r["fatalities"] = str(int(r["fatalities"] or 0) + 10)
        r["timestamp"] = str(int(r["timestamp"]) + 40_000_000)
        out.append(r)
    return out


HXL = {"event_id_cnty": "#event+code", "event_date": "#date+occurred", "year": "#date+year",
       "time_precision": "#date+precision", "event_type": "#event+type", "sub_event_type": "#event+type+sub",
       "actor1": "#group+name+first", "assoc_actor_1": "#group+name+first+assoc", "inter1": "#group+first+type",
       "actor2": "#group+name+second", "assoc_actor_2": "#group+name+second+assoc", "inter2": "#group+second+type",
       "interaction": "#group+interaction", "region": "#region+name", "country": "#country+name",
       "admin1": "#adm1+name", "admin2": "#adm2+name", "admin3": "#adm3+name", "location": "#loc+name",
       "latitude": "#geo+lat", "longitude": "#geo+lon", "geo_precision": "#geo+precision", "source": "#meta+source",
       "source_scale": "#meta+source+scale", "notes": "#description", "fatalities": "#affected+killed",
       "timestamp": "#date+updated", "iso3": "#country+code"}
HDX_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1",
               "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "region", "country",
               "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
               "source_scale", "notes", "fatalities", "timestamp", "iso3"]
NUMERIC = {"year", "time_precision", "inter1", "inter2", "interaction", "iso", "latitude", "longitude",
           "geo_precision", "fatalities", "timestamp"}


def export_tool(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, ACLED_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def hdx(rows: list[dict]) -> str:
    """HDX's layout: its own column order, iso3, and the HXL tag row under the header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HDX_COLUMNS)
    w.writerow([HXL.get(c, "") for c in HDX_COLUMNS])
    for r in rows:
        w.writerow([r.get(c, "") if c != "iso3" else "BFA" for c in HDX_COLUMNS])
    return buf.getvalue()


def r_write_csv(rows: list[dict]) -> str:
    """A 2023 export re-saved by R's write.csv: row names, strings quoted, NA for a missing value."""
    columns = [c for c in ACLED_COLUMNS if c != "tags"]
    out = [",".join(['""', *(f'"{c}"' for c in columns)])]
    for i, r in enumerate(rows, 1):
        cells = [f'"{i}"']
        for c in columns:
            v = r[c]
            cells.append("NA" if v == "" else v if c in NUMERIC else '"' + v.replace('"', '""') + '"')
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


UCDP_SIDES = {  # country: [(UCDP name, UCDP actor id, first year, last year, weight)]
    "Mali": [("MNLA", "3218", 2012, 2014, 3), ("Ansar Dine", "3219", 2012, 2016, 3), ("MUJAO", "3220", 2012, 2013, 3),
             ("AQIM", "871", 2012, 2017, 3), ("JNIM", "6703", 2017, 2024, 10), ("IS", "234", 2019, 2024, 5),
             ("CMA", "5541", 2014, 2017, 2), ("GATIA", "5542", 2014, 2018, 2)],
    "Burkina Faso": [("Ansarul Islam", "6197", 2017, 2024, 4), ("JNIM", "6703", 2017, 2024, 8), ("IS", "234", 2019, 2024, 4)],
    "Niger": [("Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", "1091", 2015, 2024, 4), ("IS", "234", 2016, 2024, 6),
              ("JNIM", "6703", 2018, 2024, 2)],
}
UCDP_GOV = {"Mali": ("432", "Government of Mali"), "Burkina Faso": ("439", "Government of Burkina Faso"),
            "Niger": ("436", "Government of Niger")}


def ucdp_rows(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        country = rng.choices(list(UCDP_SIDES), weights=(5, 3, 2))[0]
        cid, government = UCDP_GOV[country]
        start = Y(2012, 1, 1) + timedelta(days=rng.randrange((Y(2024, 12, 31) - Y(2012, 1, 1)).days))
        group = _pick(rng, UCDP_SIDES[country], start.year)
        if group is None:
            continue
        violence = rng.choices("123", weights=(6, 1, 3))[0]
        name, gid = group[0], group[1]
        if violence == "2":
            other = _pick(rng, [g for g in UCDP_SIDES[country] if g[0] != name], start.year)
            if other is None:
                continue
            side_a, side_b, id_a, id_b = name, other[0], gid, other[1]
        elif violence == "1":
            side_a, side_b, id_a, id_b = government, name, cid, gid
        else:
            side_a, side_b, id_a, id_b = name, "Civilians", gid, "1"
        admin1, admin2, location, lat, lon = rng.choice(PLACES[country][2])
        best = rng.choice((1, 2, 4, 7, 12))
        row = dict.fromkeys(UCDP_COLUMNS, "")
        row.update({
            "id": str(300000 + i), "relid": f"{PLACES[country][1]}-{start.year}-{violence}-{i}", "year": str(start.year),
            "active_year": "1", "code_status": "Clear", "type_of_violence": violence,
            "conflict_name": f"{country}: Government" if violence == "1" else f"{side_a} - {side_b}",
            "dyad_name": f"{side_a} - {side_b}", "side_a": side_a, "side_a_new_id": id_a, "side_b": side_b,
            "side_b_new_id": id_b, "number_of_sources": "1", "where_prec": "1", "where_coordinates": f"{location} town",
            "adm_1": f"{admin1} region", "adm_2": admin2, "latitude": f"{lat}", "longitude": f"{lon}",
            "geom_wkt": f"POINT ({lon} {lat})", "country": country, "country_id": cid, "region": "Africa",
            "event_clarity": "1", "date_prec": "1", "date_start": f"{start} 00:00:00.000",
            "date_end": f"{start} 00:00:00.000", "deaths_a": "0", "deaths_b": str(best), "deaths_civilians": "0",
            "deaths_unknown": "0", "best": str(best), "high": str(best + 2), "low": str(best), "gwnoa": cid,
        })
        out.append(row)
    return out


def write_all(folder: Path, rows: int = 400, seed: int = 22) -> dict[str, Path]:
    """The four files, ``rows`` events each (and a few revisions), in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    mali = acled_rows("Mali", rows, rng)
    mali += revisions(mali, rng)
    burkina = acled_rows("Burkina Faso", rows, rng)
    niger = [r for r in acled_rows("Niger", rows * 12, rng, first_year=2012) if r["year"] == "2023"][:rows]
    files = {
        "acled_mali_export.csv": export_tool(mali),
        "acled_burkina_faso_hdx.csv": hdx(burkina),
        "acled_niger_r2023.csv": r_write_csv(niger),
        "ucdp_ged_sahel.csv": export_ucdp(ucdp_rows(rows, rng)),
    }
    out = {}
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


def export_ucdp(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, UCDP_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    for path in write_all(args.folder, args.rows, args.seed).values():
        print(path)


if __name__ == "__main__":
    main()
