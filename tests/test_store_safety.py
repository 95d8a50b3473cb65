"""The store under faults and several processes at once: nothing is ever lost.

Real second processes throughout: concurrent builds and imports, a reader that
holds the store across an import, a file-descriptor limit, a home that another
user owns or that cannot be written. Tests run as root here, which ignores
permission bits; "another user" is the real user nobody (uid 65534, through
``setpriv``), and "cannot be written" also a directory made immutable with
``chattr +i``, which root must respect.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACLED = FIXTURES / "acled_sample.csv"
ACLED_SMALLER = FIXTURES / "acled_required_only.csv"  # 4 events instead of 25
UCDP = FIXTURES / "ucdp_ged_sample.csv"
NOBODY = 65534


def env_for(home: Path) -> dict:
    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_DATA", None)
    return env


def start(home: Path, *args: str, preexec=None, user: int | None = None) -> subprocess.Popen:
    """``kg ARGS`` in a new process, as a user would start it (optionally as another user)."""
    prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.Popen([*prefix, sys.executable, "-m", "kg", *args], env=env_for(home), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec)


def run(home: Path, *args: str, **kw) -> tuple[int, str, str]:
    proc = start(home, *args, **kw)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def sources(home: Path) -> dict[str, int]:
    code, out, err = run(home, "sources", "--format", "json")
    assert code == 0, err
    return {row["name"]: row["rows"] for row in json.loads(out)}


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file under the home's stores, by path, with its content: to prove nothing changed."""
    out = {"store -> ": os.readlink(home / "store").encode()}
    for path in sorted((home / "stores").rglob("*")):
        if path.is_file() and path.name not in ("LOG",) and not path.name.startswith("LOG.old"):
            out[str(path.relative_to(home))] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def imported_home(tmp_path_factory) -> Path:
    """A KG_HOME with the curated graph and the ACLED and UCDP samples imported."""
    home = tmp_path_factory.mktemp("safety") / "home"
    for args in (("import", "acled", str(ACLED)), ("import", "ucdp", str(UCDP))):
        code, _, err = run(home, *args)
        assert code == 0, err
    return home


