"""Import speed and memory, on synthetic ACLED (and UCDP GED) files whose actor names
look like a real export's (bench/synthetic.py: regime-period names and branches,
hundreds of distinct names of which about a third no rule places, "and/or"
names, per-country groups).

For each size: write a synthetic file (bench/synthetic.py), build the curated
graph in a fresh temporary KG_HOME, then time in separate processes
  * the import, the whole `kg import` process (rows/s; its peak RSS, from
    wait4's rusage); with --repeat N, N imports,
    each into a fresh copy of the built KG_HOME, and the median,
  * a re-import of the same file (must be "unchanged"),
  * `kg fought JNIM --year 2024 --source acled` in a fresh process (median of 5).

    .venv/bin/python bench/bench_import.py                       # 10k, 100k, 1M ACLED rows
    .venv/bin/python bench/bench_import.py 10000 100000 --repeat 3
    .venv/bin/python bench/bench_import.py 10000 --ucdp          # and a UCDP file of the same size
    .venv/bin/python bench/bench_import.py 20000 --adding        # adding a file vs a fresh import, 500 rows (issue 22)

With --adding N, on real-shaped ACLED files (bench/real_shaped.py: the actors, names and
revisions of real exports, in three layouts): A is Mali in the export tool's layout (N
rows), B Burkina Faso in HDX's layout with its tag row (N rows), C Niger re-saved by R
(500 rows). Each figure is a whole `kg import acled FILE` process, as a user runs it
(Python's start-up included), into a fresh copy of the store it needs:
  * fresh: B into the curated store (rows/s);
  * adding: B into a store whose acled data set holds A (rows/s, and adding / fresh);
  * 500 rows: C into the store holding A (N rows), end to end; and C fresh, for scale.
Each line gives `uptime`'s load averages, and the seconds the relink for incident
links took inside the import (kg.imports.links.after_import, from --format json runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import real_shaped  # noqa: E402
import synthetic  # noqa: E402


def run(args: list[str], home: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``kg ARGS`` in a child process: (seconds, peak RSS in MB, result)."""
    seconds, usage, result = run_usage(args, home)
    return seconds, usage.ru_maxrss / 1024, result


def run_usage(args: list[str], home: Path) -> tuple[float, os.struct_rusage, subprocess.CompletedProcess]:
    """Run ``kg ARGS`` in a child process: (wall seconds, its rusage, result)."""
    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_DATA", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"kg {' '.join(args)} failed ({code}):\n{err}")
    return seconds, usage, subprocess.CompletedProcess(args, code, out, err)


def bench(kind: str, rows: int, work: Path, repeat: int = 1) -> dict:
    path = work / f"{kind}_{rows}.csv"
    started = time.perf_counter()
    synthetic.write(kind, rows, path)
    generated = time.perf_counter() - started
    built = work / f"built_{kind}_{rows}"
    run(["build"], built)
    home = work / f"home_{kind}_{rows}"
    imports = []
    for _ in range(repeat):
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(built, home, symlinks=True)
        seconds, rss, result = run(["import", kind, str(path), "--format", "json"], home)
        report = json.loads(result.stdout)
        assert report["events"] == rows, result.stdout
        imports.append((seconds, rss))
    seconds = statistics.median(s for s, _ in imports)
    rss = max(r for _, r in imports)
    again, _, result = run(["import", kind, str(path)], home)
    assert result.stdout.startswith("unchanged"), result.stdout
    query = ["fought", "JNIM", "--year", "2024", "--source", kind]
    times = [run(query, home)[0] for _ in range(5)]
    size = sum(f.stat().st_size for f in (home / "store").resolve().iterdir())
    return {
        "kind": kind, "rows": rows, "file MB": path.stat().st_size / 1e6, "generate s": generated,
        "import s": seconds, "runs": len(imports), "rows/s": rows / seconds, "peak RSS MB": rss,
        "store MB": size / 1e6,
        "re-import s": again, "fought median s": statistics.median(times), "fought min s": min(times),
        "names": len(_distinct_names(path)),
        "unplaced": len(report["unresolved"]),
        "placed %": 100 * (report["resolution"]["share"] or 0),
    }


LAYOUTS = {"export": real_shaped.export_tool, "hdx": real_shaped.hdx, "r": real_shaped.r_write_csv}


def _real_file(path: Path, country: str, rows: int, seed: int, layout: str = "export") -> Path:
    """``rows`` real-shaped rows of ``country`` (ids unique to ``seed``) in one of ``LAYOUTS``."""
    import random

    made = []
    rng = random.Random(seed)
    while len(made) < rows:
        batch = real_shaped.acled_rows(country, rows, rng)
        for r in batch:
            r["event_id_cnty"] = f"{r['event_id_cnty'][:3]}{seed}{len(made)}"
            made.append(r)
            if len(made) == rows:
                break
    path.write_text(LAYOUTS[layout](made), encoding="utf-8")
    return path


