"""Who fought whom, when: questions with answers taken from the sources, asked
through the Python API (the CLI twin is tested in test_cli_ask.py)."""

from __future__ import annotations

import pytest

from kg.ask.fought import fought
from kg.errors import UsageError
from kg.graph import namespaces as ns
from kg.store import sparql


def opponents(rows, *, via=False):
    if via:
        return {(r["opponent_id"], r["via_id"]) for r in rows}
    return {r["opponent_id"] for r in rows}


def test_jnim_in_2024_fought_the_malian_army_wagner_and_is_sahel(store):
    found = opponents(fought("JNIM", year=2024, store=store))
    assert {"fama", "wagner_group", "is_sahel", "burkina_armed_forces", "vdp"} <= found


def test_jnim_did_not_fight_africa_corps_in_2024_it_arrived_in_2025(store):
    assert "africa_corps" not in opponents(fought("JNIM", year=2024, store=store))
    assert "africa_corps" in opponents(fought("JNIM", year=2025, store=store))


def test_jnim_did_not_exist_in_2016(store):
    assert fought("JNIM", year=2016, store=store) == []


def test_ansar_dine_fought_serval_the_army_and_minusma_in_2013(store):
    assert {"operation_serval", "fama", "minusma"} <= opponents(fought("Ansar Dine", year=2013, store=store))


def test_ansar_dine_fought_nobody_after_merging_into_jnim(store):
    assert fought("Ansar Dine", year=2018, store=store) == []
    assert fought("Ansar Dine", start="2017-03-03", store=store) == []


def test_wagner_had_not_arrived_in_2020(store):
    assert fought("Wagner", year=2020, store=store) == []


def test_africa_corps_fought_nobody_in_2024(store):
    assert fought("Africa Corps", year=2024, store=store) == []


def test_the_fla_did_not_exist_in_2023(store):
    assert fought("FLA", year=2023, store=store) == []


def test_when_jnim_and_wagner_fought(store):
    rows = fought("JNIM", "Wagner", store=store)
    assert rows, "JNIM and Wagner fought"
    assert rows[0]["periods"][0]["start"] == "2021-12-01"
    assert rows[0]["periods"][-1]["end"] == "2025-06-06"
    assert rows[0]["events"] >= 1


@pytest.mark.parametrize("a, b", [("JNIM", "Wagner"), ("MNLA", "MUJAO"), ("IS Sahel", "JNIM"), ("CSP-PSD", "FAMa")])
def test_fought_is_symmetric(store, a, b):
    ab, ba = fought(a, b, store=store), fought(b, a, store=store)
    assert ab and ba
    assert [r["periods"] for r in ab] == [r["periods"] for r in ba]
    assert [(r["events"], r["fatalities"], r["sources"]) for r in ab] == [
        (r["events"], r["fatalities"], r["sources"]) for r in ba
    ]
    assert {(r["actor_id"], r["opponent_id"]) for r in ab} == {(r["opponent_id"], r["actor_id"]) for r in ba}


def test_the_jnim_is_sahel_war_started_in_2019(store):
    rows = fought("IS Sahel", "JNIM", store=store)
    assert rows[0]["periods"][0]["start"] == "2019-07-01"
    assert rows[0]["periods"][0]["end"] is None  # ongoing


def test_mnla_and_ansar_dine_were_allies_before_they_fought(store):
    assert fought("MNLA", "Ansar Dine", start="2012-01", end="2012-05", store=store) == []
    assert fought("MNLA", "Ansar Dine", year=2012, store=store)


def test_mnla_fought_mujao_for_gao_in_2012(store):
    rows = fought("MNLA", "MUJAO", year=2012, store=store)
    assert rows and rows[0]["periods"][0]["start"].startswith("2012-06")


def test_allies_are_not_opponents(store):
    found = opponents(fought("Operation Serval", year=2013, store=store))
    assert "fama" not in found and "chad_armed_forces" not in found
    assert {"ansar_dine", "aqim", "mujao"} <= found


def test_france_fought_through_serval_in_2013_and_2014(store):
    rows = fought("France", start="2013-01", end="2014-06", store=store)
    assert ("ansar_dine", "operation_serval") in opponents(rows, via=True)
    assert all(r["via"] for r in rows), "France fought through its forces, each row says which"


def test_france_fought_nobody_in_mali_in_2024(store):
    assert fought("France", year=2024, store=store) == []


