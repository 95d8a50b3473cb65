"""CLI latency in a fresh process, cache warm: what a user waits for.

Targets (issue 3): `kg fought JNIM --year 2024` median under 0.4 s; `kg query`
of a named query under 0.5 s. Prints the figures; asserts nothing.

    .venv/bin/python bench/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

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
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KG_HOME": home}
        env.pop("KG_DATA", None)
        cold = run(["build"], env)
        print(f"kg build (cold: CSV -> checks -> SHACL -> store): {cold:.2f} s")
        print(f"{'command':45} {'median':>8} {'min':>8} {'max':>8}   ({opts.runs} fresh processes, cache warm)")
        for title, args in COMMANDS:
            times = [run(args, env) for _ in range(opts.runs)]
            print(f"{title:45} {statistics.median(times):7.3f}s {min(times):7.3f}s {max(times):7.3f}s")


if __name__ == "__main__":
    main()
