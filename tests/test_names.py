"""Name resolution: ids, labels and aliases, case- and accent-insensitive."""

from __future__ import annotations

import shutil

import pytest

from kg.errors import AmbiguousNameError, UnknownNameError
from kg.graph.build import build
from kg.store.embedded import RdflibStore
from kg.store.names import NameIndex, normalise, resolve


@pytest.mark.parametrize(
    "typed, actor_id",
    [
        ("goita", "assimi_goita"), ("Goïta", "assimi_goita"), ("Assimi GOITA", "assimi_goita"),
        ("JNIM", "jnim"), ("GSIM", "jnim"), ("jama'at nusrat al-islam wal-muslimin", "jnim"),
        ("Katiba Macina", "katiba_macina"), ("FLM", "katiba_macina"), ("Maçina Liberation Front", "katiba_macina"),
        ("Africa Corps", "africa_corps"), ("PMC Wagner", "wagner_group"), ("wagner", "wagner_group"),
        ("Military Forces of Mali (2021-)", "fama"), ("FAMa", "fama"), ("wagner_group", "wagner_group"),
    ],
)
def test_names_resolve(store, typed, actor_id):
    assert resolve(typed, store).endswith("/actor/" + actor_id)


def test_normalise_ignores_case_accents_and_punctuation():
    assert normalise("Goïta") == normalise("GOITA") == "goita"
    assert normalise("al-Qaeda") == normalise("Al Qaeda") == "alqaeda"


@pytest.mark.parametrize("typed, expected", [("Wagnr", "Wagner Group"), ("Ansar Dune", "Ansar Dine"), ("Gioita", "Assimi")])
def test_a_misspelling_suggests_the_closest_actors(store, typed, expected):
    with pytest.raises(UnknownNameError) as info:
        resolve(typed, store)
    assert any(expected in s for s in info.value.suggestions)
    assert "did you mean" in str(info.value)


@pytest.mark.parametrize("typed, actor_id", [
    ("Ansar Din", "ansar_dine"), ("Al Mourabitoune Battalion", "al_mourabitoun"), ("Koglweogo Militia", "koglweogo"),
    ("Ansar ul-Islam", "ansarul_islam"), ("Arab Movement of the Azawad (Platform)", "maa_platform"),
    ("Jamaat Nusrat al Islam wal Muslimeen", "jnim"), ("Katibat Macina Brigade", "katiba_macina"),
])
def test_spelling_drift_resolves_by_rule(store, typed, actor_id):
    """ACLED's generic words, articles, dashes, apostrophes and transliterations do not make another name."""
    assert resolve(typed, store).endswith("/actor/" + actor_id)


def test_loose_keys_keep_distinct_names_apart():
    from kg.store.names import loose

    for a, b in [("Niger", "Nigeria"), ("ISGS", "ISWAP"), ("Islamic State (Greater Sahara)", "Islamic State (West Africa)"),
                 ("Ansar Dine", "Ansaru"), ("MSA", "MAA"), ("Military Forces of Mali", "Military Forces of Niger")]:
        assert loose(a) != loose(b), (a, b)
    assert loose("Military Forces of Mali (2013-2020)") == loose("Military Forces of Mali")


def test_an_ambiguous_name_lists_the_candidates(minimal_data, tmp_path):
    with (minimal_data / "actors.csv").open("a", encoding="utf-8") as f:
        f.write("jnim_2,JNIM splinter,armed_group,jihadist,GSIM,,,,mali,A splinter.,wp_jnim\n")
    index = NameIndex.load(RdflibStore(build(minimal_data)))
    assert index.resolve("JNIM").endswith("/jnim")  # a label beats an alias
    with pytest.raises(AmbiguousNameError) as info:
        index.resolve("GSIM")
    assert "jnim (JNIM)" in str(info.value) and "jnim_2 (JNIM splinter)" in str(info.value)
    shutil.rmtree(tmp_path / "data")


def test_normalise_keeps_exactly_the_alphanumerics_of_the_decomposed_casefolded_name():
    """normalise() drops what str.isalnum() rejects, for every character of the BMP."""
    import unicodedata

    from kg.store.names import normalise

    def by_character(name: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if c.isalnum())

    for cp in range(0x10000):
        if not 0xD800 <= cp <= 0xDFFF:
            name = f"Go{chr(cp)}ïta_ {chr(cp)}-2"
            assert normalise(name) == by_character(name), hex(cp)
    assert normalise("Jama'at Nusrat al-Islam wal-Muslimin") == "jamaatnusratalislamwalmuslimin"
