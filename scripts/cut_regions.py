#!/usr/bin/env python3
"""Regenerate kg/geo/sahel-regions.json, the first-level regions of Mali, Burkina Faso and Niger.

Where the data comes from: Natural Earth's "Admin 1 - States, Provinces" layer at 1:10m
(public domain, https://www.naturalearthdata.com/downloads/10m-cultural-vectors/10m-admin-1-states-provinces/).
Run at development time only; ``kg`` never downloads anything::

    python3 scripts/cut_regions.py PATH [PLACES_CSV]

PATH is one of Natural Earth's files for that layer, as GeoJSON (``.geojson``/``.json``) or as a
shapefile (``.shp`` with its ``.dbf`` beside it):

- ``ne_10m_admin_1_states_provinces`` (the polygons; what the map should show), or
- ``ne_10m_admin_1_label_points`` (one point per unit; a fallback when the polygons are not at
  hand: every feature of the output is then a Point).

PLACES_CSV (default ``data/places.csv``) gives the region place ids; a region the source lacks
(Mali's Ménaka and Taoudénit, set up in 2016, are in no Natural Earth release we have seen) is
written as a Point at the place's ``lat``/``lon`` with the place's own sources.

What the script does: keeps the units of MLI, BFA and NER; maps each to our place id (Natural
Earth splits Burkina Faso into its 45 provinces: they are merged into the 13 regions in force
before the 2025 reform, by dropping the borders two provinces of one region share); simplifies
each ring (Douglas-Peucker, TOLERANCE degrees), rounds coordinates to DECIMALS places and drops
repeated points. Standard library only. Each feature's properties: ``place`` (our place id),
``name``, ``country`` (our state id), ``adm1_code`` (Natural Earth's code, or the ISO 3166-2 code
for a region Natural Earth lacks), ``source``.
"""

from __future__ import annotations

import csv
import json
import struct
import sys
import unicodedata
from pathlib import Path

from geometry import simplify  # scripts/geometry.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kg" / "geo" / "sahel-regions.json"
TOLERANCE = 0.01
DECIMALS = 3
NE_SOURCE = "Natural Earth 1:10m Admin 1 states and provinces"
COUNTRIES = {"MLI": "mali", "BFA": "burkina_faso", "NER": "niger"}

# Natural Earth's unit names (accents and case folded) -> our place ids, for Mali and Niger.
UNITS = {
    "MLI": {"kayes": "ml_kayes", "koulikoro": "ml_koulikoro", "sikasso": "ml_sikasso",
            "segou": "ml_segou", "mopti": "ml_mopti", "timbuktu": "ml_timbuktu",
            "tombouctou": "ml_timbuktu", "gao": "ml_gao", "kidal": "ml_kidal",
            "menaka": "ml_menaka", "taoudenit": "ml_taoudenit", "bamako": "ml_bamako"},
    "NER": {"agadez": "ne_agadez", "diffa": "ne_diffa", "dosso": "ne_dosso", "maradi": "ne_maradi",
            "tahoua": "ne_tahoua", "tillaberi": "ne_tillaberi", "zinder": "ne_zinder",
            "niamey": "ne_niamey"},
}
# Burkina Faso's 45 provinces -> the 13 regions before the 2025 reform.
BF_PROVINCES = {
    "bf_boucle_du_mouhoun": ["bale", "banwa", "kossi", "mouhoun", "nayala", "sourou"],
    "bf_cascades": ["comoe", "leraba"],
    "bf_centre": ["kadiogo"],
    "bf_centre_est": ["boulgou", "koulpelogo", "kouritenga"],
    "bf_centre_nord": ["bam", "namentenga", "sanmatenga"],
    "bf_centre_ouest": ["boulkiemde", "sanguie", "sissili", "ziro"],
    "bf_centre_sud": ["bazega", "nahouri", "zoundweogo"],
    "bf_est": ["gnagna", "gourma", "komondjari", "kompienga", "tapoa"],
    "bf_hauts_bassins": ["houet", "kenedougou", "tuy"],
    "bf_nord": ["loroum", "passore", "yatenga", "zondoma"],
    "bf_plateau_central": ["ganzourgou", "kourweogo", "oubritenga"],
    "bf_sahel": ["oudalan", "seno", "soum", "yagha"],
    "bf_sud_ouest": ["bougouriba", "ioba", "noumbiel", "poni"],
}
# With label points, a region's point is that of the province holding the region's capital.
BF_CAPITAL_PROVINCE = {
    "bf_boucle_du_mouhoun": "mouhoun", "bf_cascades": "comoe", "bf_centre": "kadiogo",
    "bf_centre_est": "boulgou", "bf_centre_nord": "sanmatenga", "bf_centre_ouest": "boulkiemde",
    "bf_centre_sud": "zoundweogo", "bf_est": "gourma", "bf_hauts_bassins": "houet",
    "bf_nord": "yatenga", "bf_plateau_central": "oubritenga", "bf_sahel": "seno",
    "bf_sud_ouest": "poni",
}
# Spellings of Natural Earth's that differ from the provinces' usual ones.
PROVINCE_SPELLINGS = {"mou houn": "mouhoun", "komoe": "comoe"}
ISO_3166_2 = {"ml_menaka": "ML-9", "ml_taoudenit": "ML-10"}
# Natural Earth's Mali units keep the borders of before 2016.
NE_EXTENT_NOTES = {"ml_gao": "Natural Earth's unit, which still includes Ménaka Region (split off in 2016)",
                   "ml_timbuktu": "Natural Earth's unit, which still includes Taoudénit Region (split off in 2016)"}


def fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("-", " ").replace("'", " ").split())


def province_region() -> dict[str, str]:
    return {p: region for region, provinces in BF_PROVINCES.items() for p in provinces}


# ---------------------------------------------------------------- reading the source

def read_geojson(path: Path) -> list[tuple[dict, dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(f.get("properties") or {}, f.get("geometry") or {}) for f in data["features"]]


def read_dbf(path: Path) -> list[dict]:
    raw = path.read_bytes()
    count, header_len, record_len = struct.unpack("<IHH", raw[4:12])
    fields, pos = [], 32
    while raw[pos] != 0x0D:
        name = raw[pos:pos + 11].split(b"\0")[0].decode("ascii").lower()
        fields.append((name, raw[pos + 16]))
        pos += 32
    rows = []
    for i in range(count):
        record = raw[header_len + i * record_len: header_len + (i + 1) * record_len]
        row, offset = {}, 1
        for name, length in fields:
            row[name] = record[offset:offset + length].decode("utf-8", "replace").strip()
            offset += length
        rows.append(row)
    return rows


def read_shp(path: Path) -> list[tuple[dict, dict]]:
    raw = path.read_bytes()
    records = read_dbf(path.with_suffix(".dbf"))
    out, pos = [], 100
    for props in records:
        length = struct.unpack(">I", raw[pos + 4:pos + 8])[0] * 2
        body = raw[pos + 8:pos + 8 + length]
        pos += 8 + length
        shape = struct.unpack("<i", body[:4])[0]
        if shape in (1, 11, 21):
            x, y = struct.unpack("<2d", body[4:20])
            out.append((props, {"type": "Point", "coordinates": [x, y]}))
        elif shape in (5, 15, 25):
            nparts, npoints = struct.unpack("<2i", body[36:44])
            parts = list(struct.unpack(f"<{nparts}i", body[44:44 + 4 * nparts])) + [npoints]
            base = 44 + 4 * nparts
            xy = struct.unpack(f"<{2 * npoints}d", body[base:base + 16 * npoints])
            rings = [[[xy[2 * k], xy[2 * k + 1]] for k in range(parts[j], parts[j + 1])] for j in range(nparts)]
            # a shapefile lists outer rings clockwise and holes anticlockwise, all in one record
            polygons: list[list] = []
            for r in rings:
                if signed_area(r) <= 0 or not polygons:
                    polygons.append([r])
                else:
                    polygons[-1].append(r)
            out.append((props, {"type": "MultiPolygon", "coordinates": polygons}))
        else:
            out.append((props, {}))
    return out


def read_source(path: Path) -> list[tuple[dict, dict]]:
    if path.suffix.lower() == ".shp":
        return read_shp(path)
    return read_geojson(path)


# ---------------------------------------------------------------- geometry

def signed_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / 2


def polygons_of(geometry: dict) -> list[list[list]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return geometry["coordinates"]
    return []


def dissolve(polygons: list[list[list]]) -> list[list[list]]:
    """Merge adjacent polygons by dropping every edge two of them share (walked both ways).

    Natural Earth's admin-1 units share their border vertices, so the shared edges cancel out
    exactly (after rounding to 1e-6 degrees); what remains is chained back into rings."""
    def key(p):
        return (round(p[0], 6), round(p[1], 6))

    edges: dict[tuple, int] = {}
    for polygon in polygons:
        for r, ring in enumerate(polygon):
            pts = [key(p) for p in ring]
            if pts[0] != pts[-1]:
                pts.append(pts[0])
            outer = r == 0
            # orient outer rings anticlockwise and holes clockwise, so that shared edges run opposite
            if (signed_area(pts[:-1]) > 0) != outer:
                pts.reverse()
            for a, b in zip(pts, pts[1:]):
                if a == b:
                    continue
                if (b, a) in edges:
                    edges[(b, a)] -= 1
                    if not edges[(b, a)]:
                        del edges[(b, a)]
                else:
                    edges[(a, b)] = edges.get((a, b), 0) + 1
    nexts: dict[tuple, list] = {}
    for (a, b) in edges:
        nexts.setdefault(a, []).append(b)
    rings = []
    while nexts:
        start = next(iter(nexts))
        ring, point = [start], start
        while True:
            following = nexts[point].pop()
            if not nexts[point]:
                del nexts[point]
            point = following
            ring.append(point)
            if point == start or point not in nexts:
                break
        if len(ring) >= 4:
            rings.append([list(p) for p in ring])
    outers = [r for r in rings if signed_area(r[:-1]) > 0]
    holes = [r for r in rings if signed_area(r[:-1]) <= 0]
    result = [[o] for o in outers]
    for h in holes:  # a hole goes with the outer ring containing its first point
        for polygon in result:
            if inside(h[0], polygon[0]):
                polygon.append(h)
                break
    return result


def inside(point, ring) -> bool:
    x, y, hit = point[0], point[1], False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        if (y0 > y) != (y1 > y) and x < (x1 - x0) * (y - y0) / (y1 - y0) + x0:
            hit = not hit
    return hit


def clean_ring(ring: list) -> list | None:
    out: list = []
    for x, y in simplify(ring, TOLERANCE):
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or p != out[-1]:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def clean_polygons(polygons: list[list[list]]) -> dict | None:
    out = []
    for polygon in polygons:
        rings = [clean_ring(r) for r in polygon]
        if rings and rings[0]:
            out.append([r for r in rings if r])
    if not out:
        return None
    return {"type": "MultiPolygon", "coordinates": out} if len(out) > 1 else {"type": "Polygon", "coordinates": out[0]}


# ---------------------------------------------------------------- assembling

def country_of(props: dict) -> str | None:
    for k in ("adm0_a3", "sr_adm0_a3", "gu_a3", "sr_gu_a3"):
        if props.get(k) in COUNTRIES:
            return props[k]
    return None


def load_places(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f) if r["type"] == "region"}


def main(source: str, places_csv: str | None = None) -> None:
    places = load_places(Path(places_csv) if places_csv else ROOT / "data" / "places.csv")
    wanted = {pid: p for pid, p in places.items() if pid[:3] in ("ml_", "bf_", "ne_")}
    prov_region = province_region()
    polygons: dict[str, list] = {}
    points: dict[str, list] = {}
    codes: dict[str, list[str]] = {}
    for props, geometry in read_source(Path(source)):
        a3 = country_of(props)
        if not a3:
            continue
        name = fold(props.get("name") or props.get("name_en") or "")
        if a3 == "BFA":
            name = PROVINCE_SPELLINGS.get(name, name)
            place = prov_region.get(name)
        else:
            place = UNITS[a3].get(name)
        if not place:
            print(f"skipped {a3} unit {props.get('name')!r}: no region id for it", file=sys.stderr)
            continue
        code = props.get("adm1_code", "")
        if a3 == "BFA" and geometry.get("type") == "Point" and name != BF_CAPITAL_PROVINCE[place]:
            continue
        codes.setdefault(place, []).append(code)
        if geometry.get("type") == "Point":
            points[place] = geometry["coordinates"]
        else:
            polygons.setdefault(place, []).extend(polygons_of(geometry))
    features = []
    for place, row in sorted(wanted.items()):
        props = {"place": place, "name": row["label"], "country": row["country"]}
        geometry = None
        if place in polygons:
            merged = dissolve(polygons[place]) if place.startswith("bf_") else polygons[place]
            geometry = clean_polygons(merged)
        elif place in points:
            x, y = points[place]
            geometry = {"type": "Point", "coordinates": [round(x, DECIMALS), round(y, DECIMALS)]}
        if geometry:
            props["adm1_code"] = ";".join(sorted(c for c in codes[place] if c))
            props["source"] = NE_SOURCE
            if place in NE_EXTENT_NOTES:
                props["note"] = NE_EXTENT_NOTES[place]
        elif row["lat"] and row["lon"]:
            geometry = {"type": "Point", "coordinates": [round(float(row["lon"]), DECIMALS), round(float(row["lat"]), DECIMALS)]}
            props["adm1_code"] = ISO_3166_2.get(place, "")
            props["source"] = "data/places.csv (" + row["sources"] + "); not in the Natural Earth source"
        else:
            print(f"no geometry for {place}", file=sys.stderr)
            continue
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    data = {
        "type": "FeatureCollection",
        "source": f"{NE_SOURCE} ({Path(source).name}); Burkina Faso's provinces merged into its 13 regions of before 2025; "
                  "regions Natural Earth lacks as points from data/places.csv",
        "licence": "Natural Earth: public domain",
        "regenerate": "python3 scripts/cut_regions.py ne_10m_admin_1_states_provinces.shp (see the script's docstring)",
        "features": features,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    kinds = {}
    for f in features:
        kinds[f["geometry"]["type"]] = kinds.get(f["geometry"]["type"], 0) + 1
    print(f"wrote {OUT}: {len(features)} regions {kinds}, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
