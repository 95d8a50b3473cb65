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
   step prints the command's wall and CPU time (the child's rusage) and `uptime`'s
   load before and after it, and its link report: the linking's own wall and CPU
   seconds, the records it read from the store, those it linked, the comparisons.
   The two imports are the set-up (not counted); `kg link` is the full link, and the
   added files' imports the relinks (one file of rows spread over the four years of
   the others, one of rows of a single month, as a monthly export adds them).

    .venv/bin/python bench/bench_link.py                     # accuracy, then 100k ACLED x 30k UCDP
    .venv/bin/python bench/bench_link.py --skip-scale        # accuracy only
    .venv/bin/python bench/bench_link.py --skip-accuracy --work /tmp/linkbench   # keep the store
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


def _renumber(path: Path, prefix: str, month: str | None = None) -> None:
    """Give the rows of a synthetic ACLED file ids no other file has (an added export's new rows),
    and with ``month`` ("2025-12") dates in that month only (a month's export)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row["event_id_cnty"] = f"{prefix}{i + 1}"
        if month:
            row["event_date"] = f"{month}-{1 + int(row['event_date'][-2:]) % 28:02d}"
            row["year"] = month[:4]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _uptime() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes), as it prints them."""
    out = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return out.split("load average:")[-1].strip() if "load average:" in out else out


def timed_kg(args: list[str], home: Path) -> dict:
    """``kg ARGS --format json`` in a child process: its wall time, its CPU time (user + system,
    from the child's rusage) and ``uptime``'s load before and after, with the JSON report."""
    import resource

    before_load = _uptime()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, stdout = kg([*args, "--format", "json"], home)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    return {"wall s": round(seconds, 1), "cpu s": round(cpu, 1), "load before": before_load,
            "load after": _uptime(), "report": json.loads(stdout)}


def scale(work: Path, n_acled: int, n_ucdp: int, n_added: int) -> dict:
    home = work / "scale"
    acled = synthetic.write("acled", n_acled, work / "acled.csv")
    ucdp = synthetic.write("ucdp", n_ucdp, work / "ucdp.csv")
    added = synthetic.write("acled", n_added, work / "added.csv", seed=7)
    _renumber(added, "ADD")
    month = synthetic.write("acled", n_added, work / "month.csv", seed=8)
    _renumber(month, "MON", "2025-12")
    kg(["build"], home)
    out = {}
    for step, args, counted in (
        (f"import {n_acled} ACLED rows", ["import", "acled", str(acled)], False),
        (f"import {n_ucdp} UCDP rows (links them to the ACLED rows)", ["import", "ucdp", str(ucdp)], False),
        ("kg link: every link again (read, match, write)", ["link"], True),
        (f"import an added file of {n_added} new ACLED rows over the four years, relinking them",
         ["import", "acled", str(added)], True),
        (f"import an added file of {n_added} new ACLED rows of one month (December 2025), relinking them",
         ["import", "acled", str(month)], True),
    ):
        run = timed_kg(args, home)
        report = run.pop("report")
        links = report["links"] if isinstance(report.get("links"), dict) else report  # an import's, kg link's
        read = sum(links["records"].values())
        run.update({"linking wall s": links["seconds"], "linking cpu s": links["cpu_seconds"],
                    "records read": read, "records linked": links["new_records"],
                    "comparisons": links["comparisons"], "links made": links["links"],
                    "links kept": links["kept"], "links removed": links["removed"], "counted": counted})
        out[step] = run
        print(f"{step}{'' if counted else ' (not counted)'}:\n"
              f"  command: {run['wall s']} s wall, {run['cpu s']} s CPU; load {run['load before']} -> "
              f"{run['load after']}\n"
              f"  linking: {links['seconds']} s wall, {links['cpu_seconds']} s CPU; {read} records read "
              f"({', '.join(f'{k} {v}' for k, v in sorted(links['records'].items()))}), "
              f"{links['new_records']} linked, {links['comparisons']} comparisons, {links['links']} links made, "
              f"{links['kept']} kept, {links['removed']} removed", flush=True)
    print(f"{os.cpu_count()} cores; load average at the end: {_uptime()}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acled", type=int, default=100_000)
    parser.add_argument("--ucdp", type=int, default=30_000)
    parser.add_argument("--added", type=int, default=500)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the stores and files in this (new) folder, to profile on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-link-") as tmp:
        work = Path(tmp)
        if args.work:
            args.work.mkdir(parents=True)
            work = args.work
        result = {}
        if not args.skip_accuracy:
            result["accuracy"] = accuracy(work)
        if not args.skip_scale:
            result["scale"] = scale(work, args.acled, args.ucdp, args.added)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
