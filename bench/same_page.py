"""Do two pages of ``kg viz`` hold the same data? (the check behind a speed-up of the page's making)

    .venv/bin/python bench/same_page.py BEFORE.html AFTER.html

Compares the page's two data blocks (``kg-data``, ``kg-map``): byte for byte first; if they
differ, as what they mean: ``kg-data`` unpacked (``kg.explore.viz.unpack``), the map with every
number that points into one of its tables (places, actors, types, sources, groups, event
positions) replaced by what it points at, and its rows sorted where their order only follows
the order the store gave them in (the table of groups is left out: how many distinct groups
it holds depends on how actors and sources are numbered, as an actor's group and a source's
group of the same numbers are one entry). Prints what is the same and the first differences;
exit 1 when they differ.

    --no-positions   nodes' x and y left out of the comparison: for pages of two layouts (the
                     ninth session's faster one moved every node), or of code before the ninth
                     session, whose small components' layout changed from one run to the next
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def blocks(html: str) -> dict[str, str]:
    """The text of each data block of a page, by its id."""
    return {m.group(1): m.group(2) for m in
            re.finditer(r'<script id="(kg-data|kg-map)" type="application/json">(.*?)</script>', html, re.S)}


def _json(text: str):
    return json.loads(text) if text.strip() not in ("", "null") else None


def map_meaning(m: dict | None):
    """The map as what it says: one record per event, its references resolved, rows sorted."""
    if m is None:
        return None
    ev = m["events"]
    places, actors, types, sources, groups = m["places"], m["actors"], m["types"], m["sources"], m["groups"]

    def members(i: int, table: list) -> list:
        return sorted(json.dumps(table[x], sort_keys=True) for x in groups[i])

    n = len(ev["id"])
    records = []
    for i in range(n):
        records.append(json.dumps({
            "id": ev["id"][i], "label": ev["label"][i], "kind": ev["kind"][i], "type": types[ev["type"][i]],
            "start": ev["start"][i], "end": ev["end"][i], "prec": ev["prec"][i], "deaths": ev["deaths"][i],
            "place": places[ev["place"][i]], "a": members(ev["a"][i], actors), "b": members(ev["b"][i], actors),
            "o": members(ev["o"][i], actors), "src": members(ev["src"][i], sources),
        }, sort_keys=True, ensure_ascii=False))
    ids = ev["id"]
    incidents = sorted(json.dumps([ids[drawn], sets, [r[:7] + [ids[r[7]] if r[7] >= 0 else None] for r in recs]])
                       for drawn, sets, recs in m["incidents"])
    rest = {k: v for k, v in m.items() if k not in ("events", "places", "actors", "types", "sources", "groups",
                                                      "unplaced", "incidents")}
    return {"events": sorted(records), "eventOrder": [(ev["start"][i], ids[i]) for i in range(n)],
            "unplaced": sorted(json.dumps(u, ensure_ascii=False) for u in m["unplaced"]),
            "incidents": incidents, "rest": json.dumps(rest, sort_keys=True, ensure_ascii=False),
            "tables": {k: len(m[k]) for k in ("places", "actors", "types", "sources")}}


def compare(before: str, after: str, positions: bool = True) -> bool:
    from kg.explore.viz import unpack

    a, b = blocks(before), blocks(after)
    same = True
    for name in ("kg-data", "kg-map"):
        if a.get(name) == b.get(name):
            print(f"{name}: byte-identical ({len((a.get(name) or '').encode()):,} bytes)")
            continue
        if name == "kg-data":
            x, y = unpack(_json(a[name])), unpack(_json(b[name]))
            if not positions:
                for n in x.get("nodes", []) + y.get("nodes", []):
                    n.pop("x", None), n.pop("y", None)
        else:
            x, y = map_meaning(_json(a[name])), map_meaning(_json(b[name]))
        if x == y:
            print(f"{name}: not byte-identical, equal as what it means (unpacked, references resolved"
                  f"{'' if positions or name != 'kg-data' else ', positions left out'})")
            continue
        same = False
        print(f"{name}: DIFFERENT")
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                xv, yv = x.get(k), y.get(k)
                if isinstance(xv, list) and isinstance(yv, list):
                    diff = [(i, p, q) for i, (p, q) in enumerate(zip(xv, yv)) if p != q]
                    print(f"  {k}: {len(xv)} vs {len(yv)} items, {len(diff)} differ")
                    for i, p, q in diff[:10]:
                        if isinstance(p, dict) and isinstance(q, dict):
                            fields = {f: (p.get(f), q.get(f)) for f in sorted(set(p) | set(q)) if p.get(f) != q.get(f)}
                            print(f"    {p.get('id', i)}: {fields}"[:300])
                        else:
                            print(f"    {i}: {str(p)[:140]} vs {str(q)[:140]}")
                else:
                    print(f"  {k}: {str(xv)[:300]} vs {str(yv)[:300]}")
    rest_a = re.sub(r'<script id="(kg-data|kg-map)" type="application/json">.*?</script>', "", before, flags=re.S)
    rest_b = re.sub(r'<script id="(kg-data|kg-map)" type="application/json">.*?</script>', "", after, flags=re.S)
    print("the rest of the page:", "byte-identical" if rest_a == rest_b else "DIFFERENT")
    return same and rest_a == rest_b


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-positions"]
    if len(args) != 2:
        sys.exit(__doc__)
    ok = compare(Path(args[0]).read_text(encoding="utf-8"), Path(args[1]).read_text(encoding="utf-8"),
                 positions="--no-positions" not in sys.argv)
    sys.exit(0 if ok else 1)
