"""The cached store: reused when current, rebuilt when stale or corrupt, never trusted blindly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


def test_a_build_stores_the_graph_build_makes_with_its_summaries_and_fingerprint(tmp_path, monkeypatch):
    """refresh writes N-Triples text, not build()'s quads: the store must hold the same quads."""
    import pyoxigraph as ox

    from kg.graph import namespaces as ns
    from kg.graph.build import build
    from kg.store.cache import CURATED_DATASET, FINGERPRINT, fingerprint, forget, refresh
    from kg.store.summaries import with_summaries
    from tests.conftest import DATA

    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    try:
        store = refresh(DATA)
        built = build(DATA)
        curated = [q for q in built if q.graph_name.value == ns.CURATED_GRAPH]
        stamp = ox.Quad(ox.NamedNode(CURATED_DATASET), ox.NamedNode(FINGERPRINT), ox.Literal(fingerprint(DATA)),
                        ox.NamedNode(ns.CURATED_GRAPH))
        expected = ox.Store()  # in a store too: Oxigraph keeps decimals in canonical form
        expected.extend([*with_summaries(curated, ns.CURATED_GRAPH), stamp,
                         *(q for q in built if q.graph_name.value == ns.ONTOLOGY_GRAPH)])
        assert {*store.quads(ns.CURATED_GRAPH), *store.quads(ns.ONTOLOGY_GRAPH)} == set(expected)
        assert store.graphs() == sorted([ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH])
    finally:
        forget()


STRICTER = """
shape:FiveSources a sh:NodeShape ;
    sh:targetClass skg:Statement ;
    sh:property [ sh:path prov:wasDerivedFrom ; sh:minCount 5 ; sh:message "five sources, in this test" ] .
"""


@pytest.mark.parametrize("imported", [False, True], ids=["curated only", "with an import"])
def test_a_graph_that_fails_its_shapes_leaves_the_live_store_as_it_was(tmp_path, monkeypatch, imported):
    """SHACL runs beside the store write: a failure must still discard the staging store
    (empty, or a checkpoint of the live one when it holds an import) and switch nothing."""
    from kg.errors import ValidationError
    from kg.graph import namespaces as ns
    from kg.graph import validate
    from kg.imports.importer import import_file
    from kg.store.cache import forget, open_store, refresh

    home = tmp_path / "home"
    monkeypatch.setenv("KG_HOME", str(home))
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data, ignore=shutil.ignore_patterns("expected.*"))
    try:
        refresh(data)
        if imported:
            import_file("ucdp", Path(__file__).parent / "fixtures" / "ucdp_ged_sample.csv", data_dir=data,
                        progress=False)
        before = open_store(data)
        live, quads = (home / "store").resolve(), set(before.quads())
        assert len([g for g in before.graphs() if g != ns.dataset_graph("links")]) == 2 + imported  # links: issue 24
        forget()
        del before
        rel = data / "relations.csv"
        rel.write_text(rel.read_text().replace("jnim_fought_fama,jnim,fought,fama,2017-03,",
                                               "jnim_fought_fama,jnim,fought,fama,2019-05,"))
        shapes = validate.shapes_text()
        monkeypatch.setattr(validate, "shapes_text", lambda: shapes + STRICTER)
        with pytest.raises(ValidationError) as info:
            refresh(data)
        assert "stmt:jnim_fought_fama prov:wasDerivedFrom: five sources, in this test" in str(info.value)
        assert (home / "store").resolve() == live
        assert not list((home / "stores").glob("*.staging*"))
        with pytest.raises(ValidationError):  # the store is stale: reading it rebuilds, and fails again
            open_store(data)
        assert (home / "store").resolve() == live
        assert not list((home / "stores").glob("*.staging*"))
        from kg.store.embedded import OxigraphStore

        assert set(OxigraphStore(live, read_only=True).quads()) == quads
    finally:
        forget()


@pytest.mark.parametrize("start", ["copy the import", "checkpoint the store"])
def test_a_build_beside_an_import_keeps_the_import_quad_for_quad(tmp_path, monkeypatch, start):
    """The staging store starts empty with the import copied in, or as a checkpoint with the
    curated graph removed (whichever moves fewer quads): either way the import is kept whole."""
    from kg.graph import namespaces as ns
    from kg.imports.importer import import_file
    from kg.store import cache
    from kg.store.cache import forget, open_store, refresh

    home = tmp_path / "home"
    monkeypatch.setenv("KG_HOME", str(home))
    data = tmp_path / "data"
    shutil.copytree(CASES / "minimal", data, ignore=shutil.ignore_patterns("expected.*"))
    ucdp = ns.dataset_graph("ucdp")
    try:
        refresh(data)
        import_file("ucdp", Path(__file__).parent / "fixtures" / "ucdp_ged_sample.csv", data_dir=data, progress=False)
        live = open_store(data)
        imported = set(live.quads(ucdp))
        assert imported and cache._staging_base(live) == (None, True)  # 438 quads against 1,700 to remove
        if start == "checkpoint the store":
            monkeypatch.setattr(cache, "_staging_base", lambda live: (live.store, False))
        forget()
        del live
        rel = data / "relations.csv"
        rel.write_text(rel.read_text().replace("jnim_fought_fama,jnim,fought,fama,2017-03,",
                                               "jnim_fought_fama,jnim,fought,fama,2019-05,"))
        rebuilt = refresh(data)
        assert set(rebuilt.quads(ucdp)) == imported
        assert [g for g in rebuilt.graphs() if g != ns.dataset_graph("links")] == sorted(
            [ns.CURATED_GRAPH, ns.ONTOLOGY_GRAPH, ucdp])  # the incident links (issue 24) are kept too
        starts = {str(q.object.value) for q in rebuilt.quads(ns.CURATED_GRAPH)
                  if q.subject.value.endswith("jnim_fought_fama") and q.predicate.value == ns.SKG + "start"}
        assert starts == {"2019-05-01"}
    finally:
        forget()
