"""Issue 26, one test per class of failure a hostile user or an unlucky machine found:
``$KG_HOME`` links, output paths that are not files, numbers that are not finite,
named-query parameters that are not of their kind, terminals of any encoding and data
holding escape sequences, future dates and time zones, leftovers and ``kg doctor``.

(I/O errors injected into every writing command are in tests/test_faults.py; random
values of all of these in tests/test_hypothesis_cli.py.)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACLED = FIXTURES / "acled_sample.csv"
SMALL = FIXTURES / "acled_required_only.csv"


def kg(home: Path, *args: str, env: dict | None = None, cwd: Path = ROOT, **kw) -> subprocess.CompletedProcess:
    full = {**os.environ, "KG_HOME": str(home), **(env or {})}
    full.pop("KG_DATA", None)
    full.pop("KG_ENDPOINT", None)
    return subprocess.run([sys.executable, "-m", "kg", *args], env=full, cwd=cwd, capture_output=True, text=True,
                          timeout=600, **kw)


def sources(home: Path) -> dict[str, int]:
    result = kg(home, "sources", "--format", "json")
    assert result.returncode == 0, result.stderr
    return {r["name"]: r["rows"] for r in json.loads(result.stdout)}


def clean(result: subprocess.CompletedProcess, code: int) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    return result.stderr


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("hostile") / "home"
    result = kg(home, "import", "acled", str(ACLED))
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def home(imported, tmp_path) -> Path:
    target = tmp_path / "home"
    shutil.copytree(imported, target, symlinks=True)
    return target


def live_store(home: Path) -> Path:
    return Path(os.path.realpath(home / "store"))


# -- $KG_HOME is kg's -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["missing", "dangling", "loop"])
@pytest.mark.parametrize("first", [["fought", "JNIM"], ["import", "ucdp", str(FIXTURES / "ucdp_ged_sample.csv")]])
def test_a_broken_store_link_is_repaired_never_replaced_by_an_empty_store(home, how, first):
    held = live_store(home)
    link = home / "store"
    link.unlink()
    if how == "dangling":
        link.symlink_to("stores/20990101T000000-00000000")
    elif how == "loop":
        link.symlink_to("store")
    result = kg(home, *first)
    clean(result, 0)
    assert "points it again to the newest complete store" in result.stderr
    assert live_store(home) == held or first[0] == "import"
    assert sources(home)["acled"] == 25  # the import is still seen ...
    kg(home, "build")  # ... and a later write keeps it
    assert sources(home)["acled"] == 25


def test_a_dangling_link_with_no_store_to_repair_from_is_refused_until_kg_build(home):
    shutil.rmtree(live_store(home))
    result = kg(home, "fought", "JNIM")
    assert "holds no complete store" in clean(result, 5) and "Run kg build" in result.stderr
    clean(kg(home, "build"), 0)
    clean(kg(home, "fought", "JNIM"), 0)


def test_a_store_link_outside_the_stores_is_refused_and_the_folder_kept(home, tmp_path):
    elsewhere = tmp_path / "bigger-disk"
    shutil.copytree(live_store(home), elsewhere)
    (elsewhere / "my notes.txt").write_text("mine")
    before = sorted(p.name for p in elsewhere.iterdir())
    (home / "store").unlink()
    (home / "store").symlink_to(elsewhere)
    for args in (["build"], ["fought", "JNIM"], ["import", "acled", str(SMALL)], ["drop", "acled"]):
        err = clean(kg(home, *args), 5)
        assert f"points to {elsewhere}, outside {home / 'stores'}" in err and "set KG_HOME" in err
    assert sorted(p.name for p in elsewhere.iterdir()) == before
    assert (elsewhere / "my notes.txt").read_text() == "mine"


@pytest.mark.parametrize("what", ["link", "fifo"])
def test_a_lock_file_that_is_a_link_or_a_fifo_is_refused_its_target_untouched(home, tmp_path, what):
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    lock = home / "write.lock"
    lock.unlink(missing_ok=True)
    if what == "link":
        lock.symlink_to(target)
    else:
        os.mkfifo(lock)
    err = clean(kg(home, "build"), 5)
    assert str(lock) in err and ("symbolic link" in err or "not a regular file" in err)
    assert target.read_text() == "precious\n"


# -- output paths -----------------------------------------------------------------------


def test_output_into_a_fifo_is_written_into_not_replaced(kg_home, kg, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    copy = tmp_path / "what the reader got"
    with open(copy, "wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        result = kg("export", "-f", "nt", "-o", str(fifo))
        reader.wait(timeout=300)
    got = copy.read_bytes()
    assert result.code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got.count(b"\n") > 1000


@pytest.mark.parametrize("path", ["/dev/null", "/dev/stdout", "-"])
def test_output_into_a_character_device_or_stdout(kg, path):
    result = kg("export", "-f", "nt", "-o", path)
    assert result.code == 0, result.stderr
    assert os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if path != "/dev/null":
        assert result.stdout.count("\n") > 1000


@pytest.mark.skipif(os.geteuid() != 0, reason="making a block device node needs root")
def test_output_onto_a_block_device_is_refused(kg, tmp_path):
    node = tmp_path / "disk"
    os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    result = kg("export", "-o", str(node))
    assert result.code == 2 and "it is a block device" in result.stderr
    assert stat.S_ISBLK(os.lstat(node).st_mode)


def test_output_through_a_link_replaces_its_target_and_keeps_the_link(kg, tmp_path):
    target = tmp_path / "real.nt"
    target.write_text("old")
    link = tmp_path / "link.nt"
    link.symlink_to(target)
    assert kg("export", "-f", "nt", "-o", str(link)).code == 0
    assert link.is_symlink() and target.read_text().count("\n") > 1000


# -- numbers and parameters -----------------------------------------------------------


def numeric_options() -> list[tuple[list[str], str]]:
    """Every numeric option of every command, with the arguments the command needs."""
    import typer.main

    from kg.cli import app
    from kg.cli.app import is_number

    needs = {"path": ["JNIM", "Wagner"], "relations": ["JNIM"], "query": ["ASK {}"], "serve": ["--store", "/none"],
             "viz": ["-o", "/dev/null"]}
    found = []
    for name, command in typer.main.get_command(app).commands.items():
        subs = getattr(command, "commands", None) or {"": command}
        for sub_name, sub in subs.items():
            for param in sub.params:
                if is_number(param.type):
                    found.append(([name, *([sub_name] if sub_name else []), *needs.get(name, [])], param.opts[0]))
    return found


def test_there_are_numeric_options():
    options = {o for _, o in numeric_options()}
    assert {"--timeout", "--max-result-mb", "--limit", "--top", "--depth", "--port", "--year"} <= options


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "-1e308", "1" + "0" * 40])
def test_every_numeric_option_refuses_what_is_no_finite_number_in_range(kg, value):
    for args, option in numeric_options():
        result = kg(*args, f"{option}={value}")
        assert result.code == 2, (args, option, result.stderr)
        assert f"'{option}'" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_the_library_refuses_a_timeout_that_is_no_number(store):
    import kg as library
    from kg.errors import UsageError

    for value in (float("inf"), float("nan"), 1e308, -1):
        with pytest.raises(UsageError, match="timeout"):
            library.query("ASK {}", timeout=value, store=store)


@pytest.mark.parametrize(("query", "param", "words"), [
    ("statements-from-source", "source=x> } } DROP ALL #", "is not a source id"),
    ("events-at-place", "place=bam ako", "is not a place id"),
    ("fought-by-year", "graph=a b", "is not a data set name"),
    ("who-fought-in-year", "year=2013 } ", "is not a whole number"),
    ("who-fought-in-year", "year=" + "9" * 40, "is not a whole number"),
    ("events-of-actor", "from=2013-13", "expected xsd:date"),
])
def test_a_parameter_not_of_its_kind_is_refused_before_the_query_is_built(kg, query, param, words):
    args = ["query", query, "--param", param]
    if query == "fought-by-year":
        args += ["--param", "year=2013"]
    result = kg(*args)
    assert result.code == 3 and words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_an_ad_hoc_iri_parameter_with_spaces_is_refused(kg):
    result = kg("query", "SELECT ?x {}", "--param", "x=<a b>")
    assert result.code == 3 and "is not an IRI" in result.stderr


# -- any terminal ---------------------------------------------------------------------

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m"


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory) -> tuple[Path, Path]:
    """A home with an ACLED import whose actor names hold escape sequences and formulas."""
    base = tmp_path_factory.mktemp("escapes")
    rows = list(csv.reader(io.StringIO(SMALL.read_text())))
    header = rows[0]
    a1 = header.index("actor1")
    rows[1][a1] = f"Evil{ESCAPES}Militia"
    rows[3][a1] = "=HYPERLINK(\"http://x\")"
    path = base / ("evil\x1b[2J" + os.fsdecode(b"\xff") + ".csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    home = base / "home"
    result = kg(home, "import", "acled", str(path), "--unresolved", str(base / "todo.csv"))
    assert result.returncode == 0, result.stderr
    return home, base


def test_control_characters_from_data_are_escaped_in_every_text_output(hostile_home):
    home, _ = hostile_home
    for args in (["sources"], ["fought", "--source", "acled"], ["timeline", "--from", "2024", "--to", "2024"],
                 ["sources", "--format", "csv"], ["sources", "--format", "json"]):
        result = kg(home, *args)
        assert result.returncode == 0, result.stderr
        assert not any(c in result.stdout for c in "\x1b\x07\x9b"), (args, result.stdout[:500])
    shown = kg(home, "sources").stdout
    assert "evil\\u001b[2J\\xff.csv" in shown
    data = json.loads(kg(home, "sources", "--format", "json").stdout)  # still valid JSON, the same name
    assert any(r["file"] == "evil\x1b[2J\\xff.csv" for r in data)


def test_the_unresolved_file_quotes_formulas_and_is_read_back(hostile_home):
    _, base = hostile_home
    rows = list(csv.DictReader((base / "todo.csv").open(encoding="utf-8")))
    names = {r["name"] for r in rows}
    assert "'=HYPERLINK(\"http://x\")" in names
    from kg.safe_csv import unquote_cell

    assert unquote_cell("'=HYPERLINK(\"http://x\")") == "=HYPERLINK(\"http://x\")"
    assert unquote_cell("'plain") == "'plain"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252", "utf-16"])
def test_output_in_the_encoding_stdout_has(kg_home, kg, encoding):
    result = subprocess.run([sys.executable, "-m", "kg", "fought", "russia", "--year", "2025"], capture_output=True,
                            env={**os.environ, "KG_HOME": str(kg_home), "PYTHONIOENCODING": encoding},
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode(encoding)
    assert "Islamic State" in text
    assert ("–" in text) == (encoding in ("cp1252", "utf-16"))  # the en dash, or '?' where it cannot be written


def test_lang_c_and_a_non_utf8_file_name(kg_home, tmp_path):
    path = os.path.join(os.fsencode(tmp_path), b"mali-\xe9t\xe9.csv")
    shutil.copy(SMALL, path)
    home = tmp_path / "home"
    env = {**os.environ, "KG_HOME": str(home), "LANG": "C", "LC_ALL": "C"}
    env.pop("KG_DATA", None)
    result = subprocess.run([sys.executable, "-m", "kg", "import", "acled", path], env=env, capture_output=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert b"mali-\\xe9t\\xe9.csv" in result.stdout


# -- dates ----------------------------------------------------------------------------


def _dated(tmp_path: Path, day: dt.date) -> Path:
    rows = list(csv.reader(io.StringIO(SMALL.read_text())))
    rows[1][rows[0].index("event_date")] = day.isoformat()
    path = tmp_path / "dated.csv"
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Etc/GMT+12", "UTC"])
def test_a_future_date_is_judged_in_utc_whatever_the_time_zone(tmp_path, tz):
    today = dt.datetime.now(dt.UTC).date()
    tomorrow = _dated(tmp_path, today + dt.timedelta(days=1))
    result = kg(tmp_path / "home", "import", "acled", str(tomorrow), "--format", "json", env={"TZ": tz})
    report = json.loads(result.stdout)
    assert report["skipped"] == 1 and "after today" in report["problems"][0], report["problems"]
    today_file = _dated(tmp_path, today)
    result = kg(tmp_path / "home", "import", "acled", str(today_file), "--format", "json", env={"TZ": tz})
    assert json.loads(result.stdout)["skipped"] == 0


def test_a_row_refused_for_a_future_date_is_taken_by_a_later_import(tmp_path, monkeypatch):
    """The file is never "unchanged" while it held future rows: imported again once the
    day has come (the clock moved forward here), the row is taken."""
    from kg.imports import event_dates, import_files

    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    from kg.store import live

    live.forget()
    path = _dated(tmp_path, dt.date(2025, 6, 2))
    monkeypatch.setattr(event_dates, "utc_today", lambda: dt.date(2025, 6, 1))
    first = import_files("acled", [path])
    assert first["skipped"] == 1 and first["events"] == 3
    again = import_files("acled", [path])
    assert not again["unchanged"] and again["skipped"] == 1  # still the future: read again, refused again
    monkeypatch.setattr(event_dates, "utc_today", lambda: dt.date(2025, 6, 3))
    later = import_files("acled", [path])
    assert not later["unchanged"] and later["skipped"] == 0 and later["events"] == 4
    assert import_files("acled", [path])["unchanged"]  # nothing refused any more: unchanged from now on
    live.forget()


# -- leftovers and kg doctor -------------------------------------------------------


def test_doctor_reports_and_fix_removes_only_what_is_safe(home):
    stores = home / "stores"
    staging = stores / "20250101T000000-0123abcd.staging"
    staging.mkdir()
    (staging / "000001.sst").write_bytes(b"x" * 5000)
    corrupt = home / "corrupt-20250101T000000-ab12"
    corrupt.mkdir()
    (corrupt / "CURRENT").write_text("x")
    mine = stores / "my-folder"
    mine.mkdir()
    half = home / ".store-0123abcd.link"
    half.symlink_to("stores/x")
    report = json.loads(kg(home, "doctor", "--format", "json").stdout)
    kinds = {Path(e["path"]).name: (e["kind"], e["removable"], e["bytes"]) for e in report}
    assert kinds[staging.name] == ("staging", True, 5000)
    assert kinds[corrupt.name][:2] == ("corrupt copy", False)
    assert kinds[mine.name][:2] == ("unknown", False)
    assert kinds[live_store(home).name][:2] == ("live store", False)
    assert kinds[half.name][:2] == ("temporary link", True)
    result = kg(home, "doctor", "--fix")
    assert result.returncode == 0 and "removed 2 " in result.stdout, result.stdout
    assert not staging.exists() and not half.is_symlink()
    assert corrupt.exists() and mine.exists() and sources(home)["acled"] == 25


def test_a_killed_import_leaves_a_staging_folder_the_next_writer_removes(home):
    import signal
    import time

    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_DATA", None)
    process = subprocess.Popen([sys.executable, "-m", "kg", "import", "ucdp", str(FIXTURES / "ucdp_ged_sample.csv")],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stores = home / "stores"
    for _ in range(3000):
        if list(stores.glob("*.staging")) or process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    clean(kg(home, "drop", "acled"), 0)
    assert not list(stores.glob("*.staging*"))
