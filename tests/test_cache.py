"""The cached store: reused when current, rebuilt when stale or corrupt, never trusted blindly."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import CASES


def test_a_data_change_invalidates_the_cache(kg, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert "JNIM" in kg("fought", "fama", data=data, home=home).stdout
    rel = data / "relations.csv"
    rel.write_text(rel.read_text().replace("jnim_fought_fama,jnim,fought,fama,2017-03,", "jnim_fought_fama,jnim,fought,fama,2019-05,"))
    result = kg("fought", "fama", "--exact", "--format", "json", data=data, home=home)
    assert '"start": "2019-05-01"' in result.stdout


def _corrupt(store_dir: Path) -> dict[str, bytes]:
    """Overwrite every file of a store with garbage; what it then holds."""
    for f in store_dir.iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    return {f.name: f.read_bytes() for f in store_dir.iterdir()}


def test_a_corrupt_store_is_moved_aside_kept_and_rebuilt(kg, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    assert (home / "store").is_symlink()  # a link to stores/<id>: every write makes a new store
    kept = _corrupt((home / "store").resolve())
    result = kg("fought", "JNIM", data=data, home=home)
    assert result.code == 0, result.stderr
    assert "Malian Armed Forces" in result.stdout
    [aside] = home.glob("corrupt-*")
    assert {f.name: f.read_bytes() for f in aside.iterdir()} == kept  # kept, byte for byte
    assert "RocksDB reports it corrupt" in result.stderr and f"moved it aside to {aside}" in result.stderr


def test_a_broken_data_file_is_reported_not_served_from_the_cache(kg, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    (data / "relations.csv").write_text("id,subject\n")
    result = kg("fought", "JNIM", data=data, home=home)
    assert result.code == 1
    assert "relations.csv:1: header must be" in result.stderr


def test_a_store_left_by_an_earlier_kg_as_a_plain_folder_is_read_and_then_replaced(kg, tmp_path):
    """Earlier versions kept the store as a plain folder at $KG_HOME/store; the first write moves it."""
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    real = (home / "store").resolve()
    (home / "store").unlink()
    real.rename(home / "store")
    shutil.rmtree(home / "stores")
    assert "Malian Armed Forces" in kg("fought", "JNIM", data=data, home=home).stdout
    assert (home / "store").is_dir() and not (home / "store").is_symlink()  # reading changed nothing
    assert kg("build", data=data, home=home).code == 0
    assert (home / "store").is_symlink()
    assert "Malian Armed Forces" in kg("fought", "JNIM", data=data, home=home).stdout
