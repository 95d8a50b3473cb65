"""The endpoint under hostile load: a fair queue across clients, queries of clients that
hung up dropped, malformed requests answered 400, a memory cap per worker, and query text
that would crash the engine refused. Loopback only; no timed assertions: each test checks
who was answered, and how, while the slow queries still run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

from kg.serve.endpoint import ClientGone, Limits, QueryPool, client_key, snapshot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Far longer than the tests take: a three-way cross product of the curated store.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?g2 ?h ?i } }"
HUNGRY = "SELECT * WHERE { GRAPH ?g { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f } } ORDER BY ?b ?d ?f LIMIT 1"
ASK = {"query": "ASK { ?s ?p ?o }", "results_type": "application/json", "rdf_type": None}


@pytest.fixture(scope="module")
def server(store, kg_home):
    """``kg serve`` with 4 workers (one query per client), a long time limit and a 400 MB cap per worker."""
    env = {**os.environ, "KG_HOME": str(kg_home)}
    env.pop("KG_ENDPOINT", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", "0", "--timeout", "60", "--workers", "4",
         "--max-memory-mb", "400"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    line = process.stdout.readline()
    if not line.startswith("SPARQL endpoint: "):
        process.kill()
        pytest.fail(f"kg serve did not start: {line}{process.stderr.read()}")
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(process.stderr), daemon=True)
    reader.start()
    try:
        yield line.split()[2], log
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
        reader.join(10)
        assert not any("Traceback" in entry for entry in log), "".join(log)


def raw(url: str, request: bytes, *, source: str = "127.0.0.1", wait: bool = True) -> tuple[int, str]:
    """Send ``request`` bytes as they are from ``source``; (status, body), or the open socket if not ``wait``."""
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=120, source_address=(source, 0))
    sock.sendall(request)
    if not wait:
        return sock  # type: ignore[return-value]
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and _complete(data):
                break
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def post(query: str, *, extra: bytes = b"") -> bytes:
    body = urllib.parse.urlencode({"query": query}).encode()
    return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + extra
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


# -- the queue, in process ---------------------------------------------------------------


def test_two_clients_with_slow_queries_leave_room_for_a_third(store, tmp_path):
    """Four slow queries from each of two clients: each runs one at a time (its share), the
    rest wait in the queue, and a third client is answered at once."""
    pool = QueryPool(snapshot(store, tmp_path), Limits(timeout=120, workers=4))
    ended: list[str] = []

    def slow(client: str) -> None:
        try:
            pool.run({"query": SLOW, "results_type": "text/csv"}, client)
        except Exception:  # noqa: BLE001  (stopped by pool.close() at the end)
            pass
        ended.append(client)

    threads = [threading.Thread(target=slow, args=(c,)) for c in ["10.0.0.1", "10.0.0.2"] * 4]
    try:
        for t in threads:
            t.start()
        while len(pool._waiting) + pool._busy < 8:  # every slow query is queued or running
            threading.Event().wait(0.05)
        assert pool.run(ASK, "10.0.0.3")[0] == "ok"
        assert ended == []  # answered while every slow query still waited or ran
        assert pool._clients == {"10.0.0.1": 1, "10.0.0.2": 1}  # one each: their share
        assert len(pool._waiting) == 6
    finally:
        pool.close()
        for t in threads:
            t.join(60)


def test_the_next_free_worker_goes_to_the_client_running_fewest(store, tmp_path):
    pool = QueryPool(snapshot(store, tmp_path), Limits(timeout=120, workers=2, per_client=2))
    try:
        with pool._turns:  # both workers busy: client A runs two
            pool._clients.update({"A": 2})
            pool._busy = 2
        order: list[str] = []

        def take(client: str) -> None:
            pool._take_turn(client, float("inf"), None)
            order.append(client)

        first = threading.Thread(target=take, args=("A",))
        first.start()
        while len(pool._waiting) < 1:
            threading.Event().wait(0.01)
        second = threading.Thread(target=take, args=("B",))
        second.start()
        while len(pool._waiting) < 2:
            threading.Event().wait(0.01)
        pool._end_turn("A")  # one worker free: B (running none) goes before A's older query
        second.join(30)
        assert order == ["B"]
        pool._end_turn("A")
        first.join(30)
        assert order == ["B", "A"]
    finally:
        pool.close()


def test_a_client_that_hung_up_leaves_the_queue_and_its_worker_is_killed(store, tmp_path):
    pool = QueryPool(snapshot(store, tmp_path), Limits(timeout=120, workers=2, per_client=1))
    hung_up = threading.Event()
    outcome: list[object] = []

    def run(query: str) -> None:
        try:
            outcome.append(pool.run({"query": query, "results_type": "text/csv"}, "10.0.0.1", hung_up.is_set))
        except ClientGone as e:
            outcome.append(e)

    try:
        running = threading.Thread(target=run, args=(SLOW,))
        running.start()
        while pool._busy < 1:
            threading.Event().wait(0.01)
        waiting = threading.Thread(target=run, args=(SLOW,))
        waiting.start()
        while len(pool._waiting) < 1:
            threading.Event().wait(0.01)
        pids = set(pool.pids())
        hung_up.set()
        running.join(60)
        waiting.join(60)
        assert len(outcome) == 2 and all(isinstance(o, ClientGone) for o in outcome)
        assert pool._busy == 0 and not pool._waiting and not pool._clients
        assert pids - set(pool.pids())  # the running query's worker was killed and replaced
        assert pool.run(ASK, "10.0.0.1")[0] == "ok"
    finally:
        pool.close()


def test_client_key_groups_an_ipv6_network():
    assert client_key("2001:db8:1:2::5") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_key("::ffff:10.1.2.3") == "10.1.2.3"
    assert client_key("127.0.0.1") != client_key("127.0.0.2")


# -- the server ----------------------------------------------------------------------------


def test_fire_and_forget_queries_do_not_keep_the_client_waiting(server):
    """Twelve slow queries sent and abandoned; the same client's next query is answered,
    not made to wait behind them (its share is one query at a time)."""
    url, _ = server
    sockets = [raw(url, post(SLOW), source="127.0.0.9", wait=False) for _ in range(12)]
    for sock in sockets:
        sock.close()
    status, body = raw(url, post("ASK { ?s ?p ?o }"), source="127.0.0.9")
    assert (status, body.strip()) == (200, "true")


@pytest.mark.parametrize("request_bytes", [
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    b"Content-Type: application/sparql-query\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n",  # not a hex length
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    b"Content-Type: application/sparql-query\r\n\r\n-5\r\nASK {}\r\n0\r\n\r\n",  # a negative length
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    b"Content-Type: application/sparql-query\r\n\r\n6\r\nASK {}XX0\r\n\r\n",  # no line end after the chunk
    b"GET /sparql?query=ASK%20%7B%7D%ZZ%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\nConnection: close\r\n"
    b"Content-Type: application/sparql-query\r\n\r\nASK {}",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n"
    b"Content-Type: application/sparql-query\r\n\r\nASK {}",
])
def test_malformed_requests_are_4xx_never_500(server, request_bytes):
    url, log = server
    status, body = raw(url, request_bytes)
    assert 400 <= status < 500, body
    assert "Traceback" not in "".join(log)


def test_a_query_past_the_memory_cap_is_503_and_the_next_one_runs(server):
    url, log = server
    status, body = raw(url, post(HUNGRY), source="127.0.0.5")
    assert status == 503
    assert "the query needed more than 400 MB of memory" in body and "--max-memory-mb" in body
    status, body = raw(url, post("ASK { ?s ?p ?o }"), source="127.0.0.5")
    assert (status, body.strip()) == (200, "true")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 5000 + "}" * 5000,  # 10 KB: segfaulted the worker before
    "SELECT * WHERE { FILTER(" + "!" * 10000 + "true) }",
    "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(5000)) + " }",
])
def test_query_text_that_would_crash_the_engine_is_400(server, query):
    url, _ = server
    status, body = raw(url, post(query))
    assert status == 400 and ("nests brackets more than 64 deep" in body or "more than 2,000" in body), body
    status, body = raw(url, post("ASK { ?s ?p ?o }"))
    assert (status, body.strip()) == (200, "true")
