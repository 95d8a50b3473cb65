"""Every writing command under I/O errors injected at random points: no traceback, and
the store and the user's files as they were (or the command's whole result).

The faults come from libfiu (Debian's ``fiu-utils``, installed by ``make test`` through
scripts/install-debian.sh): ``fiu-run -x`` preloads its POSIX wrappers, and each
``write``/``pwrite``/``fsync``/``rename`` of the process (kg's own and RocksDB's) fails
with the given errno at the given probability, or writes short (``.../reduce``). Which
call fails is random on each run; the assertions hold whichever it is:

- the exit code is 0 (no fault hit, or one that was retried) or 6 (the operating
  system's refusal), the message ``Error: ...`` names the cause, never a traceback;
- after a failure the live store is byte for byte what it was, and no staging folder
  is left; after a success it answers with the command's result;
- an ``-o`` file is absent or whole (exactly the export without faults), and a file
  it would replace keeps its content.

Reads are left alone (Python itself must start), so every fault is one of writing.
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_store_safety import ACLED, ACLED_SMALLER, UCDP, env_for, snapshot

ROOT = Path(__file__).resolve().parent.parent
FIU_RUN = shutil.which("fiu-run")
pytestmark = pytest.mark.skipif(FIU_RUN is None, reason="fiu-run is missing: sh scripts/install-debian.sh "
                                "'fault injection' /usr/bin/fiu-run fiu-utils (make test does this)")

POINTS = ("posix/io/rw/write", "posix/io/rw/pwrite", "posix/io/rw/writev", "posix/io/sync/fsync",
          "posix/io/sync/fdatasync", "posix/io/dir/rename")
ERRNOS = {"ENOSPC": errno.ENOSPC, "EIO": errno.EIO, "EFBIG": errno.EFBIG, "EACCES": errno.EACCES}
CAUSES = {"ENOSPC": "No space left on device", "EIO": "Input/output error", "EFBIG": "File too large",
          "EACCES": "Permission denied"}


def faulty(home: Path, args: list[str], *, errno_name: str, probability: float, short: bool = False,
           cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``kg ARGS`` with the write-side calls failing at random with ``errno_name``."""
    options = []
    for point in POINTS:
        options += ["-c", f"enable_random name={point},probability={probability},failinfo={ERRNOS[errno_name]}"]
    if short:
        options += ["-c", f"enable_random name=posix/io/rw/write/reduce,probability={probability}"]
    env = {**env_for(home), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([FIU_RUN, "-x", *options, sys.executable, "-m", "kg", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def kg(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**env_for(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def rows(home: Path) -> dict[str, int]:
    result = kg(home, "sources", "--format", "json")
    assert result.returncode == 0, result.stderr
    return {r["name"]: r["rows"] for r in json.loads(result.stdout)}


def clean(result: subprocess.CompletedProcess, errno_name: str) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.returncode in (0, 6), (result.returncode, result.stderr)
    if result.returncode == 6:
        assert result.stderr.startswith("Error: ") and CAUSES[errno_name] in result.stderr, result.stderr


@pytest.fixture(scope="module")
def base_home(tmp_path_factory) -> Path:
    """A KG_HOME with the curated graph and the ACLED and UCDP samples imported."""
    home = tmp_path_factory.mktemp("faults") / "home"
    for args in (("import", "acled", str(ACLED)), ("import", "ucdp", str(UCDP))):
        result = kg(home, *args)
        assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def home(base_home, tmp_path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(base_home, target, symlinks=True)
    return target


COMMANDS = {"build": ["build"], "import": ["import", "ucdp", str(ACLED_SMALLER.parent / "ucdp_ged50_sample.csv")],
            "drop": ["drop", "acled"], "import-acled": ["import", "acled", str(ACLED_SMALLER)]}


# each command with each errno, at a probability that cycles: a fault early (most calls
# fail), somewhere in the middle, or late and rare (often none: then the result must be whole)
CASES = [(command, name, (0.5, 0.05, 0.005)[i % 3])
         for i, (command, name) in enumerate((c, n) for c in COMMANDS for n in ERRNOS)]


@pytest.mark.parametrize(("command", "errno_name", "probability"), CASES)
def test_a_writing_command_under_injected_faults_loses_nothing(home, command, errno_name, probability):
    before = snapshot(home)
    counts = rows(home)
    result = faulty(home, COMMANDS[command], errno_name=errno_name, probability=probability,
                    short=probability < 0.1)
    clean(result, errno_name)
    assert not list((home / "stores").glob("*.staging*")), "a staging folder was left behind"
    after = rows(home)
    if result.returncode == 6:
        assert snapshot(home) == before, "a failed write changed the live store"
        assert after == counts
    elif command == "drop":
        assert "acled" not in after and after["ucdp"] == counts["ucdp"]
    elif command == "build":
        assert after == counts
    else:
        assert after["curated"] == counts["curated"] and len(after) >= len(counts)


@pytest.fixture(scope="module")
def whole_export(base_home) -> bytes:
    result = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "nq"], env={**env_for(base_home),
                            "PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True, timeout=600)
    assert result.returncode == 0
    return result.stdout


@pytest.mark.parametrize("probability", [0.01, 0.3, 0.7])  # at 1.0 even the message on stderr cannot be written
@pytest.mark.parametrize("errno_name", ["ENOSPC", "EFBIG", "EIO"])
def test_an_output_file_is_whole_or_as_it_was(home, tmp_path, whole_export, errno_name, probability):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "graph.nq"
    out.write_bytes(b"the user's earlier file\n")
    result = faulty(home, ["export", "-f", "nq", "-o", str(out)], errno_name=errno_name, probability=probability)
    clean(result, errno_name)
    if result.returncode == 6:
        assert str(out) in result.stderr
        assert out.read_bytes() == b"the user's earlier file\n"
    else:
        assert out.read_bytes() == whole_export
    assert [p.name for p in folder.iterdir()] == ["graph.nq"], "a temporary file was left behind"


@pytest.mark.parametrize("errno_name", ["ENOSPC", "EFBIG", "EIO"])
def test_standard_output_under_faults_is_an_error_not_a_success(home, tmp_path, whole_export, errno_name):
    out = tmp_path / "graph.nq"
    with open(out, "wb") as f:
        env = {**env_for(home), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}
        options = ["-c", f"enable_random name=posix/io/rw/write,probability=0.5,failinfo={ERRNOS[errno_name]}"]
        result = subprocess.run([FIU_RUN, "-x", *options, sys.executable, "-m", "kg", "export", "-f", "nq"],
                                env=env, cwd=ROOT, stdout=f, stderr=subprocess.PIPE, text=True, timeout=600)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert out.read_bytes() == whole_export
    else:
        assert result.returncode == 6 and "standard output" in result.stderr, result.stderr


def test_stdout_to_a_full_device_is_an_error(base_home):
    """/dev/full: every write fails with ENOSPC; a table (text), an export (bytes)."""
    for args in (["fought", "JNIM", "Wagner"], ["export", "-f", "nq"], ["sources"]):
        with open("/dev/full", "wb") as full:
            result = subprocess.run([sys.executable, "-m", "kg", *args], env={**env_for(base_home),
                                    "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                                    text=True, timeout=600)
        assert result.returncode == 6, (args, result.stderr)
        assert result.stderr.startswith("Error: cannot write standard output: No space left on device (ENOSPC)")
        assert "Traceback" not in result.stderr


def test_a_file_size_limit_is_an_error_and_leaves_no_file(base_home, tmp_path):
    """``ulimit -f``: SIGXFSZ is ignored, and EFBIG is the error; ``-o`` leaves no file,
    ``> file`` exits 6, never 0 with a truncated file."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {**env_for(base_home), "PYTHONPATH": str(ROOT)}
    out = tmp_path / "graph.ttl"
    result = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "ttl", "-o", str(out)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600, preexec_fn=limit)
    assert result.returncode == 6 and "File too large (EFBIG)" in result.stderr, result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with open(out, "wb") as f:
        result = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "ttl"], env=env, cwd=ROOT, stdout=f,
                                stderr=subprocess.PIPE, text=True, timeout=600, preexec_fn=limit)
    assert result.returncode == 6 and "cannot write standard output: File too large" in result.stderr
    assert "Traceback" not in result.stderr