def test_mali_includes_its_armed_forces(store):
    rows = fought("Mali", year=2024, store=store)
    assert ("jnim", "fama") in opponents(rows, via=True)
    assert fought("Mali", year=2024, exact=True, store=store) == []


def test_russia_includes_wagner_then_africa_corps(store):
    assert ("jnim", "wagner_group") in opponents(fought("Russia", year=2024, store=store), via=True)
    in_2025 = opponents(fought("Russia", year=2025, store=store), via=True)
    assert ("jnim", "africa_corps") in in_2025
    assert fought("Russia", year=2019, store=store) == []


def test_jnim_includes_its_components_after_they_joined(store):
    rows = fought("JNIM", year=2024, store=store)
    assert ("fama", "katiba_macina") in opponents(rows, via=True)
    assert all(r["via"] is None for r in fought("JNIM", year=2024, exact=True, store=store))


def test_components_before_they_joined_do_not_count(store):
    """Ansar Dine fought Serval in 2013, before JNIM existed."""
    assert fought("JNIM", "Operation Serval", store=store) == []


def test_who_fought_in_2013(store):
    pairs = {frozenset((r["actor_id"], r["opponent_id"])) for r in fought(year=2013, store=store)}
    assert frozenset(("ansar_dine", "operation_serval")) in pairs
    assert frozenset(("al_mulathamin", "algeria")) in pairs  # In Amenas
    assert not any("jnim" in p or "wagner_group" in p for p in pairs)


def test_every_dyad_is_listed_once(store):
    rows = fought(store=store)
    pairs = [frozenset((r["actor_id"], r["opponent_id"])) for r in rows]
    assert len(pairs) == len(set(pairs)) and len(pairs) >= 50


def test_the_tinzaouaten_ambush_counts_as_evidence_with_its_dead(store):
    rows = fought("Wagner", "CSP-PSD", store=store)
    assert "tinzaouaten_ambush_2024" in rows[0]["event_ids"]
    assert rows[0]["fatalities"] >= 131


def test_an_ongoing_relation_runs_to_the_as_of_day_not_beyond(store):
    assert "fama" in opponents(fought("JNIM", year=2025, store=store))
    assert fought("JNIM", year=2026, store=store) == []


def test_year_precision_is_respected(store):
    """IS Sahel fought the Malian army from '2017' (a year): not in 2016."""
    assert fought("IS Sahel", "FAMa", year=2016, exact=True, store=store) == []
    assert fought("IS Sahel", "FAMa", year=2017, exact=True, store=store)


def test_persons_appear_only_when_asked_about(store):
    assert not any(r["opponent_id"] == "iyad_ag_ghaly" for r in fought(year=2013, store=store))
    assert {"fama"} <= opponents(fought("Belmokhtar", store=store))


def test_periods_merge_where_they_touch(store):
    rows = fought("MNLA", "FAMa", store=store)
    periods = rows[0]["periods"]
    # the 2012-2013 rebellion (its statements touch and merge), the Fooïta clash of September
    # 2013, the May 2014 fighting in Kidal and the Léré attack of April 2015
    assert len(periods) == 4
    assert periods[0]["start"] == "2012-01-17" and periods[1]["start"] == "2013-09-11"
    assert periods[2]["start"].startswith("2014-05") and periods[3]["start"].startswith("2015-04")


def test_bad_dates_and_sources_are_usage_errors(store):
    with pytest.raises(UsageError):
        fought("JNIM", start="2024-13", store=store)
    with pytest.raises(UsageError):
        fought("JNIM", year=2024, start="2024", store=store)
    with pytest.raises(UsageError):
        fought("JNIM", source="wikipedia", store=store)


JSON_KEYS = {"actor": str, "opponent": str, "actor_id": str, "opponent_id": str, "periods": list,
             "events": int, "sources": list}


def test_rows_have_the_documented_shape(store):
    for row in fought("JNIM", store=store):
        for key, kind in JSON_KEYS.items():
            assert isinstance(row[key], kind), key
        assert row["fatalities"] is None or isinstance(row["fatalities"], int)
        assert row["via"] is None or isinstance(row["via"], str)
        for p in row["periods"]:
            assert len(p["start"]) == 10 and (p["end"] is None or len(p["end"]) == 10)


@pytest.mark.parametrize("window", [{"year": 2013}, {"year": 2020}, {"year": 2024}, {"start": "2012-03", "end": "2014-06"},
                                    {"year": 2025, "source": "curated"}, {"start": "2020-02", "end": "2020-11"}])
