"""Pair-year summaries: the index that answers "who fought whom in a year"."""

from __future__ import annotations

from datetime import date

import pytest

from kg.graph import namespaces as ns
from kg.store import sparql
from kg.store.summaries import Summariser, summarise

FOUGHT, SUPPORTS = ns.SKG + "fought", ns.SKG + "supports"
A, B = ns.ACTOR + "a", ns.ACTOR + "b"


def summariser() -> Summariser:
    return Summariser(ns.CURATED_GRAPH, as_of=date(2025, 11, 30), symmetric={FOUGHT}, relations={FOUGHT, SUPPORTS})


def test_only_the_relations_asked_about_by_year_are_summarised():
    s = Summariser(ns.CURATED_GRAPH, as_of=date(2025, 11, 30), symmetric={FOUGHT})
    s.add(A, SUPPORTS, B, date(2013, 1, 1), None)
    s.add(A, FOUGHT, B, date(2013, 1, 1), date(2013, 1, 2))
    assert list(s.pairs) == [(A, FOUGHT, B, 2013)]


def test_a_statement_is_counted_in_each_year_it_touches_clipped_to_the_year():
    s = summariser()
    s.add(A, FOUGHT, B, date(2012, 3, 5), date(2014, 2, 1))
    by_year = {key[3]: (p.first, p.last, p.statements) for key, p in s.pairs.items()}
    assert by_year == {
        2012: (date(2012, 3, 5), date(2012, 12, 31), 1),
        2013: (date(2013, 1, 1), date(2013, 12, 31), 1),
        2014: (date(2014, 1, 1), date(2014, 2, 1), 1),
    }


def test_an_ongoing_statement_runs_to_the_as_of_day():
    s = summariser()
    s.add(A, FOUGHT, B, date(2024, 6, 1), None)
    assert {key[3]: p.last for key, p in s.pairs.items()} == {2024: date(2024, 12, 31), 2025: date(2025, 11, 30)}


def test_symmetric_relations_are_summed_per_unordered_pair_directed_ones_are_not():
    s = summariser()
    s.add(A, FOUGHT, B, date(2013, 1, 1), date(2013, 1, 31))
    s.add(B, FOUGHT, A, date(2013, 6, 1), date(2013, 6, 30), events=3, fatalities=10)
    s.add(A, SUPPORTS, B, date(2013, 1, 1), date(2013, 1, 31))
    s.add(B, SUPPORTS, A, date(2013, 1, 1), date(2013, 1, 31))
    fought = s.pairs[(A, FOUGHT, B, 2013)]
    assert (fought.first, fought.last, fought.statements) == (date(2013, 1, 1), date(2013, 6, 30), 2)
    assert (fought.events, fought.fatalities) == (3, 10)
    assert (A, SUPPORTS, B, 2013) in s.pairs and (B, SUPPORTS, A, 2013) in s.pairs
    assert len(s) == 3


