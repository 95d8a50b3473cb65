"""Every wait is bounded: a server that accepts and never answers, one that never accepts,
and a writer lock held by a process that runs, is stopped (SIGSTOP) or is gone. Loopback
only; the limits are set small and the tests check what the message says, not the time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections, reads what comes, and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setblocking(False)
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in held:
            conn.close()


@contextmanager
def deaf_server() -> Iterator[str]:
    """A loopback port whose accept queue is full: a new connection is never accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the queue (and the SYN backlog of a listen(0) socket)
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_a_server_that_never_answers_a_query(kg):
    with silent_server() as url:
        result = kg("--endpoint", url, "--endpoint-timeout", "1", "fought", "jnim")
    assert result.code == 5, result.stderr
    assert "accepted the connection but did not answer within 1 s (kg --endpoint-timeout sets the limit)" in result.stderr
    assert "Traceback" not in result.stderr


def test_kg_query_names_its_own_timeout(kg):
    with silent_server() as url:
        result = kg("--endpoint", url, "query", "--timeout", "1", "ASK { ?s ?p ?o }")
    assert result.code == 5, result.stderr
    assert "did not answer within 1 s (kg query --timeout sets the limit)" in result.stderr


def test_a_server_that_never_accepts(kg):
    with deaf_server() as url:
        result = kg("--endpoint", url, "--connect-timeout", "1", "fought", "jnim")
    assert result.code == 5, result.stderr
    assert ("did not accept a connection within 1 s (kg --connect-timeout sets the limit)" in result.stderr
            or "did not answer within" in result.stderr)  # a kernel that queued it after all
    assert "Traceback" not in result.stderr


def test_push_to_a_server_that_never_answers(kg, store):
    with silent_server() as url:
        result = kg("push", "--endpoint", url, "--graph", "ontology", "--timeout", "1")
    assert result.code == 5, result.stderr
    assert "did not take the upload and answer within 1 s (kg push --timeout sets the limit)" in result.stderr


HOLD = """
import os, sys, time
from pathlib import Path
from kg.store.locks import writer_lock
with writer_lock(Path(sys.argv[1]), "kg import acled"):
    if sys.argv[2] == "fork-and-leave":  # a child keeps the lock's file open; the holder exits
        if os.fork():
            print("held", flush=True)
            os._exit(0)
        sys.stdout.close()
        time.sleep(600)
    print("held", flush=True)
    time.sleep(600)
"""


@contextmanager
def lock_holder(home: Path, how: str) -> Iterator[subprocess.Popen]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(home), how], stdout=subprocess.PIPE, text=True,
                               env=env, cwd=ROOT, start_new_session=True)
    try:
        assert process.stdout.readline().strip() == "held"
        if how == "stop":
            os.kill(process.pid, signal.SIGSTOP)
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its session: the holder and a child it left
        except ProcessLookupError:
            pass
        process.wait(10)


@pytest.mark.parametrize(("how", "expected"), [
    ("run", "is still changing the store in"),
    ("stop", "but is stopped (SIGSTOP or Ctrl-Z), so it will not finish; resume it (kill -CONT"),
    ("fork-and-leave", "that process is gone but the lock is still held"),
])
def test_a_writer_gives_up_and_says_what_the_holder_does(kg, tmp_path, minimal_data, how, expected):
    home = tmp_path / "home"
    home.mkdir()
    with lock_holder(home, how):
        result = kg("--lock-wait", "1", "build", data=minimal_data, home=home)
    assert result.code == 5, result.stdout + result.stderr
    assert "gave up waiting after" in result.stderr and expected in result.stderr
    assert "pid" in result.stderr and "kg import acled" in result.stderr