def test_every_pair_of_a_window_read_through_the_year_index_is_the_full_scan_answer(store, window, monkeypatch):
    import importlib

    module = importlib.import_module("kg.ask.fought")
    queries = module.fought_sparql(store=store, **window)
    assert any("# title: A year's events with two sides and fought pairs, from the year index" in q for q in queries)
    assert not any("# title: Combat events between two sides" in q for q in queries)  # every graph indexed
    indexed = fought(store=store, **window)
    monkeypatch.setattr(module, "_split_answers", lambda *args: None)  # no precomputed answer
    assert any("# title: Fought statements of a year, one literal per pair" in q
               for q in module.fought_sparql(store=store, **window))
    read = fought(store=store, **window)
    monkeypatch.setattr(module, "_year_rows", lambda *args: None)  # summaries without skg:pairRows
    assert any("# title: Fought statements of a year, through the year index" in q
               for q in module.fought_sparql(store=store, **window))
    linked = fought(store=store, **window)
    monkeypatch.setattr(module, "_indexed", lambda window: False)  # the scan of every statement and event
    assert indexed and indexed == read == linked == fought(store=store, **window)


def test_every_year_alone_is_answered_as_the_full_scan_answers_it(store, monkeypatch):
    """The precomputed pair answers, used where nothing cuts into them, change no answer."""
    import importlib

    module = importlib.import_module("kg.ask.fought")
    taken = []
    answered = module._answered
    monkeypatch.setattr(module, "_answered", lambda *args: taken.append(args[0]) or answered(*args))
    answers = {year: fought(year=year, store=store) for year in range(2011, 2027)}
    assert len(taken) > 50  # pairs answered from the index (most others have events)
    monkeypatch.setattr(module, "_indexed", lambda window: False)
    assert answers == {year: fought(year=year, store=store) for year in range(2011, 2027)}


def test_a_graph_without_a_year_index_is_asked_for_its_events_and_statements(curated):
    """A graph written before the year index (or by another writer) is read triple by triple."""
    import importlib

    from kg.store.embedded import OxigraphStore

    module = importlib.import_module("kg.ask.fought")
    indexed = fought(year=2019, store=curated)
    unindexed = OxigraphStore()
    unindexed.store.extend(q for q in curated.store if not q.subject.value.startswith(ns.ID + "year-index/"))
    queries = module.fought_sparql(year=2019, store=unindexed)
    assert any("# title: Combat events between two sides" in q for q in queries)
    assert any("# title: Fought statements of a year, one literal per pair" in q for q in queries)
    assert indexed and fought(year=2019, store=unindexed) == indexed


def test_the_event_index_gives_the_rows_of_the_event_query(curated):
    import importlib

    from kg.graph.dates import window
    from kg.store.embedded import with_values

    module = importlib.import_module("kg.ask.fought")
    for year in (2013, 2019, 2024):
        period = window(year)
        params = {"from": period.start, "to": period.end}
        got, _ = module._read_year_index(curated, period, params, [])
        want = module._add_tolls_and_sources(
            curated, curated.select(with_values(sparql.get("fought-events").text, params)), [])
        assert want and sorted(map(_event_row, got)) == sorted(map(_event_row, want))


def _event_row(row: dict) -> tuple:
    return (row["event"], row["actor"], row["opponent"], row["start"], row["startPrecision"], row["end"],
            row["endPrecision"], row["fatalities"], row["graph"], sorted(row["sources"].split()))


def test_the_lifespan_shortcut_clips_as_period_clip_does():
    """_clip skips building a period when the lifespan holds it; it must give what clip() gives."""
    import importlib
    from datetime import date
    from itertools import product

    from kg.graph.dates import Period

    clip = importlib.import_module("kg.ask.fought")._clip
    days = [date(1, 1, 1), date(2012, 1, 1), date(2013, 6, 1), date(2013, 6, 2), date(2020, 1, 1), None]
    precisions = ["Day", "Month", "Year"]
    for start, end, sp, ep, life_start, life_end in product(days[:-1], days, precisions, precisions, days[:-1], days):
        if (end is not None and end < start) or (life_end is not None and life_end < life_start):
            continue
        period, span = Period(start, end, sp, ep), Period(life_start, life_end, "Day", "Day")
        got, want = clip(period, span), period.clip(span)
        assert got == want and (got is None or (got.start_precision, got.end_precision)
                                == (want.start_precision, want.end_precision)), (period, span)
