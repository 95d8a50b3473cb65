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
