"""Counts that describe the graph: by class, by relation type, by year, by source."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kg.graph import namespaces as ns
from kg.store import sparql

COVERAGE_COUNTRIES = ("mali", "burkina_faso", "niger")


def coverage(store=None, countries: tuple[str, ...] = COVERAGE_COUNTRIES,
             first_year: int = 2012) -> list[dict[str, Any]]:
    """Events (by the year they began) and statements (in every year they were in force) per
    country and year: where the data is thin. A statement counts for the country of either end."""
    from kg.store.cache import or_default

    store = or_default(store)
    as_of = sparql.as_of(store)
    events: Counter[tuple[str, int]] = Counter()
    statements: Counter[tuple[str, int]] = Counter()
    seen = set()
    for r in sparql.run(store, "coverage"):
        country = ns.local_id(r["country"])
        if country not in countries or (r["x"], country) in seen:
            continue
        seen.add((r["x"], country))
        if r["kind"] == "event":
            events[country, r["start"].year] += 1
        else:
            for year in range(max(r["start"].year, first_year), (r["end"] or as_of).year + 1):
                statements[country, year] += 1
    rows = []
    for year in range(first_year, as_of.year + 1):
        row: dict[str, Any] = {"year": year}
        for c in countries:
            row[f"{c} events"] = events[c, year]
            row[f"{c} statements"] = statements[c, year]
        rows.append(row)
    return rows


def stats(store=None) -> dict[str, Any]:
    """Counts per data set graph of classes, relation types, years and sources."""
    from kg.store.cache import or_default

    store = or_default(store)
    as_of = sparql.as_of(store)
    classes = [
        {"graph": ns.local_id(r["graph"]), "class": r["classLabel"], "count": r["count"]}
        for r in sparql.run(store, "counts-by-class")
        if r["graph"] != ns.ONTOLOGY_GRAPH
    ]
    relations = [
        {"graph": ns.local_id(r["graph"]), "relation": r["relationLabel"], "count": r["count"]}
        for r in sparql.run(store, "counts-by-relation")
    ]
    statements_by_year: Counter[int] = Counter()
    events_by_year: Counter[int] = Counter()
    for r in sparql.run(store, "periods"):
        if r["kind"] == "event":
            events_by_year[r["start"].year] += 1
        else:
            last = (r["end"] or as_of).year
            for year in range(r["start"].year, last + 1):
                statements_by_year[year] += 1
    years = [
        {"year": y, "statements_active": statements_by_year[y], "events": events_by_year[y]}
        for y in sorted(set(statements_by_year) | set(events_by_year))
    ]
    sources = [
        {"source": ns.local_id(r["source"]), "title": r["title"], "publisher": r["publisher"],
         "facts": r["facts"]}
        for r in sparql.run(store, "sources-cited")
    ]
    # The query already orders by citations then title, but Virtuoso collates some
    # accented titles differently from SPARQL's code-point order; sorting here keeps
    # the output identical on every backend.
    sources.sort(key=lambda s: (-int(s["facts"]), s["title"], s["source"]))
    return {
        "as_of": as_of.isoformat(),
        "classes": classes,
        "relations": relations,
        "years": years,
        "sources": sources,
    }


PERIODS = ((2012, 2015), (2016, 2019), (2020, 2022), (2023, 2025))


def coverage_report(store=None, data_dir=None) -> dict[str, Any]:
    """Everything ``kg stats --coverage`` prints: the yearly table of :func:`coverage`, events per
    country and period, how the reference lists of ``data/reference/`` are accounted for, and
    the places the map cannot draw (no coordinates) and events placed only at a country."""
    from pathlib import Path

    from kg.errors import DataError
    from kg.graph.build import load
    from kg.graph.reference import accounting, read_lists, total
    from kg.store.cache import default_data_dir, or_default

    store = or_default(store)
    years = coverage(store)
    periods = []
    for first, last in PERIODS:
        row: dict[str, Any] = {"period": f"{first}-{last}"}
        for c in COVERAGE_COUNTRIES:
            row[c] = sum(r[f"{c} events"] for r in years if first <= r["year"] <= last)
        periods.append(row)
    periods.append({"period": "all", **{c: sum(r[c] for r in periods) for c in COVERAGE_COUNTRIES}})
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    problems: list = []
    lists = accounting(read_lists(data_dir, problems))
    if problems:
        raise DataError(problems)
    data = load(data_dir)
    states = {r["id"] for r in data.actors if r["type"] == "state"}
    return {
        "years": years,
        "periods": periods,
        "lists": [*lists, total(lists)] if lists else [],
        "events": len(data.events),
        "places without coordinates": sum(1 for r in data.places if not r["lat"]),
        "events at a country": sum(1 for r in data.events if r["place"] in states),
        "events without a place": sum(1 for r in data.events if not r["place"]),
    }
