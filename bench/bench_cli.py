"""CLI latency in a fresh process, cache warm: what a user waits for.

Targets (issue 3): `kg fought JNIM --year 2024` median under 0.4 s; `kg query`
of a named query under 0.5 s. Issue 15: `kg fought JNIM --year 2024` at most
1.5 x `kg --help` (Python, the imports and the argument parsing: the floor of
any command), measured paired -- each fought run right after a --help run, so
that a busy machine slows both alike -- median of 11. Prints the figures and
the load average; asserts nothing.

The commands run with their bytecode cached, as an installed kg runs (pip
writes the .pyc files at install; a checkout writes them on first use): in a
private cache under the temporary KG_HOME (PYTHONPYCACHEPREFIX), warmed by one
untimed run of each command, whatever PYTHONDONTWRITEBYTECODE says. Without a
cache every run compiles kg's modules anew, which adds to both sides of the
ratio (``--no-bytecode`` measures that way).

    .venv/bin/python bench/bench_cli.py [--runs 15] [--pairs 11] [--data DIR] [--ratio-only] [--no-bytecode]
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

ROOT = Path(__file__).resolve().parent.parent  # `python -m kg` runs the kg of this checkout

COMMANDS = [
    ("kg fought JNIM --year 2024", ["fought", "JNIM", "--year", "2024"]),
    ("kg fought --year 2013", ["fought", "--year", "2013"]),
    ("kg fought Russia --year 2025 (roll-up)", ["fought", "Russia", "--year", "2025"]),
    ("kg query who-fought-in-year -p year=2013", ["query", "who-fought-in-year", "-p", "year=2013"]),
    ("kg query relations-of-actor -p actor=JNIM", ["query", "relations-of-actor", "-p", "actor=JNIM"]),
    ("kg actor JNIM", ["actor", "JNIM"]),
    ("kg timeline Goita", ["timeline", "Goita"]),
    ("python -c pass (interpreter floor)", None),
]


def run(args: list[str] | None, env: dict) -> float:
    cmd = [sys.executable, "-c", "pass"] if args is None else [sys.executable, "-m", "kg", *args]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def paired(args: list[str], env: dict, pairs: int) -> tuple[float, float, float]:
    """Medians of ``kg --help`` and of ``args``, run alternately, and the median of the ratios."""
    floor, times, ratios = [], [], []
    for _ in range(pairs):
        floor.append(run(["--help"], env))
        times.append(run(args, env))
        ratios.append(times[-1] / floor[-1])
    return statistics.median(floor), statistics.median(times), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pairs", type=int, default=11)
    parser.add_argument("--data", help="a curated data folder instead of the shipped one (kg --data DIR)")
    parser.add_argument("--ratio-only", action="store_true", help="only the paired ratio to kg --help")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile kg's modules on every run (PYTHONDONTWRITEBYTECODE=1) instead of caching them")
    opts = parser.parse_args()
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KG_HOME": home}
        env.pop("KG_DATA", None)
        if opts.data:
            env["KG_DATA"] = opts.data
        if opts.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = os.path.join(home, "pycache")
        cold = run(["build"], env)
        print(f"kg build (cold: CSV -> checks -> SHACL -> store): {cold:.2f} s")
        for title, args in (("kg fought JNIM --year 2024", ["fought", "JNIM", "--year", "2024"]),):
            run(["--help"], env), run(args, env)  # the bytecode cache, warm (unless --no-bytecode)
            floor, took, ratio = paired(args, env, opts.pairs)
            print(f"{title}: {took:.3f} s, kg --help {floor:.3f} s: ratio {took / floor:.2f} "
                  f"(median of the {opts.pairs} paired ratios {ratio:.2f})")
        print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        if opts.ratio_only:
            return
        print(f"{'command':45} {'median':>8} {'min':>8} {'max':>8}   ({opts.runs} fresh processes, cache warm)")
        for title, args in COMMANDS:
            times = [run(args, env) for _ in range(opts.runs)]
            print(f"{title:45} {statistics.median(times):7.3f}s {min(times):7.3f}s {max(times):7.3f}s")


if __name__ == "__main__":
    main()
