"""The README's console examples, run as written and compared with what they print.

Every ```console block of README.md is split into commands (``$ ...``, continued over
the lines of an open quote) and the output printed under each. The commands run in a
shell, in a temporary folder holding a copy of ``data/`` (``$KG_DATA``; the import
session appends to its ``aliases.csv``) and the files the import session names (cut
from the fixtures as the README says), with ``kg`` the CLI of this tree and stdout and
stderr together, as on a terminal. A command the README shows without output must
succeed; one with output must print it.

What legitimately varies, and is left out of the comparison:
- how long an import took (``(1.26 s, 17 rows/s)``), when a file was imported
  (``2026-11-29T11:34:02Z``) and its content hash (``sha256``: it covers the curated
  names and aliases the rows were placed with);
- the row count of the curated data in ``kg sources`` (the data grows);
- the width of table columns (a shorter or longer timestamp or count), so runs of
  spaces compare as one;
- a line the README cut short with ``…`` is compared up to there.
Blocks that need a running server (``kg serve``, ``curl``, ``oxigraph serve``, ``kg push``,
``kg --endpoint``) are not run here: tests/test_serve.py and tests/test_remote.py run them
against real servers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVERS = ("kg serve", "curl ", "oxigraph ", "kg push", "kg --endpoint")

VARYING = [
    (re.compile(r"\(\d+(?:\.\d+)? s, \d+ rows/s\)"), "(TIME)"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "WHEN"),
    (re.compile(r"(?<=\s)[0-9a-f]{12}$"), "SHA"),
    (re.compile(r"^(curated\s+data/\*\.csv\s+)\d+"), r"\1ROWS"),
]


def blocks() -> list[list[tuple[str, list[str]]]]:
    """Each console block as [(command, expected output lines)]."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, re.S):
        steps: list[tuple[str, list[str]]] = []
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.startswith("$ "):
                steps[-1][1].append(line)
                i += 1
                continue
            command = line[2:]
            while not _complete(command):
                i += 1
                command += "\n" + lines[i]
            steps.append((command, []))
            i += 1
        out.append(steps)
    return out


def _complete(command: str) -> bool:
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return False
    return True


def normal(line: str) -> str:
    line = line.rstrip()
    for pattern, replacement in VARYING:
        line = pattern.sub(replacement, line)
    return re.sub(r" {2,}", "  ", line)


def same(expected: list[str], actual: list[str]) -> bool:
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual):
        want, got = normal(want), normal(got)
        if want.endswith("…"):
            if not got.startswith(want[:-1].rstrip()):
                return False
        elif want != got:
            return False
    return True


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The folder the examples run in: data/, the import session's files, a bin/kg."""
    where = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "data", where / "data")
    header, *rows = (FIXTURES / "acled_mali_2020.csv").read_text().splitlines()
    (where / "mali-2020-a.csv").write_text("\n".join([header, *rows[:10]]) + "\n")
    (where / "mali-2020-b.csv").write_text("\n".join([header, *rows[10:]]) + "\n")
    shutil.copy(FIXTURES / "acled_monadic.csv", where / "mali-2020-monadic.csv")
    shutil.copy(FIXTURES / "acled_mali_2024.csv", where / "mali-2024.csv")
    bin_dir = where / "bin"
    bin_dir.mkdir()
    (bin_dir / "kg").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m kg \"$@\"\n")
    (bin_dir / "kg").chmod(0o755)
    return where


def run_block(folder: Path, steps, home: Path) -> list[str]:
    """Run one block's commands; the differences found, as messages."""
    env = {**os.environ, "KG_HOME": str(home), "KG_DATA": str(folder / "data"),
           "PATH": f"{folder / 'bin'}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    env.pop("KG_ENDPOINT", None)
    wrong = []
    for command, expected in steps:
        proc = subprocess.run(["bash", "-c", command + " 2>&1"], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=600)
        actual = proc.stdout.rstrip("\n").splitlines()
        while expected and not expected[-1].strip():
            expected = expected[:-1]
        if "Traceback" in proc.stdout:
            wrong.append(f"$ {command}\n  a traceback:\n{proc.stdout}")
        elif not expected:
            if proc.returncode != 0:
                wrong.append(f"$ {command}\n  exit {proc.returncode}:\n{proc.stdout}")
        elif not same(expected, actual):
            wrong.append(f"$ {command}\n  README says:\n" + "\n".join(expected) + "\n  it prints:\n"
                         + "\n".join(actual))
    return wrong


def test_the_readme_has_console_examples():
    assert len(blocks()) >= 8
    assert sum(len(b) for b in blocks()) >= 25


def test_every_console_example_of_the_readme_prints_what_it_says(folder, tmp_path):
    wrong = []
    shared = tmp_path / "home"
    for steps in blocks():
        if any(cmd.startswith(SERVERS) for cmd, _ in steps):
            continue
        importing = any(cmd.startswith("kg import") for cmd, _ in steps)
        wrong += run_block(folder, steps, tmp_path / "import-home" if importing else shared)
    assert not wrong, "\n\n".join(wrong)


def test_the_comparison_sees_a_difference():
    """The comparison is not blind: a changed count, a missing line and a cut line."""
    assert same(["a  b", "1  2"], ["a    b", "1    2"])
    assert not same(["a  b", "1  2"], ["a  b", "1  3"])
    assert not same(["a  b", "1  2"], ["a  b"])
    assert same(["name  value…"], ["name  values and more"])
    assert same(["x (1.26 s, 17 rows/s)"], ["x (3.9 s, 2 rows/s)"])


def test_the_push_example_counts_the_graphs_as_they_are(store):
    """``kg push`` prints each graph's triples: the README's ontology count is the store's
    (it changes with the schema only); the curated count grows with the data, so only its
    form is checked (stated above)."""
    from kg.graph import namespaces as ns

    pushed = dict(re.findall(r"^pushed (\S+): (\d+) triples$", README, re.M))
    assert set(pushed) == {ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH}
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ns.ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}")
    assert int(pushed[ns.ONTOLOGY_GRAPH]) == count[0]["n"]
