"""How deep a nesting, how long a chain the SPARQL engine survives (issue 26, point 5).

Each construct is run at growing sizes on an empty in-memory pyoxigraph store,
each in its own process (a crash kills only that one), and the outcome printed:
``ok`` (with seconds), ``refused`` (a parse error), ``crash`` (killed by a
signal: SIGSEGV is the stack overflowing) or ``slow`` (over ``--limit`` s).
``kg/store/query_shape.py`` sets its limits (64 nested brackets, 2,000 steps)
well below the smallest crash found here. Prints; asserts nothing.

    .venv/bin/python bench/bench_query_shape.py [--sizes 500,1000,2500,5000,10000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

IRI = "<http://x/p>"
CONSTRUCTS = {
    "braces": lambda n: "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
    "parentheses": lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "CONCAT(": lambda n: "SELECT * WHERE { BIND(" + 'CONCAT("a",' * n + '"b"' + ")" * n + " AS ?x) }",
    "subqueries": lambda n: "SELECT * WHERE { " + "{ SELECT * WHERE " * n + "{}" + "}" * n + "}",
    "!": lambda n: "SELECT * WHERE { FILTER(" + "!" * n + "true) }",
    "+": lambda n: "SELECT * WHERE { FILTER(1" + "+1" * n + ") }",
    "&&": lambda n: "SELECT * WHERE { FILTER(true" + " && true" * n + ") }",
    "UNION": lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * n) + "}",
    "FILTER": lambda n: "SELECT * WHERE { " + "FILTER(true) " * n + "}",
    "BIND": lambda n: "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + "}",
    "patterns ;": lambda n: "SELECT * WHERE { ?s " + " ; ".join(f"<http://x/{i}> ?o{i}" for i in range(n)) + " }",
    "VALUES": lambda n: "SELECT * WHERE { VALUES ?x { " + " ".join(f"<http://x/{i}>" for i in range(n)) + " } }",
    "IN list": lambda n: "SELECT * WHERE { VALUES ?x {1} FILTER(?x IN (" + ",".join(map(str, range(n))) + ")) }",
}
RUN = """
import sys, pyoxigraph as ox
r = ox.Store().query(sys.stdin.read())
if not isinstance(r, bool):
    list(r)
"""


def outcome(text: str, limit: float) -> str:
    start = time.perf_counter()
    try:
        result = subprocess.run([sys.executable, "-c", RUN], input=text, capture_output=True, text=True,
                                timeout=limit)
    except subprocess.TimeoutExpired:
        return "slow"
    took = time.perf_counter() - start
    if result.returncode < 0:
        return f"crash({-result.returncode})"
    if result.returncode:
        return "refused"
    return f"ok {took:.1f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2500,5000,10000")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds before a run counts as slow")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'construct':12s}" + "".join(f"{n:>14d}" for n in sizes))
    for name, make in CONSTRUCTS.items():
        print(f"{name:12s}" + "".join(f"{outcome(make(n), args.limit):>14s}" for n in sizes), flush=True)


if __name__ == "__main__":
    main()
