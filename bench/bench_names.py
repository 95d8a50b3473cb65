"""How well the names of real-shaped exports work: placed at import, typed on the command line.

On the real-shaped files of bench/real_shaped.py (Mali's export-tool file, Burkina
Faso's HDX file with its tag row, Niger's 2023 file re-saved by R, a UCDP GED sample),
imported into a fresh KG_HOME with the curated graph, it prints per file:

* armed/state mentions placed: mentions whose inter code (ACLED) or side (UCDP) is
  an armed group, militia, state force or external force, placed by a rule, an alias
  or a curated name (the import's own count);
* battles giving a ``kg fought`` row: for each battle between two armed/state actors,
  ``fought(actor1, actor2, source=...)`` asked with the two names exactly as the file
  writes them; an "A and/or B" side asked part by part, with ``possible=True``
  (a battle counts when some pair of its names gives a row);
* "NA" actors: actors whose label is a missing-value token;

and the wrong merges of the golden table (tests/fixtures/names_golden.csv).

    .venv/bin/python bench/bench_names.py               # the files of tests/fixtures/real_shaped
    .venv/bin/python bench/bench_names.py --rows 2000   # written afresh, 2000 events each
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import real_shaped  # noqa: E402

FILES = ROOT / "tests" / "fixtures" / "real_shaped"
ACLED = ("acled_mali_export.csv", "acled_burkina_faso_hdx.csv", "acled_niger_r2023.csv")
UCDP = ("ucdp_ged_sahel.csv",)


def battles(path: Path, dataset: str) -> list[tuple[str, list[str], list[str], str]]:
    """(event id, names of side a, names of side b, year) of each battle between armed/state actors."""
    from kg.imports.layouts import NO_VALUE
    from kg.imports.mapping import ARMED_INTER

    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if dataset == "acled":
                if row["event_type"] != "Battles":
                    continue
                if row["inter1"] not in ARMED_INTER or row["inter2"] not in ARMED_INTER:
                    continue
                a, b = row["actor1"], row["actor2"]
                ident = row["event_id_cnty"]
            else:
                if row["type_of_violence"] not in ("1", "2"):
                    continue
                a, b = row["side_a"], row["side_b"]
                ident = row["id"]
            if a in NO_VALUE or b in NO_VALUE:
                continue
            out.append((ident, a.split(" and/or "), b.split(" and/or "), row["year"]))
    return out


def golden_wrong() -> tuple[int, int]:
    """(wrong, rows) of the golden table, placed as the import places names."""
    from kg.graph import namespaces as ns
    from kg.imports.mapping import curated_index
    from kg.imports.names import NameRules, StateFacts, read_aliases
    from kg.store import cache
    from kg.store.names import NameIndex

    store = cache.open_store()
    index = curated_index(NameIndex.load(store))
    facts = StateFacts.load(store, index)
    aliases = read_aliases(ROOT / "data" / "aliases.csv", index)
    rules = {d: NameRules(d, index, facts, aliases) for d in ("acled", "ucdp")}
    with open(ROOT / "tests" / "fixtures" / "names_golden.csv", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    wrong = 0
    for row in table:
        dataset = "ucdp" if row["name"] in ("IS", "Civilians") else "acled"
        r = rules[dataset]
        day = date.fromisoformat(row["date"]) if row["date"] else date(2020, 6, 1)
        got = []
        for iri in r.place(row["name"], row["country"]).at(day):
            got.append(ns.local_id(iri) if iri.startswith(ns.ACTOR)
                       else "new:" + iri.removeprefix(ns.dataset_ns(dataset, "actor")))
        if "|".join(got) != row["expected"]:
            wrong += 1
            print(f"  wrong: {row['name']!r} -> {'|'.join(got)}, expected {row['expected']}")
    return wrong, len(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=0, help="write the files afresh with this many events each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["KG_HOME"] = str(home / "home")
        folder = FILES
        if args.rows:
            folder = home / "files"
            real_shaped.write_all(folder, args.rows)
        from kg.ask.fought import fought
        from kg.imports.importer import import_file
        from kg.imports.layouts import NO_VALUE
        from kg.store import cache, live

        cache.open_store()  # builds the curated graph
        reports = {}
        for name in ACLED:
            reports[name] = import_file("acled", folder / name, progress=False)
        for name in UCDP:
            reports[name] = import_file("ucdp", folder / name, progress=False)
        live.forget()
        store = cache.open_store()
        labels = {str(r["l"]) for r in store.select(
            "SELECT ?l WHERE { GRAPH ?g { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")}
        na_actors = sorted(label for label in labels if label.strip() in NO_VALUE)
        print(f"{'file':32} {'armed/state placed':>20} {'battles with a fought row':>27}")
        total = [0, 0, 0, 0]
        for name in (*ACLED, *UCDP):
            dataset = "ucdp" if name in UCDP else "acled"
            report = reports[name]
            res = report["resolution"]
            found = 0
            asked = battles(folder / name, dataset)
            for _ident, side_a, side_b, _year in asked:
                possible = len(side_a) > 1 or len(side_b) > 1
                if any(fought(a, b, source=dataset, possible=possible, store=store)
                       for a in side_a for b in side_b):
                    found += 1
                elif not os.environ.get("QUIET"):
                    print(f"  no row: {' and/or '.join(side_a)!r} vs {' and/or '.join(side_b)!r} ({_ident}, {_year})")
            total = [total[0] + res["armed_resolved"], total[1] + res["armed_mentions"], total[2] + found,
                     total[3] + len(asked)]
            print(f"{name:32} {res['armed_resolved']:>7}/{res['armed_mentions']:<6} {res['armed_share']:6.1%} "
                  f"{found:>11}/{len(asked):<6} {found / len(asked) if asked else 0:6.1%}")
        print(f"{'all':32} {total[0]:>7}/{total[1]:<6} {total[0] / total[1]:6.1%} "
              f"{total[2]:>11}/{total[3]:<6} {total[2] / total[3]:6.1%}")
        print(f"'NA' actors: {len(na_actors)} {na_actors}")
        wrong, rows = golden_wrong()
        print(f"golden table: {wrong} wrong of {rows}")


if __name__ == "__main__":
    main()
