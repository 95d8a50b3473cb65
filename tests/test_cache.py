"""The cached store: reused when current, rebuilt when stale or corrupt, never trusted blindly."""

from __future__ import annotations

import shutil

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


def test_a_corrupt_store_is_rebuilt(kg, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    for f in (home / "store").iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    result = kg("fought", "JNIM", data=data, home=home)
    assert result.code == 0, result.stderr
    assert "Malian Armed Forces" in result.stdout


def test_a_broken_data_file_is_reported_not_served_from_the_cache(kg, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    (data / "relations.csv").write_text("id,subject\n")
    result = kg("fought", "JNIM", data=data, home=home)
    assert result.code == 1
    assert "relations.csv:1: header must be" in result.stderr


def test_a_corrupt_store_behind_the_import_link_is_rebuilt(kg, tmp_path):
    """After an import, $KG_HOME/store is a link to stores/<id>; corruption there is mended too."""
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data)
    home = tmp_path / "home"
    assert kg("build", data=data, home=home).code == 0
    real = home / "stores" / "first"
    real.parent.mkdir()
    (home / "store").rename(real)
    (home / "store").symlink_to(real)
    for f in real.iterdir():
        if f.is_file():
            f.write_bytes(b"garbage")
    result = kg("fought", "JNIM", data=data, home=home)
    assert result.code == 0, result.stderr
    assert "Malian Armed Forces" in result.stdout
