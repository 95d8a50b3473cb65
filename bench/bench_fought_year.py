"""`kg fought --year Y` without an actor, against the named query that lists the
same pairs (`kg query who-fought-in-year`), in fresh processes, paired: each
fought run right after a named-query run on the same warm store, so that a busy
machine slows both alike. Prints medians and the median of the paired ratios;
asserts nothing.

Issue 15's targets: on a curated data folder of 20,000 statements (`kg --data
DIR`, made by `synthetic_curated.py`), no slower than the named query; on the
1M-statement store of `bench_scale.py`, under 1 s.

    .venv/bin/python bench/bench_fought_year.py --statements 20000 --actors 2100
    .venv/bin/python bench/bench_fought_year.py --home /tmp/kg-bench-scale/home-1000000
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


def run(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", *args], env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--actors", type=int, default=2_100)
    parser.add_argument("--home", type=Path, help="an existing KG_HOME (bench_scale.py's) instead of a generated folder")
    parser.add_argument("--years", type=int, nargs="+", default=[2020, 2024])
    parser.add_argument("--pairs", type=int, default=7)
    opts = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ}
        env.pop("KG_ENDPOINT", None)
        env.pop("KG_DATA", None)
        # bytecode cached, as an installed kg runs (this machine's shell sets PYTHONDONTWRITEBYTECODE)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        if opts.home:
            env["KG_HOME"] = str(opts.home)
            what = f"the store at {opts.home}"
        else:
            sys.path.insert(0, str(ROOT / "bench"))
            from synthetic_curated import generate

            folder = Path(tmp) / "data"
            counts = generate(folder, opts.statements, opts.actors)
            env["KG_HOME"], env["KG_DATA"] = str(Path(tmp) / "home"), str(folder)
            took = run(["build"], env)
            what = f"a curated folder of {counts['relations']:,} statements, {counts['events']:,} events (built in {took:.1f} s)"
        print(f"{what}; load average {load:.1f} at the start")
        for year in opts.years:
            run(["query", "who-fought-in-year", "-p", f"year={year}", "--format", "csv"], env)  # warm: bytecode
            run(["fought", "--year", str(year)], env)
            fought, named, ratios = [], [], []
            for _ in range(opts.pairs):
                named.append(run(["query", "who-fought-in-year", "-p", f"year={year}", "--format", "csv"], env))
                fought.append(run(["fought", "--year", str(year)], env))
                ratios.append(fought[-1] / named[-1])
            print(f"kg fought --year {year}: {statistics.median(fought):.3f} s (min {min(fought):.3f}); "
                  f"kg query who-fought-in-year: {statistics.median(named):.3f} s (min {min(named):.3f}); "
                  f"median of the {opts.pairs} paired ratios {statistics.median(ratios):.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