@pytest.fixture
def home(imported_home, tmp_path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(imported_home, target, symlinks=True)
    return target


# --- one writer at a time ------------------------------------------------------------


@pytest.mark.parametrize("round_", [1, 2])
def test_two_builds_and_an_import_at_once_all_succeed_and_keep_every_import(home, round_):
    before = sources(home)
    assert before["acled"] == 25 and before["ucdp"] == 10
    procs = [start(home, "build"), start(home, "build"), start(home, "import", "acled", "--replace", str(ACLED_SMALLER))]
    results = [(p.communicate(timeout=300)[1], p.returncode) for p in procs]
    for err, code in results:
        assert code == 0, err
        assert "Traceback" not in err
    after = sources(home)
    assert after == {**before, "acled": 4}  # the import is kept, and so is the other data set
    assert not list((home / "stores").glob("*.staging"))
    code, out, err = run(home, "fought", "JNIM", "--source", "ucdp", "--format", "json")
    assert code == 0 and json.loads(out), err


HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from kg.store import locks
    with locks.writer_lock(Path(sys.argv[1]), "kg import acled"):
        print("locked", flush=True)
        sys.stdin.read()  # until the test closes it
""")


def hold_writer_lock(home: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(home)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.mark.parametrize("command", [["build"], ["import", "ucdp", str(UCDP)], ["drop", "ucdp"]],
                         ids=["build", "import", "drop"])
def test_a_second_writer_waits_and_says_for_whom_or_fails_at_once_with_no_wait(home, command):
    holder = hold_writer_lock(home)
    try:
        code, _, err = run(home, *command, "--no-wait")
        assert code == 5
        assert err.startswith(f"Error: another kg process (pid {holder.pid}: kg import acled) is changing the store")
        assert "Traceback" not in err
        waiting = start(home, *command)
        said = waiting.stderr.readline()  # blocks until it says it waits (or ends)
        assert said.startswith(f"kg: waiting for another kg process (pid {holder.pid}: kg import acled) "
                               f"to finish changing the store in {home}"), said
        time.sleep(0.5)
        assert waiting.poll() is None  # it waits ...
        holder.stdin.close()
        holder.wait(timeout=30)
        _, err = waiting.communicate(timeout=180)
        assert waiting.returncode == 0, err  # ... and then does its work
    finally:
        if holder.poll() is None:
            holder.kill()


def test_push_reads_the_store_under_the_writer_lock(home):
    """kg push's local side (dumping the graphs) takes the same lock; the upload does not."""
    holder = hold_writer_lock(home)
    try:
        code, _, err = run(home, "push", "--endpoint", "http://127.0.0.1:9/query", "--no-wait")
        assert code == 5
        assert err.startswith(f"Error: another kg process (pid {holder.pid}: kg import acled) is changing the store")
        waiting = start(home, "push", "--endpoint", "http://127.0.0.1:9/query")
        said = waiting.stderr.readline()
        assert said.startswith(f"kg: waiting for another kg process (pid {holder.pid}: kg import acled)"), said
        holder.stdin.close()
        _, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 5 and err.startswith("Error: ") and "127.0.0.1:9" in err, err  # no server there
    finally:
        if holder.poll() is None:
            holder.kill()


# --- readers keep a consistent view ----------------------------------------------------

READER = textwrap.dedent("""
    import json, resource, sys
    import kg
    from kg.store.cache import open_store
    store = open_store()
    def peak_mb():  # this process's own peak: ru_maxrss keeps the forking parent's (pytest's) across exec
        try:
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    def count():
        return sum(1 for _ in store.store.quads_for_pattern(None, None, None, None))
    def answer(s):
        return [(r["actor"], r["opponent"], r["events"]) for r in kg.fought("JNIM", source="acled", store=s)]
    first = (count(), answer(store))
    print(json.dumps({"ready": True, "dir": str(store.path)}), flush=True)
    sys.stdin.readline()  # the test imports meanwhile
    same = all((count(), answer(store)) == first for _ in range(20))
    fresh = open_store()  # a new call sees the new store
    print(json.dumps({"same": same, "first": first[0], "again": count(), "fresh": sum(1 for _ in
          fresh.store.quads_for_pattern(None, None, None, None)), "fresh_answer": answer(fresh),
          "rss_mb": peak_mb()}), flush=True)
    sys.stdin.readline()
""")


def test_a_reader_holding_the_store_keeps_its_view_across_an_import_and_a_build(home):
    reader = subprocess.Popen([sys.executable, "-c", READER], env=env_for(home), cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = json.loads(reader.stdout.readline())
        old_dir = Path(ready["dir"])
        code, _, err = run(home, "import", "acled", "--replace", str(ACLED_SMALLER))
        assert code == 0, err
        code, _, err = run(home, "build")
        assert code == 0, err
        assert old_dir.is_dir()  # still read: kept
        assert (home / "store").resolve() != old_dir
        reader.stdin.write("go\n")
        reader.stdin.flush()
        line = reader.stdout.readline()
        assert line, reader.stderr.read()
        seen = json.loads(line)
        assert seen["same"] is True  # every answer as before the import, no error
        assert seen["again"] == seen["first"]
        assert seen["fresh"] < seen["first"]  # the new store: 4 ACLED events instead of 25
        assert seen["rss_mb"] < 600, seen  # bounded: no growth while the store changed under it
        reader.stdin.write("done\n")
        reader.stdin.flush()
        reader.wait(timeout=30)
        assert "Traceback" not in reader.stderr.read()
    finally:
        if reader.poll() is None:
            reader.kill()
    code, _, err = run(home, "drop", "ucdp")  # the next writer removes the old store, now unread
    assert code == 0, err
    assert not old_dir.exists()
    assert sources(home) == {"curated": sources(home)["curated"], "acled": 4}


def test_the_sweep_removes_only_what_kg_made(home):
    mine = home / "stores" / "my-notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    other = home / "stores" / "backup-of-store"
    shutil.copytree((home / "store").resolve(), other)
    code, _, err = run(home, "drop", "ucdp")
    assert code == 0, err
    assert (mine / "keep.txt").read_text() == "mine" and other.is_dir()


# --- a store that cannot be opened is never removed --------------------------------------


def _limit_files():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


@pytest.mark.parametrize("command", [["fought", "JNIM", "Wagner"], ["sources"], ["build"],
                                     ["import", "acled", str(ACLED_SMALLER)]],
                         ids=["fought", "sources", "build", "import"])
def test_a_file_descriptor_limit_loses_nothing(home, command):
    """As `(ulimit -n 64; kg fought JNIM Wagner)`: RocksDB cannot open the store."""
    before = snapshot(home)
    code, _, err = run(home, *command, preexec=_limit_files)
    assert code == 5, err
    assert err.startswith("Error: cannot open the store at") and "ulimit -n" in err
    assert "Traceback" not in err
    assert snapshot(home) == before
    assert not list(home.glob("corrupt-*"))
    assert sources(home)["acled"] == 25


def _as_nobody_possible() -> str | None:
    if os.geteuid() != 0:
        return "needs root to run a command as the user nobody"
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is missing"
    return None


@pytest.fixture
def shared_home(imported_home):
    """The imported home in a folder every user can traverse (pytest's tmp is root's only)."""
    base = Path(tempfile.mkdtemp(prefix="kg-shared-"))
    base.chmod(0o755)
    home = base / "home"
    shutil.copytree(imported_home, home, symlinks=True)
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    yield home
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(_as_nobody_possible() is not None, reason=str(_as_nobody_possible()))
def test_a_store_owned_by_another_user_is_read_but_never_changed_or_removed(shared_home):
    home = shared_home
    before = snapshot(home)
    code, out, err = run(home, "fought", "JNIM", "Wagner", user=NOBODY)
    assert code == 0, err  # reading needs no write access
    assert "Wagner Group" in out
    for command in (["build"], ["import", "acled", str(ACLED_SMALLER)], ["drop", "acled"]):
        code, _, err = run(home, *command, user=NOBODY)
        assert code == 6, (command, err)  # the operating system's refusal: SystemFault
        what = " ".join(["kg", *command[:2]]) if command[0] == "import" else "kg " + command[0]
        assert err.startswith(f"Error: {what} stopped: ") and "Permission denied" in err, err
        assert "the live store is unchanged" in err and "belongs to another user" in err
        assert "Traceback" not in err
    stale = home.parent / "data"  # a changed data folder: the store is stale for it
    shutil.copytree(ROOT / "data", stale)
    with open(stale / "sources.csv", "a") as f:
        f.write("\n")
    subprocess.run(["chmod", "-R", "a+rX", str(stale)], check=True)
    code, _, err = run(home, "--data", str(stale), "fought", "JNIM", user=NOBODY)
    assert code == 6, err
    assert "rebuilding the out-of-date store" in err and "Traceback" not in err
    assert snapshot(home) == before
    assert sources(home) == {"curated": sources(home)["curated"], "acled": 25, "ucdp": 10}


@pytest.mark.skipif(_as_nobody_possible() is not None, reason=str(_as_nobody_possible()))
def test_an_import_done_with_sudo_in_ones_own_home_is_kept(tmp_path):
    """The user's own home; `sudo kg import` makes the live store root's; then `kg build` as the user."""
    base = Path(tempfile.mkdtemp(prefix="kg-own-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        home.mkdir()
        os.chown(home, NOBODY, NOBODY)
        code, _, err = run(home, "build", user=NOBODY)
        assert code == 0, err
        code, _, err = run(home, "import", "acled", str(ACLED))  # as root
        assert code == 0, err
        before = snapshot(home)
        code, _, err = run(home, "import", "ucdp", str(UCDP), user=NOBODY)  # starts from a checkpoint: root's files
        assert code == 6, err  # the operating system's refusal: SystemFault
        assert "the live store is unchanged" in err and "belongs to another user" in err, err
        assert "Traceback" not in err
        code, out, err = run(home, "fought", "JNIM", "Wagner", user=NOBODY)
        assert code == 0 and "Wagner Group" in out, err
        assert snapshot(home) == before
        root_store = (home / "store").resolve()

        def root_store_whole() -> bool:
            kept = {f"stores/{root_store.name}/{p.name}": p.read_bytes() for p in root_store.iterdir()
                    if not p.name.startswith("LOG")}
            return kept == {k: v for k, v in before.items() if k.startswith(f"stores/{root_store.name}/")}

        # the import holds fewer quads than the curated graph: the build copies it into a new
        # store of the user's own (kg.store.cache._staging_base) rather than checkpoint root's files
        code, _, err = run(home, "build", user=NOBODY)
        assert code == 0, err
        assert (home / "store").resolve() != root_store and root_store_whole()
        assert sources(home)["acled"] == 25
        code, _, err = run(home, "drop", "acled", user=NOBODY)  # the user's own store now
        assert code == 0, err
        assert root_store_whole()
        assert "acled" not in sources(home)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _chattr(flag: str, *paths: Path) -> bool:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@pytest.mark.parametrize("command", [["build"], ["import", "acled", str(ACLED_SMALLER)], ["drop", "acled"]],
                         ids=["build", "import", "drop"])
def test_a_home_that_cannot_be_written_loses_nothing(home, command):
    """``chattr +i``: no file can be made in the home or its stores, even by root."""
    if not shutil.which("chattr") or not _chattr("+i", home, home / "stores"):
        pytest.skip("chattr +i is not available on this file system")
    try:
        before = snapshot(home)
        code, _, err = run(home, *command)
    finally:
        _chattr("-i", home, home / "stores")
    assert code == 6, err  # the operating system's refusal: SystemFault
    assert err.startswith("Error: ") and "Operation not permitted" in err and "unchanged" in err, err
    assert "Traceback" not in err
    assert snapshot(home) == before
    assert sources(home)["acled"] == 25


@pytest.fixture
def small_disk(imported_home):
    """The imported home on a 40 MB tmpfs, then filled up: a full disk (root may mount one)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    mount = Path(tempfile.mkdtemp(prefix="kg-full-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        mount.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        home = mount / "home"
        shutil.copytree(imported_home, home, symlinks=True)
        free = shutil.disk_usage(mount).free
        with open(mount / "filler", "wb") as f:
            f.write(b"\0" * max(0, free - 8192))
        yield home
    finally:
        subprocess.run(["umount", str(mount)], check=True)
        mount.rmdir()


@pytest.mark.parametrize("command", [["build"], ["import", "acled", str(ACLED_SMALLER)], ["drop", "acled"]],
                         ids=["build", "import", "drop"])
def test_a_full_disk_loses_nothing(small_disk, command):
    home = small_disk
    before = snapshot(home)
    code, _, err = run(home, *command)
    assert code == 6, err  # the operating system's refusal: SystemFault
    assert err.startswith(f"Error: {' '.join(['kg', *command[:2]]) if command[0] == 'import' else 'kg ' + command[0]}"
                          " stopped: ") and "No space left on device" in err, err
    assert "the live store is unchanged" in err and "the disk is full: free some space" in err
    assert "Traceback" not in err
    assert snapshot(home) == before
    assert not list((home / "stores").glob("*.staging*"))
    assert sources(home)["acled"] == 25


@pytest.mark.parametrize("command", [["build"], ["import", "acled", str(ACLED)], ["drop", "acled"],
                                     ["fought", "JNIM"]], ids=["build", "import", "drop", "fought"])
@pytest.mark.parametrize("case", ["a file", "under a file", "cannot be created"])
def test_a_kg_home_that_cannot_be_used_is_a_clear_error(tmp_path, command, case):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    home = {"a file": afile, "under a file": afile / "home", "cannot be created": Path("/proc/kg-home")}[case]
    code, _, err = run(home, *command)
    assert code == 5, err
    expected = {"a file": f"Error: KG_HOME {home} is a file, not a folder",
                "under a file": f"Error: cannot create KG_HOME {home}: a part of that path is a file",
                "cannot be created": f"Error: cannot create KG_HOME {home}: "}[case]
    assert err.startswith(expected), err
    assert "Traceback" not in err
    assert afile.read_text() == "not a folder"