def test_nquads_are_one_node_per_pair_and_year_in_the_statements_graph():
    import pyoxigraph as ox

    s = summariser()
    s.add(A, FOUGHT, B, date(2013, 1, 1), date(2014, 1, 31))
    quads = list(ox.parse("".join(s.nquads()), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {ns.CURATED_GRAPH}
    nodes = {q.subject.value for q in quads}
    assert nodes == {ns.ID + "pair-year/curated/a--fought--b--2013", ns.ID + "pair-year/curated/a--fought--b--2014",
                     ns.ID + "year-index/curated", ns.ID + "year-index/curated/2013", ns.ID + "year-index/curated/2014"}


def test_summarise_reads_statements_and_skips_events(curated):
    quads = curated.quads(ns.CURATED_GRAPH)
    s = summarise(quads, ns.CURATED_GRAPH)
    # the curated as-of day is read from the graph itself
    assert s.as_of == sparql.as_of(curated)
    subjects = {key[0] for key in s.pairs} | {key[2] for key in s.pairs}
    assert not any(iri.startswith(ns.EVENT) for iri in subjects)
    assert (ns.ACTOR + "ansar_dine", FOUGHT, ns.ACTOR + "operation_serval", 2013) in s.pairs


@pytest.mark.parametrize("year", range(2012, 2026))
def test_who_fought_in_year_has_the_pairs_of_the_statements_of_that_year(curated, year):
    """The summaries answer like the statements they sum up, every year."""
    pairs = {frozenset((r["actor"], r["opponent"])) for r in sparql.run(curated, "who-fought-in-year", year=year)}
    stated = {frozenset((r["actor"], r["opponent"]))
              for r in sparql.run(curated, "fought-statements-in-year", year=year)}
    assert pairs == stated
    assert pairs, f"no fighting in {year}?"


def test_who_fought_in_2013_gives_the_days_and_the_statement_count(curated):
    rows = sparql.run(curated, "who-fought-in-year", year=2013)
    serval = [r for r in rows if {r["actorLabel"], r["opponentLabel"]} == {"Ansar Dine", "Operation Serval"}]
    assert len(serval) == 1
    row = serval[0]
    assert row["start"] == date(2013, 1, 11)  # Serval began on 11 January 2013
    assert row["statements"] >= 1 and row["dataset"] == ns.CURATED_GRAPH
    assert row["events"] is None  # curated statements count no imported events


def test_each_pair_year_links_the_statements_it_sums_up():
    s = Summariser("urn:g", date(2025, 11, 30), symmetric=[FOUGHT])
    s.add("urn:b", FOUGHT, "urn:a", date(2019, 6, 1), date(2020, 2, 1), statement="urn:stmt1")
    s.add("urn:a", FOUGHT, "urn:b", date(2020, 3, 1), date(2020, 4, 1), statement="urn:stmt2")
    text = "".join(s.nquads())
    links = [line for line in text.splitlines() if "pairStatement" in line]
    assert sorted(line.split()[2] for line in links if "--2020>" in line.split()[0]) == ["<urn:stmt1>", "<urn:stmt2>"]
    assert [line.split()[2] for line in links if "--2019>" in line.split()[0]] == ["<urn:stmt1>"]


def test_each_pair_year_holds_its_statements_rows_in_the_direction_stated():
    import pyoxigraph as ox

    from kg.store.summaries import rows

    s = Summariser("urn:g", date(2025, 11, 30), symmetric=[FOUGHT])
    s.add("urn:b", FOUGHT, "urn:a", date(2019, 6, 1), date(2020, 2, 1), statement="urn:stmt1",
          precisions=("Month", "Day"), sources=["urn:src2", "urn:src1"], events=4, fatalities=9)
    s.add("urn:a", FOUGHT, "urn:b", date(2020, 3, 1), None, statement="urn:stmt2",
          precisions=("Day", None), sources=[])
    s.add("urn:a", FOUGHT, "urn:b", date(2020, 5, 1), None, statement="urn:no-precision")  # no row
    quads = list(ox.parse("".join(s.nquads()), format=ox.RdfFormat.N_QUADS))
    literal = {q.subject.value.rsplit("--", 1)[1]: q.object.value
               for q in quads if q.predicate.value == ns.SKG + "pairRows"}
    assert rows(literal["2019"]) == [{
        "statement": "urn:stmt1", "subject": "urn:b", "object": "urn:a", "start": "2019-06-01",
        "startPrecision": "Month", "end": "2020-02-01", "endPrecision": "Day", "events": "4",
        "fatalities": "9", "sources": "urn:src1 urn:src2"}]
    assert [r["statement"] for r in rows(literal["2020"])] == ["urn:stmt1", "urn:stmt2"]
    assert rows(literal["2020"])[1]["end"] == rows(literal["2020"])[1]["endPrecision"] == ""


def test_summarise_writes_the_rows_of_the_curated_statements(curated):
    from kg.store.summaries import rows

    s = summarise(curated.quads(ns.CURATED_GRAPH), ns.CURATED_GRAPH)
    written = [r for pair in s.pairs.values() if pair.rows for r in rows("\n".join(pair.rows))]
    linked = sum(len(pair.members or []) for pair in s.pairs.values())
    assert written and len(written) == linked  # every linked statement has its row
    assert all(r["startPrecision"] in ("Day", "Month", "Year") and r["sources"] for r in written)


def test_the_pair_answer_merges_in_kg_fought_order_and_sums_what_is_known():
    from kg.store.summaries import ANSWER_FIELDS, answer

    lines = [  # statement, subject, object, start, precision, end, precision, events, fatalities, sources
        "urn:s2\turn:b\turn:a\t2020-01-01\tDay\t2020-03-31\tMonth\t\t\turn:x/src2",
        "urn:s1\turn:a\turn:b\t2020-01-01\tYear\t2020-03-31\tDay\t2\t0\turn:x/src1 urn:x/src2",
        "urn:s3\turn:a\turn:b\t2021-06-01\tMonth\t\t\t\t\t",
    ]
    fields = dict(zip(ANSWER_FIELDS, answer("urn:pair-year", "urn:a", "urn:b", lines).split("\t"), strict=True))
    # s1 sorts first, so the tie (same days, other precisions) keeps its "Year"; s3 is ongoing
    assert fields["periods"] == "2020-01-01,Year,2020-03-31,Day;2021-06-01,Month,,Day"
    assert fields["periodText"] == "2020 – 2020-03-31; 2021-06 – ongoing"
    assert (fields["firstStatement"], fields["firstSubject"], fields["firstObject"]) == ("urn:s1", "urn:a", "urn:b")
    assert (fields["spanStart"], fields["spanEnd"]) == ("2020-01-01", "")
    assert (fields["events"], fields["fatalities"]) == ("2", "0")  # a known 0 is not unknown
    assert (fields["sources"], fields["statements"]) == ("src1 src2", "urn:s1 urn:s2 urn:s3")  # ids: after the last / or #


def test_summarise_indexes_every_event_with_two_sides_under_each_year_it_touches(curated):
    from kg.store.summaries import EVENT_FIELDS

    s = summarise(curated.quads(ns.CURATED_GRAPH), ns.CURATED_GRAPH)
    lines = {dict(zip(EVENT_FIELDS, line.split("\t"), strict=True))["event"]: (year, line)
             for year, found in s.event_rows.items() for line in found}
    two_sided = {r["event"] for r in curated.select(
        "PREFIX skg: <https://w3id.org/sahel-kg/ontology#> SELECT DISTINCT ?event WHERE { GRAPH ?g { "
        "?event skg:participation ?pa, ?pb . ?pa skg:side 'a' ; skg:actor [] . ?pb skg:side 'b' ; skg:actor [] } }")}
    assert two_sided and set(lines) == two_sided
    for year, found in s.event_rows.items():
        for line in found:
            row = dict(zip(EVENT_FIELDS, line.split("\t"), strict=True))
            assert row["start"][:4] <= str(year) <= row["end"][:4]
