#!/usr/bin/env python3
"""Regenerate kg/geo/sahel-borders.json, the country borders of the map in ``kg viz``.

Where the data comes from: Natural Earth's Admin 0 countries at 1:50m (public
domain), as redistributed in TopoJSON by the npm package ``world-atlas``
(version 2.0.2, ISC licence, Natural Earth 4.1.0). Run at development time only;
``kg`` never downloads anything::

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 scripts/make-borders.py /tmp/package/countries-50m.json

The script decodes the TopoJSON arcs (quantised, delta-encoded), keeps the
countries whose outline reaches into the region around Mali, Burkina Faso and
Niger (REGION below), simplifies each ring (Douglas-Peucker, TOLERANCE degrees)
and writes rings as flat [lon, lat, lon, lat, ...] lists rounded to 0.01°.
Standard library only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from geometry import simplify  # scripts/geometry.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kg" / "geo" / "sahel-borders.json"
REGION = (-18.5, 3.5, 25.0, 28.0)  # west, south, east, north: the Sahel and the coast south of it
TOLERANCE = 0.03
FOCUS = {"Mali", "Burkina Faso", "Niger"}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def main(path: str) -> None:
    topo = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    west, south, east, north = REGION
    countries = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [ring(arcs, r) for polygon in polygons for r in polygon]
        inside = any(west <= x <= east and south <= y <= north for r in rings for x, y in r)
        if not inside:
            continue
        out = []
        for r in rings:
            simple = simplify(r, TOLERANCE)
            if len(simple) < 4:
                continue
            out.append([round(v, 2) for p in simple for v in p])
        name = geometry["properties"]["name"]
        countries.append({"id": geometry.get("id"), "name": name, "focus": name in FOCUS, "rings": out})
    countries.sort(key=lambda c: c["name"])
    data = {
        "source": "Natural Earth 1:50m Admin 0 countries (version 4.1.0), via the npm package world-atlas 2.0.2",
        "licence": "Natural Earth: public domain; world-atlas packaging: ISC",
        "regenerate": "python3 scripts/make-borders.py countries-50m.json (see the script's docstring)",
        "region": list(REGION),
        "countries": countries,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for c in countries for r in c["rings"])
    print(f"wrote {OUT}: {len(countries)} countries, {points} points, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