def uptime() -> str:
    """The load averages, as `uptime` prints them."""
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
        return "load average" + out.rsplit("load average", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _import(base: Path, home: Path, path: Path, as_json: bool) -> tuple[float, float, dict | None]:
    """``kg import acled PATH`` into a fresh copy of ``base``: (wall seconds, CPU seconds (user + system,
    its threads included), the report if ``as_json``)."""
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home, symlinks=True)
    os.sync()  # the copy written out first: the kernel's writeback of it is the bench's, not the import's
    seconds, usage, result = run_usage(["import", "acled", str(path), *(["--format", "json"] if as_json else [])],
                                       home)
    return seconds, usage.ru_utime + usage.ru_stime, json.loads(result.stdout) if as_json else None


def _code_hash() -> str:
    """The sources of kg/ (a store kept in --keep made by other code is made again: its actor
    table and curated records would be stale, and an import would read the graph instead)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "kg").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".rq", ".ttl", ".toml"):
            h.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def adding(rows: int, work: Path, repeat: int = 1) -> list[dict]:
    """Fresh import of B vs B added to a data set holding A (N rows each); a 500-row file C
    added to the store holding A, end to end: whole processes, medians of ``repeat``."""
    built = work / "built_adding"
    holding_a = work / f"holding_a_{rows}"
    stamp, code = work / "built_by.txt", _code_hash()
    if not stamp.exists() or stamp.read_text() != code:  # what kg keeps beside a store is of the code that made it
        shutil.rmtree(built, ignore_errors=True)
        shutil.rmtree(holding_a, ignore_errors=True)
    if not built.exists():
        run(["build"], built)
        stamp.write_text(code)
    a = _real_file(work / f"mali_{rows}.csv", "Mali", rows, 1, "export")
    b = _real_file(work / f"burkina_{rows}.csv", "Burkina Faso", rows, 2, "hdx")
    c = _real_file(work / "niger_500.csv", "Niger", 500, 3, "r")
    if not holding_a.exists():
        shutil.copytree(built, holding_a, symlinks=True)
        run(["import", "acled", str(a)], holding_a)
    home = work / "home"

    def timed(base: Path, path: Path) -> dict:
        walls, cpus, relinks, inside = [], [], [], []
        load = uptime()
        for _ in range(repeat):
            wall, cpu, _ = _import(base, home, path, as_json=False)  # as a user runs it
            walls.append(wall)
            cpus.append(cpu)
            _, _, report = _import(base, home, path, as_json=True)
            relinks.append(report["links"]["seconds"])
            inside.append(report["seconds"])
        return {"wall s": statistics.median(walls), "CPU s": statistics.median(cpus),
                "in-process s": statistics.median(inside),
                "of which relink s": statistics.median(relinks), "uptime": f"{load} .. {uptime()[14:]}"}

    fresh = timed(built, b)
    added = timed(holding_a, b)
    small = timed(holding_a, c)
    small_fresh = timed(built, c)
    return [
        {"case": f"fresh: B ({rows} rows) into the curated store", "rows/s": rows / fresh["wall s"], **fresh},
        {"case": f"adding: B ({rows} rows) to a data set holding A ({rows} rows)", "rows/s": rows / added["wall s"],
         "adding / fresh": fresh["wall s"] / added["wall s"],
         "adding / fresh (CPU)": fresh["CPU s"] / added["CPU s"], **added},
        {"case": f"500 rows: C added to the store holding A ({rows} rows), end to end", "rows/s": 500 / small["wall s"],
         **small},
        {"case": "500 rows: C fresh into the curated store, end to end", "rows/s": 500 / small_fresh["wall s"],
         **small_fresh},
    ]


def _distinct_names(path: Path) -> set[str]:
    """The distinct actor names of a file (actor1/actor2, side_a/side_b), for the figures."""
    import csv

    names: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column in ("actor1", "actor2", "side_a", "side_b"):
                if row.get(column):
                    names.add(row[column])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--ucdp", action="store_true", help="Also import UCDP GED files of the same sizes.")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (default: a temporary one).")
    parser.add_argument("--repeat", type=int, default=1, help="Imports per size; the median is shown (default 1).")
    parser.add_argument("--adding", action="store_true",
                        help="Adding a real-shaped file of N rows to a data set holding N rows vs a fresh import of it, "
                             "and a 500-row file added to it, end to end (issue 22).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; {uptime()}; working in {work}")
    if args.adding:
        try:
            for rows in args.sizes:
                for r in adding(rows, work, args.repeat):
                    print("  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()),
                          flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        return
    columns = ["kind", "rows", "file MB", "generate s", "import s", "runs", "rows/s", "peak RSS MB", "store MB",
               "re-import s", "fought median s", "fought min s", "names", "unplaced", "placed %"]
    print("  ".join(f"{c:>15}" for c in columns), flush=True)
    try:
        for rows in args.sizes:
            for kind in ("acled", "ucdp") if args.ucdp else ("acled",):
                result = bench(kind, rows, work, args.repeat)
                cells = [f"{result[c]:>15.2f}" if isinstance(result[c], float) else f"{result[c]:>15}" for c in columns]
                print("  ".join(cells), f"(load {os.getloadavg()[0]:.2f})", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
