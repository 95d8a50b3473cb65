"""Fairness of ``kg serve`` under load: does a short query wait behind slow ones?

Four clients each run, again and again, a query that runs into the server's
time limit (a triple cross product over the curated graph: no engine answers
it in time); a fifth asks ``ASK {}`` every half second. Target (issue 14):
the fifth client's answers come in under 1 s. Each client has its own
loopback address (127.0.0.2 ... 127.0.0.6), as separate machines would.

Runs ``kg serve`` as a user would, once per configuration: the defaults,
and ``--workers 2`` (the old default, for comparison). Prints the figures;
asserts nothing.

    .venv/bin/python bench/bench_serve.py [--timeout 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HEAVY_CLIENTS = 4


def post(url: str, query: str, source: str, timeout: float) -> tuple[int, float]:
    """(status, seconds) of one query sent from the loopback address ``source``."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0))
    start = time.perf_counter()
    try:
        connection.request("POST", parts.path, body=query.encode(),
                           headers={"Content-Type": "application/sparql-query", "Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    except OSError:
        return 0, time.perf_counter() - start
    finally:
        connection.close()


def start_server(env: dict, timeout: float, extra: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", "0", "--timeout", str(timeout), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    line = process.stdout.readline()
    if not line.startswith("SPARQL endpoint: "):
        process.kill()
        raise SystemExit(f"kg serve did not start: {line}")
    return process, line.split()[2]


def measure(url: str, timeout: float, rounds: int) -> dict:
    """Run the heavy clients for ``rounds`` time limits; the fifth client's ASK latencies meanwhile."""
    stop = threading.Event()
    heavy: Counter = Counter()

    def heavy_client(source: str) -> None:
        while not stop.is_set():
            status, _ = post(url, SLOW, source, timeout * 4)
            heavy[status] += 1

    threads = [threading.Thread(target=heavy_client, args=(f"127.0.0.{i + 2}",)) for i in range(HEAVY_CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the slow queries are running
    latencies, statuses = [], Counter()
    end = time.monotonic() + rounds * timeout
    while time.monotonic() < end:
        status, seconds = post(url, "ASK {}", f"127.0.0.{HEAVY_CLIENTS + 2}", timeout * 4)
        statuses[status] += 1
        latencies.append(seconds)
        time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    return {"latencies": latencies, "statuses": statuses, "heavy": heavy}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=5.0, help="the server's --timeout (seconds)")
    parser.add_argument("--rounds", type=int, default=3, help="how many time limits to measure for")
    opts = parser.parse_args()
    configs = [("defaults", []), ("--workers 2 (the old default)", ["--workers", "2"])]
    print(f"{os.cpu_count()} cores; {HEAVY_CLIENTS} clients running a query that hits --timeout {opts.timeout:g} s, "
          f"a fifth asking ASK {{}} every 0.5 s for {opts.rounds * opts.timeout:g} s")
    print(f"{'configuration':32} {'ASK median':>10} {'p90':>7} {'max':>7} {'under 1 s':>10}   "
          f"ASK statuses / heavy statuses")
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KG_HOME": home}
        env.pop("KG_DATA", None)
        env.pop("KG_ENDPOINT", None)
        subprocess.run([sys.executable, "-m", "kg", "build"], env=env, check=True, stdout=subprocess.DEVNULL)
        for title, extra in configs:
            process, url = start_server(env, opts.timeout, extra)
            try:
                figures = measure(url, opts.timeout, opts.rounds)
            finally:
                process.terminate()
                process.wait(timeout=30)
            lat = sorted(figures["latencies"])
            under = sum(t < 1.0 for t in lat)
            p90 = lat[min(len(lat) - 1, int(0.9 * len(lat)))]
            print(f"{title:32} {statistics.median(lat):9.3f}s {p90:6.3f}s {lat[-1]:6.3f}s {under:>4}/{len(lat):<5}   "
                  f"{dict(figures['statuses'])} / {dict(figures['heavy'])}")


if __name__ == "__main__":
    main()
