"""Shared fixtures: an isolated store per test session, the real data, and a
runner that invokes the real ``kg`` entry point in a fresh process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CASES = Path(__file__).resolve().parent / "cases"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def kg_home(tmp_path_factory) -> Path:
    """A KG_HOME for the whole session, so the real data is built once."""
    home = tmp_path_factory.mktemp("kg-home")
    os.environ["KG_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def kg(kg_home):
    """Run ``kg ARGS`` as a user would: a new process, the real entry point."""

    def run(*args: str, data: Path | None = None, home: Path | None = None, input: str | None = None,
            env: dict | None = None) -> Result:
        full_env = {**os.environ, "KG_HOME": str(home or kg_home), **(env or {})}
        full_env.pop("KG_DATA", None)
        if data is not None:
            full_env["KG_DATA"] = str(data)
        proc = subprocess.run(
            [sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=full_env,
            input=input, cwd=ROOT, timeout=300,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(scope="session")
def store(kg_home):
    """The cached store of the real curated data."""
    from kg.store.cache import open_store

    return open_store(DATA)


@pytest.fixture(scope="session")
def built_home(kg, tmp_path_factory) -> Path:
    """A KG_HOME of its own with the curated store built by ``kg build`` (copy before changing it)."""
    home = tmp_path_factory.mktemp("kg-built")
    result = kg("build", home=home)
    assert result.code == 0, result.stderr
    return home


@pytest.fixture
def store_copy(built_home, tmp_path) -> Path:
    """A private copy of the built store's folder, with what kg keeps beside it."""
    target = tmp_path / "store"
    shutil.copytree((built_home / "store").resolve(), target)
    return target


@pytest.fixture(scope="session")
def curated():
    """The real curated data in an in-memory store of its own (imports elsewhere cannot change it)."""
    from kg.graph import namespaces as ns
    from kg.graph.build import build
    from kg.store.embedded import OxigraphStore
    from kg.store.summaries import with_summaries

    memory = OxigraphStore()
    memory.store.extend(with_summaries(build(DATA), ns.CURATED_GRAPH))
    return memory


@pytest.fixture
def minimal_data(tmp_path) -> Path:
    """A writable copy of the smallest valid data set, to break in tests."""
    target = tmp_path / "data"
    shutil.copytree(CASES / "minimal", target, ignore=shutil.ignore_patterns("expected.*"))
    return target
