"""The layers of kg/ (docs/architecture.md), kept by import-linter's contracts in
pyproject.toml: the real package keeps them, and a copy with one planted upward
import, or one planted circle, breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYER_PACKAGES = ("graph", "store", "ask", "explore", "serve", "imports", "cli")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter on the kg package found in ``root``, with the project's contracts."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename=sys.argv[2], no_cache=True))")
    return subprocess.run([sys.executable, "-c", code, str(root), str(ROOT / "pyproject.toml")],
                          cwd=root, capture_output=True, text=True, timeout=300)


def test_the_package_keeps_its_layers_and_has_no_circles():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_every_module_sits_in_a_layer():
    """A new module lands in a layer package, not beside them (only the shared few do)."""
    loose = sorted(p.name for p in (ROOT / "kg").glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "errors.py", "messages.py", "output_files.py", "safe_csv.py",
                     "terminal.py", "version.py"]
    for name in LAYER_PACKAGES:
        assert (ROOT / "kg" / name / "__init__.py").is_file(), name


@pytest.fixture
def copy_of_kg(tmp_path) -> Path:
    shutil.copytree(ROOT / "kg", tmp_path / "kg", ignore=shutil.ignore_patterns("__pycache__", "data"))
    return tmp_path


def plant(root: Path, module: str, line: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef planted():\n    {line}\n", encoding="utf-8")


def test_an_upward_import_breaks_the_layers(copy_of_kg):
    plant(copy_of_kg, "kg.graph.dates", "from kg.ask.fought import fought  # noqa")
    result = lint_imports(copy_of_kg)
    assert result.returncode == 1
    assert "kg.graph is not allowed to import kg.ask" in result.stdout
    assert "kg.graph.dates -> kg.ask.fought" in result.stdout


def test_a_circle_inside_a_layer_breaks_the_contract(copy_of_kg):
    """names is below cache in the store layer; cache already imports it, through the
    actor table: importing cache from names closes a circle."""
    plant(copy_of_kg, "kg.store.names", "from kg.store.cache import or_default  # noqa")
    result = lint_imports(copy_of_kg)
    assert result.returncode == 1
    assert "1 kept, 1 broken" in result.stdout
    assert "No cycles are allowed in kg.store." in result.stdout
