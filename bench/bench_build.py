"""`kg build` time: the shipped data, and a synthetic curated folder of 20,000
statements and 2,100 actors (``synthetic_curated.py``). Prints figures; asserts nothing.

Each run is a fresh ``kg --data DIR build`` process into a fresh KG_HOME (what a
curator waits for after editing a CSV file); then the steps of one build in
process, one after the other (``kg.store.cache.refresh`` overlaps SHACL, the store's
bulk load and the summaries on threads, so its wall time is less than their sum).

With ``--old DIR`` (a checkout of older code, e.g. ``git archive b1e75a7 | tar -x -C DIR``)
the old and the new code run alternately, on the same data at the same moment, with
this Python: the pairing that a shared, busy machine needs.

    .venv/bin/python bench/bench_build.py [--runs 5] [--statements 20000] [--old DIR]
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


def cli_build(data: Path, code: Path = ROOT) -> tuple[float, int]:
    """Seconds and peak memory (kB) of one fresh ``kg --data DIR build`` of ``code``'s kg."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KG_HOME": home, "PYTHONPATH": str(code)}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "kg", "--data", str(data), "build"], env=env,
                                stdout=subprocess.DEVNULL, cwd=code)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"kg build failed ({code}): exit code {proc.returncode}")
        return seconds, usage.ru_maxrss


def phases(data: Path) -> dict[str, float | int]:
    """The steps of ``kg.store.cache.refresh``, one after the other in this process, then refresh itself."""
    import pyoxigraph as ox

    from kg.graph import namespaces as ns
    from kg.graph.build import graph, load
    from kg.graph.validate import check
    from kg.store.cache import refresh
    from kg.store.summaries import with_summaries

    out: dict[str, float | int] = {}

    def step(name, do):
        t = time.perf_counter()
        result = do()
        out[name] = time.perf_counter() - t
        return result

    checked = step("read + check CSV", lambda: load(data))
    built = step("N-Triples", lambda: graph(checked))
    step("SHACL", lambda: check(built.ntriples()))
    curated = built.nquads(ns.CURATED_GRAPH)
    with tempfile.TemporaryDirectory() as home:
        store = ox.Store(str(Path(home) / "store"))
        step("bulk load", lambda: store.bulk_load(curated, format=ox.RdfFormat.N_QUADS, lenient=True))
        quads = step("parse for the summaries", lambda: list(ox.parse(curated, format=ox.RdfFormat.N_QUADS)))
        summaries = step("summaries", lambda: with_summaries(quads, ns.CURATED_GRAPH)[len(quads):])
        step("store the summaries", lambda: (store.bulk_extend(summaries), store.flush()))
        store = None  # closed before its folder goes
    out["quads"] = len(built.curated) + len(summaries) + 1 + len(built.ontology)  # 1: the fingerprint
    quads = summaries = checked = None  # refresh's switch collects garbage: not these
    with tempfile.TemporaryDirectory() as home:
        os.environ["KG_HOME"] = home
        step("refresh (all, threads)", lambda: refresh(data))
        from kg.store.cache import forget

        forget()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--actors", type=int, default=2_100)
    parser.add_argument("--old", type=Path, help="a checkout of older code, run alternately with this one")
    parser.add_argument("--skip-phases", action="store_true")
    opts = parser.parse_args()
    from synthetic_curated import generate

    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    codes = {"new": ROOT, **({"old": opts.old.resolve()} if opts.old else {})}
    for code in codes.values():  # bytecode first, for both (PYTHONDONTWRITEBYTECODE may be set)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "kg")], check=True,
                       stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "curated"
        counts = generate(folder, opts.statements, opts.actors)
        for title, data, runs in (("shipped data", ROOT / "data", opts.runs),
                                  (f"synthetic {counts}", folder, max(1, opts.runs // 2))):
            times: dict[str, list[float]] = {name: [] for name in codes}
            memory: dict[str, list[int]] = {name: [] for name in codes}
            for _ in range(runs):
                for name, code in codes.items():
                    seconds, peak = cli_build(data, code)
                    times[name].append(seconds)
                    memory[name].append(peak)
            for name in codes:
                t = times[name]
                print(f"kg build, {title}, {name} code: median {statistics.median(t):.2f} s "
                      f"(min {min(t):.2f}, max {max(t):.2f}, {runs} fresh processes"
                      f"{', alternating' if len(codes) > 1 else ''}); peak memory "
                      f"{statistics.median(memory[name]) / 1024:.0f} MB")
            if not opts.skip_phases:
                print("    in process: " + ", ".join(
                    f"{k} {v:.2f} s" if isinstance(v, float) else f"{k} {v}" for k, v in phases(data).items()))
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
