"""Incident links: their precision and recall on the labelled pairs, and their speed.

1. Accuracy: build the curated graph in a fresh temporary KG_HOME, import the
   fixtures tests/fixtures/triangulate/acled.csv and ucdp.csv (the same incidents as
   both data sets record them, and near misses), and compare the ACLED-UCDP links the
   imports made with the labelled pairs of tests/fixtures/triangulate/pairs.csv
   (a link between records no labelled pair names counts as a false link).
2. Scale: synthetic files (bench/synthetic.py) of --acled ACLED rows and --ucdp UCDP
   rows, imported one after the other (the second import links its rows against the
   first's: the 100k-against-30k case), then `kg link` (every link again), then an
   added ACLED file of --added new rows, whose import links only those rows. Each
   step's link report gives its seconds and the records it compared; the linking of
   the records read in-process (kg.imports.links.match, no store) is timed apart.

    .venv/bin/python bench/bench_link.py                     # accuracy, then 100k ACLED x 30k UCDP
    .venv/bin/python bench/bench_link.py --skip-scale        # accuracy only
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "triangulate"


def kg(args: list[str], home: Path) -> tuple[float, str]:
    """Run ``kg ARGS`` in a child process: (seconds, stdout)."""
    env = {**os.environ, "KG_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("KG_DATA", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - started, done.stdout


def acled_ucdp_links(home: Path) -> dict[tuple[str, str], object]:
    """The ACLED-UCDP links of the store in ``home``, by (ACLED id, UCDP id)."""
    os.environ["KG_HOME"] = str(home)
    from kg.ask.records import dataset_of, read_links
    from kg.graph import namespaces as ns
    from kg.store.cache import open_store

    got = {}
    for link in read_links(open_store()):
        sets = (dataset_of(link.a), dataset_of(link.b))
        if set(sets) == {"acled", "ucdp"}:
            a, u = (link.a, link.b) if sets[0] == "acled" else (link.b, link.a)
            got[(ns.local_id(a), ns.local_id(u))] = link
    return got


def accuracy(work: Path) -> dict:
    home = work / "accuracy"
    kg(["build"], home)
    kg(["import", "acled", str(FIXTURES / "acled.csv")], home)
    kg(["import", "ucdp", str(FIXTURES / "ucdp.csv")], home)
    got = acled_ucdp_links(home)
    with open(FIXTURES / "pairs.csv", encoding="utf-8") as f:
        labelled = {(r["acled_id"], r["ucdp_id"]): r for r in csv.DictReader(f)}
    true_links = [k for k in got if k in labelled and labelled[k]["same"] == "1"]
    false_links = [k for k in got if k not in labelled or labelled[k]["same"] == "0"]
    missed = [k for k, r in labelled.items() if r["same"] == "1" and k not in got]
    same = sum(1 for r in labelled.values() if r["same"] == "1")
    precision = len(true_links) / len(got) if got else 0.0
    recall = len(true_links) / same if same else 0.0
    print(f"labelled pairs: {len(labelled)} ({same} the same incident, {len(labelled) - same} not)")
    print(f"ACLED-UCDP links: {len(got)}; right {len(true_links)}, wrong {len(false_links)}, missed {len(missed)}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    for k in false_links:
        why = labelled[k]["why"] if k in labelled else "(not a labelled pair)"
        print(f"  wrong link {k[0]} - {k[1]} ({got[k].rule}, score {got[k].score}): {why}")
    for k in missed:
        print(f"  missed {k[0]} - {k[1]}: {labelled[k]['why']}")
    return {"pairs": len(labelled), "same": same, "links": len(got), "precision": round(precision, 3),
            "recall": round(recall, 3)}


def _renumber(path: Path, prefix: str) -> None:
    """Give the rows of a synthetic ACLED file ids no other file has (an added export's new rows)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row["event_id_cnty"] = f"{prefix}{i + 1}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def scale(work: Path, n_acled: int, n_ucdp: int, n_added: int) -> dict:
    home = work / "scale"
    acled = synthetic.write("acled", n_acled, work / "acled.csv")
    ucdp = synthetic.write("ucdp", n_ucdp, work / "ucdp.csv")
    added = synthetic.write("acled", n_added, work / "added.csv", seed=7)
    _renumber(added, "ADD")
    kg(["build"], home)
    out = {}
    for step, args in (
        (f"import {n_acled} ACLED rows (links them to the curated events)", ["import", "acled", str(acled)]),
        (f"import {n_ucdp} UCDP rows (links them to the {n_acled} ACLED rows)", ["import", "ucdp", str(ucdp)]),
        ("kg link (every link again)", ["link"]),
        (f"import an added file of {n_added} new ACLED rows", ["import", "acled", str(added)]),
    ):
        seconds, stdout = kg([*args, "--format", "json"], home)
        report = json.loads(stdout)
        links = report.get("links", report)
        out[step] = {"command s": round(seconds, 1), "link s": links["seconds"], "link cpu s": links["cpu_seconds"],
                     "new records": links["new_records"], "comparisons": links["comparisons"],
                     "links made": links["links"], "links kept": links["kept"]}
        print(f"{step}: command {seconds:.1f} s, linking {links['seconds']} s ({links['cpu_seconds']} s CPU); "
              f"{links['new_records']} records linked, {links['comparisons']} comparisons, "
              f"{links['links']} links made, {links['kept']} kept")
    # the matching alone, on the records read in-process
    os.environ["KG_HOME"] = str(home)
    from kg.ask.records import families, read_events
    from kg.imports.links import Options, match
    from kg.store.cache import open_store

    store = open_store()
    started, cpu = time.perf_counter(), time.process_time()
    records = read_events(store)
    read, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    acled_records = [r for r in records if r.dataset == "acled"]
    ucdp_records = [r for r in records if r.dataset == "ucdp"]
    fams = families(store)
    started, cpu = time.perf_counter(), time.process_time()
    links = match(ucdp_records, acled_records, Options(), store_families=fams)
    matched, match_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"in-process: reading {len(records)} records {read:.1f} s ({read_cpu:.1f} s CPU); matching "
          f"{len(ucdp_records)} UCDP against {len(acled_records)} ACLED records {matched:.1f} s "
          f"({match_cpu:.1f} s CPU, {len(links)} links)")
    out["in-process"] = {"read s": round(read, 1), "read cpu s": round(read_cpu, 1), "match s": round(matched, 1),
                         "match cpu s": round(match_cpu, 1), "links": len(links)}
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acled", type=int, default=100_000)
    parser.add_argument("--ucdp", type=int, default=30_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-link-") as tmp:
        work = Path(tmp)
        result = {"accuracy": accuracy(work)}
        if not args.skip_scale:
            result["scale"] = scale(work, args.acled, args.ucdp, args.added)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
