"""Bounded, streamed ``kg query`` (issue 11): what a user waits for and what it costs.

- time to the first 3 lines of a cross join (``kg query '...' --format csv | head -3``);
- a lazy cross join and a sorted one under ``--timeout 5``: wall time, and the
  peak memory of the query process (the largest descendant's max RSS);
- a named query through the library: in a child process (``kg.query``) against
  the store's own ``select`` in-process, the price of the killable child.

Prints the figures; asserts nothing. ``.venv/bin/python bench/bench_query_bounds.py [--runs 9]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CROSS_JOIN = "SELECT * { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } }"
SORTED = CROSS_JOIN + " ORDER BY ?f ?c"


def kg(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, **kwargs)


def first_lines(env: dict) -> float:
    start = time.perf_counter()
    process = kg(env, "query", CROSS_JOIN, "--format", "csv", "--timeout", "0", stdout=subprocess.PIPE)
    for _ in range(3):
        process.stdout.readline()
    took = time.perf_counter() - start
    process.stdout.close()
    process.wait()
    return took


def bounded(env: dict, text: str) -> tuple[float, int, float]:
    """Wall seconds, exit code, peak MB of the largest descendant so far."""
    start = time.perf_counter()
    process = kg(env, "query", text, "--format", "csv", "--timeout", "5", stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
    code = process.wait()
    took = time.perf_counter() - start
    return took, code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KG_HOME": home}
        env.pop("KG_DATA", None)
        subprocess.run([sys.executable, "-m", "kg", "build"], env=env, check=True, stdout=subprocess.DEVNULL)
        firsts = [first_lines(env) for _ in range(opts.runs)]
        print(f"first 3 lines of a cross join (| head -3): median {statistics.median(firsts):.3f} s "
              f"(min {min(firsts):.3f}, max {max(firsts):.3f}; {opts.runs} runs)")
        for title, text in (("lazy cross join", CROSS_JOIN), ("sorted cross join", SORTED)):
            took, code, peak = bounded(env, text)
            print(f"{title} with --timeout 5: stopped after {took:.2f} s, exit {code}, "
                  f"peak RSS of the largest process so far {peak:.0f} MB")

        os.environ["KG_HOME"] = home
        import kg as library
        from kg.store.cache import open_store
        from kg.store.sparql import get

        store = open_store()
        text = "who-fought-in-year"
        for title, call in (
            ("kg.query(named) in a child process", lambda: library.query(text, params={"year": "2013"}, store=store)),
            ("kg.query(named, timeout=None) same", lambda: library.query(text, params={"year": "2013"}, store=store,
                                                                      timeout=None)),
            ("store.select(named) in-process", lambda: store.select(get(text).text, {"year": 2013})),
        ):
            times = []
            for _ in range(opts.runs):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            print(f"{title:40} median {statistics.median(times) * 1000:7.1f} ms "
                  f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")


if __name__ == "__main__":
    main()
