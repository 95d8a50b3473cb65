"""A synthetic curated data folder of any size, shaped like data/: for the build benchmark.

It copies the shipped data folder (every real row stays, so every check and
every shape still sees real rows) and adds synthetic actors, sources,
relations and combat events cloned from real ones: each synthetic actor takes
the type, subtype, country and founding of a real actor and a name and
aliases of its own; each synthetic relation takes a real relation's type and
certainty, a subject and an object of the same actor types as the real
one's (a synthetic person leads, a synthetic state is governed, a place is
deployed in), a start at day, month or year precision between 2012 and the
as-of day, an end for four in five, and one to three synthetic sources. No
fact in it is real; the output is deterministic for a size and seed.

    python bench/synthetic_curated.py /tmp/curated-20k --statements 20000 --actors 2100
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.graph.tables import COLUMNS  # noqa: E402

FIRST_DAY = date(2012, 1, 1)
PUBLISHERS = ["Reuters", "AFP", "RFI", "Le Monde", "Jeune Afrique", "Al Jazeera", "BBC", "Studio Tamani",
              "Crisis Group", "ACLED", "UN Panel of Experts", "Human Rights Watch"]
SYLLABLES = ["ka", "ma", "sa", "dou", "ba", "ti", "na", "kou", "ga", "lo", "fa", "ssi", "ra", "djo", "wa"]


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "a", newline="", encoding="utf-8") as f:
        csv.DictWriter(f, fieldnames=COLUMNS[path.name], lineterminator="\n").writerows(rows)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _day_text(day: date, rng: random.Random) -> tuple[str, str]:
    """The day at a random precision, as a start text and as an end text."""
    precision = rng.choices(("day", "month", "year"), weights=(6, 3, 1))[0]
    if precision == "day":
        return day.isoformat(), day.isoformat()
    if precision == "month":
        return day.isoformat()[:7], day.isoformat()[:7]
    return str(day.year), str(day.year)


def generate(out: Path, statements: int, actors: int, seed: int = 15) -> dict[str, int]:
    """Write the folder; returns the number of rows per file."""
    rng = random.Random(seed)
    data = ROOT / "data"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(data, out, ignore=shutil.ignore_patterns("*.md"))
    real = {name: _read(data / name) for name in COLUMNS}
    as_of = date.fromisoformat(
        next(line.split("=")[1].split("#")[0].strip().strip('"')
             for line in (data / "dataset.toml").read_text().splitlines() if line.startswith("as_of")))
    days = (as_of - FIRST_DAY).days

    n_sources = max(50, statements // 12)
    sources = [{
        "id": f"syn_src_{i}", "title": f"{_name(rng)} report on the {rng.choice(('north', 'centre', 'border'))} #{i}",
        "publisher": rng.choice(PUBLISHERS), "date": (FIRST_DAY + timedelta(days=rng.randrange(days))).isoformat(),
        "url": f"https://example.org/sahel/{i}", "kind": rng.choice(("news", "report", "academic")), "note": "",
    } for i in range(n_sources)]

    def cite() -> str:
        return ";".join(sorted({rng.choice(sources)["id"] for _ in range(rng.randint(1, 3))}))

    by_type: dict[str, list[str]] = defaultdict(list)
    actor_type: dict[str, str] = {}
    for row in real["actors.csv"]:
        by_type[row["type"]].append(row["id"])
        actor_type[row["id"]] = row["type"]
    new_actors = []
    for i in range(max(0, actors - len(real["actors.csv"]))):
        model = rng.choice(real["actors.csv"])
        name = _name(rng)
        founded = "" if not model["founded"] else str(rng.randint(1960, 2011))
        new_actors.append({
            **model, "id": f"syn_{i}", "label": f"{name} {model['type'].replace('_', ' ')} {i}",
            "aliases": ";".join(f"{name} {a}" for a in ("Front", "Group")[: rng.randint(0, 2)]),
            "wikidata": "", "founded": founded, "dissolved": "",
            "description": f"Synthetic {model['type'].replace('_', ' ')} cloned from {model['id']}.",
            "sources": cite(),
        })
        by_type[model["type"]].append(f"syn_{i}")
        actor_type[f"syn_{i}"] = model["type"]
    places = [r["id"] for r in real["places.csv"]]

    relations = []
    templates = real["relations.csv"]
    for i in range(max(0, statements - len(templates))):
        model = rng.choice(templates)
        subject = rng.choice(by_type[actor_type[model["subject"]]])
        if model["object"] in actor_type:
            obj = rng.choice(by_type[actor_type[model["object"]]])
        else:
            obj = rng.choice(places)
        if obj == subject:
            obj = model["object"] if model["object"] != subject else rng.choice(places + by_type["state"])
            if obj == subject:
                continue
        start = FIRST_DAY + timedelta(days=rng.randrange(days))
        start_text, _ = _day_text(start, rng)
        end_text = ""
        if rng.random() < 0.8:
            end = min(as_of, start + timedelta(days=rng.choice((0, 30, 120, 400, 900))))
            _, end_text = _day_text(end, rng)  # never before the start: both texts widen outwards
        relations.append({
            "id": f"syn_rel_{i}", "subject": subject, "relation": model["relation"], "object": obj,
            "start": start_text, "end": end_text, "certainty": model["certainty"], "sources": cite(), "note": "",
        })

    events, participants = [], []
    fighters = by_type["armed_group"] + by_type["state_armed_forces"]
    for i in range(statements // 10):
        model = rng.choice([e for e in real["events.csv"] if e["type"] in ("battle", "attack", "ambush")])
        day = FIRST_DAY + timedelta(days=rng.randrange(days))
        a, b = rng.sample(fighters, 2)
        events.append({
            "id": f"syn_event_{i}", "label": f"{model['type'].capitalize()} of {_name(rng)} {i}",
            "type": model["type"], "start": day.isoformat(), "end": "", "place": rng.choice(places),
            "fatalities": str(rng.randrange(40)) if rng.random() < 0.7 else "", "wikidata": "",
            "description": "", "sources": cite(),
        })
        participants += [{"event": f"syn_event_{i}", "actor": a, "role": "attacker", "side": "a"},
                         {"event": f"syn_event_{i}", "actor": b, "role": "target", "side": "b"}]

    _append(out / "sources.csv", sources)
    _append(out / "actors.csv", new_actors)
    _append(out / "relations.csv", relations)
    _append(out / "events.csv", events)
    _append(out / "event_participants.csv", participants)
    return {"sources": len(real["sources.csv"]) + len(sources), "actors": len(real["actors.csv"]) + len(new_actors),
            "relations": len(templates) + len(relations), "events": len(real["events.csv"]) + len(events)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--actors", type=int, default=2_100)
    parser.add_argument("--seed", type=int, default=15)
    opts = parser.parse_args()
    print(generate(opts.out, opts.statements, opts.actors, opts.seed))


if __name__ == "__main__":
    main()
