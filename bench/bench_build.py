"""`kg build` time: the shipped data, and a synthetic curated folder of 20,000
statements and 2,100 actors (``synthetic_curated.py``). Prints figures; asserts nothing.

Each run is a fresh ``kg --data DIR build`` process into a fresh KG_HOME (what a
curator waits for after editing a CSV file); then the phases of one build in
process: reading and checking the CSV files, making the quads, SHACL, the
summaries and writing the store.

    .venv/bin/python bench/bench_build.py [--runs 5] [--statements 20000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def cli_build(data: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "KG_HOME": home}
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kg", "--data", str(data), "build"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return times


def phases(data: Path) -> dict[str, float]:
    """The steps of ``kg.cache.refresh``, timed one by one in this process."""
    from kg import namespaces as ns
    from kg.build import load, quads
    from kg.store import OxigraphStore
    from kg.summaries import with_summaries
    from kg.validate import check

    out = {}
    t = time.perf_counter()
    checked = load(data)
    out["read + check CSV"] = time.perf_counter() - t
    t = time.perf_counter()
    built = quads(checked)
    out["quads"] = time.perf_counter() - t
    t = time.perf_counter()
    check(built)
    out["SHACL"] = time.perf_counter() - t
    t = time.perf_counter()
    curated = with_summaries([q for q in built if q.graph_name.value == ns.CURATED_GRAPH], ns.CURATED_GRAPH)
    out["summaries"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as home:
        t = time.perf_counter()
        store = OxigraphStore(Path(home) / "store")
        store.replace_graph(ns.CURATED_GRAPH, curated)
        out["store write"] = time.perf_counter() - t
    out["quads (count)"] = len(built)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--actors", type=int, default=2_100)
    opts = parser.parse_args()
    from synthetic_curated import generate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "curated"
        counts = generate(folder, opts.statements, opts.actors)
        for title, data, runs in (("shipped data", ROOT / "data", opts.runs),
                                  (f"synthetic {counts}", folder, max(1, opts.runs // 2))):
            times = cli_build(data, runs)
            print(f"kg build, {title}: median {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f}, {runs} fresh processes)")
            print("    in process: " + ", ".join(
                f"{k} {v:.2f} s" if isinstance(v, float) else f"{k} {v}" for k, v in phases(data).items()))


if __name__ == "__main__":
    main()
