"""Peak memory of the worst query and the worst imports under the default options (issue 26).

Runs ``kg`` from a given source tree (``--tree``: this checkout by default, or
another one, e.g. the main branch before the memory bounds) in a fresh
KG_HOME, each case in its own process, and prints the peak resident memory of
the largest process of each (``os.wait4``: the command and every process it
waited for, the query child included), its exit code and the first line of its
error. The cases:

- ``query``: ``kg query`` of an ORDER BY over a three-way cross join on the
  curated store plus a synthetic ACLED import of ``--acled-rows`` rows (the
  default --timeout 60 and the default memory cap);
- ``gz-bomb``: ``kg import acled`` of a .csv.gz whose notes cell opens a quote
  that never closes, followed by 2 GB of short lines (2 MB compressed);
- ``one-line``: ``kg import acled`` of a 1 GB CSV file that is one line.

Each case runs under an outer cap (``--outer-mb``, RLIMIT_DATA, 6 GB by
default) so that the old code cannot take the machine down: a case that
reaches it shows as killed/aborted, its peak being the cap. Prints; asserts nothing.

    .venv/bin/python bench/bench_memory.py [--tree /work/main] [--cases query,gz-bomb,one-line]
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "tests" / "fixtures" / "acled_sample.csv"
SORTED_CROSS_JOIN = "SELECT * WHERE { GRAPH ?g { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } } ORDER BY ?b ?d ?f LIMIT 1"


def gz_bomb(path: Path, gigabytes: float) -> Path:
    header, first, *_ = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = first.split(",")
    cells[27] = '"' + cells[27]  # the notes cell opens a quote that never closes
    line = ("y" * 99 + "\n").encode()
    block = line * 10_000  # 1 MB
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write((header + ",".join(cells)).encode())
        for _ in range(int(gigabytes * 1000)):
            f.write(block)
    return path


def one_line(path: Path, gigabytes: float) -> Path:
    header = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    block = b"z," * (1 << 19)  # 1 MB
    with open(path, "wb") as f:
        f.write(header.encode())
        for _ in range(int(gigabytes * 1024)):
            f.write(block)
    return path


def run(env: dict, outer_mb: int, cwd: Path, *args: str) -> tuple[float, int, float, str]:
    """(peak MB, exit code, seconds, first line of stderr) of ``kg ARGS``."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (outer_mb << 20, outer_mb << 20))

    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, stdout=subprocess.DEVNULL,
                                   stderr=err, preexec_fn=cap, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        took = time.perf_counter() - start
        err.seek(0)
        said = err.read().decode("utf-8", "replace").strip().splitlines()
    first = next((line for line in said if line.startswith(("Error", "kg:", "memory"))), said[0] if said else "")
    return usage.ru_maxrss / 1024, process.returncode, took, first[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(HERE.parent), help="the source tree whose kg runs")
    parser.add_argument("--cases", default="query,gz-bomb,one-line")
    parser.add_argument("--outer-mb", type=int, default=6144)
    parser.add_argument("--gigabytes", type=float, default=1.0, help="size of the one-line file (the bomb: twice)")
    parser.add_argument("--acled-rows", type=int, default=5000, help="synthetic ACLED rows imported before the query")
    args = parser.parse_args()
    cases = args.cases.split(",")
    with tempfile.TemporaryDirectory(prefix="kg-bench-memory-") as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "PYTHONPATH": args.tree, "KG_HOME": str(tmp_path / "home")}
        env.pop("KG_ENDPOINT", None)
        # -m kg finds kg/ in the working folder first: run from the temporary one, so --tree decides
        subprocess.run([sys.executable, "-m", "kg", "build"], env=env, check=True, capture_output=True, cwd=tmp)
        commit = subprocess.run(["git", "-C", args.tree, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        print(f"tree {args.tree} ({commit}); outer cap {args.outer_mb} MB; RAM "
              f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') >> 20} MB")
        for case in cases:
            if case == "query":
                if args.acled_rows:
                    sys.path.insert(0, str(HERE))
                    from synthetic import write

                    rows = write("acled", args.acled_rows, tmp_path / "acled_synthetic.csv")
                    subprocess.run([sys.executable, "-m", "kg", "import", "acled", str(rows)], env=env, check=True,
                                   capture_output=True, cwd=tmp)
                figures = run(env, args.outer_mb, tmp_path, "query", SORTED_CROSS_JOIN)
            elif case == "gz-bomb":
                path = gz_bomb(tmp_path / "acled_bomb.csv.gz", 2 * args.gigabytes)
                print(f"  ({path.name}: {path.stat().st_size / 1e6:.1f} MB compressed)")
                figures = run(env, args.outer_mb, tmp_path, "import", "acled", str(path))
            elif case == "one-line":
                path = one_line(tmp_path / "acled_one_line.csv", args.gigabytes)
                figures = run(env, args.outer_mb, tmp_path, "import", "acled", str(path))
                path.unlink()
            else:
                raise SystemExit(f"unknown case {case}")
            peak, code, took, said = figures
            print(f"{case:10s} peak {peak:8.0f} MB  exit {code:4d}  {took:6.1f} s  {said}")


if __name__ == "__main__":
    main()
