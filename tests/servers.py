"""Real SPARQL servers for the tests, on free loopback ports, each in a temporary directory.

``oxigraph_server`` runs ``oxigraph serve`` (the PyPI package ``oxigraph``, in
the test extra); ``virtuoso_server`` runs Debian's Virtuoso through
``scripts/virtuoso-serve.sh`` (installed by ``scripts/install-debian.sh``, run by ``make test``)
and opens it for Graph Store Protocol writes with
``scripts/virtuoso-allow-writes.sh``. Both are context managers yielding a
``Server``, and stop the server and remove its directory on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
VIRTUOSO = "/usr/bin/virtuoso-t"


@dataclass
class Server:
    name: str
    endpoint: str  # the SPARQL 1.1 query endpoint
    started_in: float  # seconds until it answered (and, for Virtuoso, accepted writes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(endpoint: str, process: subprocess.Popen, seconds: float, log: Path | None = None) -> None:
    """Poll the endpoint with ASK {} until it answers 200."""
    url = endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            pytest.fail(f"the server exited with code {process.returncode}\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"no answer from {endpoint} within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def oxigraph_binary() -> str:
    found = Path(sys.executable).parent / "oxigraph"
    if found.exists():
        return str(found)
    path = shutil.which("oxigraph")
    if path is None:
        pytest.fail("the oxigraph server is not installed: pip install -e '.[test]' installs it")
    return path


@contextlib.contextmanager
def oxigraph_server() -> Iterator[Server]:
    started = time.monotonic()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kg-oxigraph-") as location:
        process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", location, "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            endpoint = f"http://127.0.0.1:{port}/query"
            wait_until_up(endpoint, process, 30)
            yield Server("oxigraph", endpoint, time.monotonic() - started)
        finally:
            stop(process)


def virtuoso_missing() -> str | None:
    """Why the Virtuoso tests cannot run here, or None."""
    if not os.access(VIRTUOSO, os.X_OK):
        return f"{VIRTUOSO} is missing: run make test as root (scripts/install-debian.sh installs it)"
    return None


@contextlib.contextmanager
def virtuoso_server() -> Iterator[Server]:
    started = time.monotonic()
    http_port, isql_port = free_port(), free_port()
    while isql_port == http_port:
        isql_port = free_port()
    with tempfile.TemporaryDirectory(prefix="kg-virtuoso-") as location:
        log = Path(location) / "server.out"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                ["sh", str(SCRIPTS / "virtuoso-serve.sh"), location, str(http_port), str(isql_port)],
                stdout=out, stderr=subprocess.STDOUT,
            )
        try:
            endpoint = f"http://127.0.0.1:{http_port}/sparql"
            wait_until_up(endpoint, process, 60, log)
            subprocess.run(
                ["sh", str(SCRIPTS / "virtuoso-allow-writes.sh"), str(isql_port)],
                check=True, capture_output=True, timeout=60,
            )
            yield Server("virtuoso", endpoint, time.monotonic() - started)
        finally:
            stop(process)
