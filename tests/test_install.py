"""kg installed as a user installs it: a wheel (and ``pip install .``) in a fresh venv,
the curated data inside the package, run from a folder outside the checkout.

The fresh venv gets the project's dependencies from this test venv's
site-packages through a ``.pth`` path entry (no download); that entry does not
run the ``.pth`` files of the editable install there, so ``kg`` itself can only
come from what was installed into the fresh venv -- the test checks that too.
The wheel is built from a copy of the source tree, so that no ``build/`` left
in the checkout can leak files into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                              ".ruff_cache", "out")
# what setuptools prints when the configuration is deprecated or incomplete
WARNINGS = ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "SetuptoolsWarning", "is deprecated",
            "would be ignored", "absent from the `packages`")


def sh(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("src") / "sahel-kg"
    shutil.copytree(ROOT, target, ignore=SKIP)
    return target


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wheel")
    built = sh(sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", out, source)
    assert built.returncode == 0, built.stdout + built.stderr
    [whl] = out.glob("sahel_kg-*.whl")
    return whl, built.stdout + built.stderr


def fresh_venv(path: Path) -> Path:
    """A new venv that sees this venv's dependencies (setuptools too) but not its kg; without
    a pip or setuptools of its own (this venv's pip installs into it with --python)."""
    made = sh(sys.executable, "-m", "venv", "--without-pip", path)
    assert made.returncode == 0, made.stderr
    site = Path(sh(path / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return path


def ask(venv: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """``kg fought JNIM Wagner`` from a folder outside the checkout, with a fresh KG_HOME."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KG_DATA", "PYTHONPATH", "VIRTUAL_ENV")}
    env["KG_HOME"] = str(tmp_path / "kg-home")
    return sh(venv / "bin" / "kg", "fought", "JNIM", "Wagner", "--format", "csv", cwd=elsewhere, env=env)


def check_answer(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("actor,opponent,")
    assert any(line.startswith("Jama'at Nusrat al-Islam wal-Muslimin,Wagner Group,") for line in lines[1:])


def test_the_wheel_ships_the_curated_data_and_builds_without_warnings(wheel):
    whl, log = wheel
    names = set(zipfile.ZipFile(whl).namelist())
    data = sorted(p.name for p in (ROOT / "data").iterdir() if p.suffix in (".csv", ".toml", ".md"))
    assert {f"kg/data/{name}" for name in data} <= names
    assert {"kg/schema.ttl", "kg/queries/fought-statements.rq", "kg/web/endpoint.html",
            "kg/templates/viz.html"} <= names
    # every file of the package folder, code or data (queries, rules, templates, borders), is shipped
    package = {str(p.relative_to(ROOT)) for p in (ROOT / "kg").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert sorted(package - names) == []
    for warning in WARNINGS:
        assert warning not in log, log


def test_the_installed_wheel_answers_from_outside_the_checkout(wheel, tmp_path):
    venv = fresh_venv(tmp_path / "venv")
    installed = sh(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps",
                   "--no-index", wheel[0])
    assert installed.returncode == 0, installed.stderr
    where = sh(venv / "bin" / "python", "-c", "import kg, kg.store.cache; print(kg.__file__); "
               "print(kg.store.cache.default_data_dir())", cwd=tmp_path)
    package, data = where.stdout.split()
    assert package.startswith(str(venv)), where  # the installed kg, not the checkout's
    assert data.startswith(str(venv)) and data.endswith("kg/data")
    check_answer(ask(venv, tmp_path))


def test_pip_install_dot_answers_from_outside_the_checkout(source, tmp_path):
    venv = fresh_venv(tmp_path / "venv")
    installed = sh(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps",
                   "--no-build-isolation", "--no-index", ".", cwd=source)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    check_answer(ask(venv, tmp_path))


FAKE_APT = """#!/bin/sh
# apt-get as seen while another apt-get runs: update fails on the lists lock twice
echo "$*" >> "{log}"
case "$*" in
*update*)
    n=$(cat "{count}" 2>/dev/null || echo 0); echo $((n + 1)) > "{count}"
    if [ "$n" -lt 2 ]; then
        echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2
        exit 100
    fi ;;
esac
exit 0
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the script installs only as root")
def test_install_debian_waits_for_another_apt_get(tmp_path):
    """scripts/install-debian.sh with a fake apt-get: it retries update and gives install apt's lock timeout."""
    log, count, fake = tmp_path / "calls", tmp_path / "count", tmp_path / "apt-get"
    fake.write_text(FAKE_APT.format(log=log, count=count))
    fake.chmod(0o755)
    env = {**os.environ, "APT_GET": str(fake), "LOCK_POLL": "1", "LOCK_WAIT": "30"}
    result = sh("sh", ROOT / "scripts" / "install-debian.sh", "demo", tmp_path / "missing-binary", "demo-package",
                env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("install-debian: waiting for another apt-get or dpkg to finish") == 1
    calls = log.read_text().splitlines()
    assert [c.split()[-1] for c in calls] == ["update", "update", "update", "demo-package"]
    assert all("-o DPkg::Lock::Timeout=30" in c for c in calls)
    assert "installed demo-package for the demo tests" in result.stdout
