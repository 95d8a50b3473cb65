"""Adding files to a data set already imported, and dropping one file from it.

An addition stages a checkpoint of the live store (nothing copied) and `prune`s
from it, in one SPARQL update each, what the import writes again (the data set's
summaries but their evidence links, pair-years, year index, direct triples and
description) and the events the new files replace; `recount` then counts the
kept events into the new summaries from their evidence links, and puts back the
events a new row was meant to replace but did not (a bad row). So adding a file
costs the new rows and one pass over the kept events' links, not a reload of
the data set. `carry_over` (reloading the kept quads into an empty store) is
what ``kg drop --file`` does.

The staging store gets the data set's earlier events back, as N-Quads chunks,
except the events an addition replaces (a row id the new files have again: the
newer export's row wins) and the events of a file being re-imported or dropped.
The per-pair summaries, pair-year nodes, the year index, direct "fought" triples
and the data set's description are not copied: the mapper counts the kept events again
from their evidence links, so the summaries always describe exactly the
events in the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from kg.graph import namespaces as ns
from kg.imports.layouts import FOUGHT, VIOLENCE
from kg.imports.mapping import IMPORTED_FROM, SOURCE_RECORD, Mapper, Summary
from kg.store.summaries import PAIR_YEAR, YEAR_INDEX

CHUNK_QUADS = 50_000


def stored_files(store, dataset: str) -> dict[str, dict]:
    """The files of an imported data set, by node IRI: file name, hash, period."""
    rows = store.select(
        f"SELECT ?f ?file ?hash ?start ?end WHERE {{ GRAPH <{ns.dataset_graph(dataset)}> {{ "
        f"?f <{ns.DCTERMS}isPartOf> <{ns.DATASET}{dataset}> ; <{ns.SKG}sourceFile> ?file ; "
        f"<{ns.SKG}contentHash> ?hash . OPTIONAL {{ ?f <{ns.SKG}start> ?start ; <{ns.SKG}end> ?end }} }} }}"
    )
    return {str(r["f"]): {"file": str(r["file"]), "hash": str(r["hash"]), "first": r["start"], "last": r["end"]}
            for r in rows}


def carry_over(live, dataset: str, mapper: Mapper, replaced: Callable[[str], bool],
               dropped_files: set[str]) -> Iterator[bytes]:
    """The earlier quads of ``dataset`` to keep, in chunks, with the kept events counted into ``mapper``.

    ``replaced(row_id)`` says whether an event is replaced by a new row; the events
    of ``dropped_files`` (file node IRIs) go too. ``mapper.kept_events`` ends as
    the number of earlier events kept.
    """
    import pyoxigraph as ox

    graph = ns.dataset_graph(dataset)
    g = ox.NamedNode(graph)
    event_ns = ns.dataset_ns(dataset, "event")
    gone: set[str] = set()
    for f in dropped_files:
        gone.update(q.subject.value for q in live.store.quads_for_pattern(
            None, ox.NamedNode(IMPORTED_FROM[1:-1]), ox.NamedNode(f), g))

    def is_gone(iri: str) -> bool:
        return iri in gone or (iri.startswith(event_ns) and replaced(iri[len(event_ns):]))

    out: list[str] = []
    for row in live.select(
        f"SELECT ?s ?a ?p ?b ?ss ?e ?start ?end ?fat WHERE {{ GRAPH <{graph}> {{ "
        f"?s <{ns.SKG}evidence> ?e ; <{ns.SKG}subject> ?a ; <{ns.SKG}predicate> ?p ; <{ns.SKG}object> ?b ; "
        f"<{ns.SKG}start> ?ss . ?e <{ns.SKG}start> ?start ; <{ns.SKG}end> ?end . "
        f"OPTIONAL {{ ?e <{ns.SKG}fatalities> ?fat }} }} }}"
    ):
        e = str(row["e"])
        if is_gone(e):
            continue
        out.append(mapper.count((str(row["a"]), str(row["p"]), str(row["b"]), row["ss"].year), f"<{e}>",
                                row["start"], row["end"], row["fat"]))
        if len(out) >= CHUNK_QUADS:
            yield "".join(out).encode()
            out = []
    skip_prefixes = (ns.dataset_ns(dataset, "statement"), f"{PAIR_YEAR}{dataset}/", f"{YEAR_INDEX}{dataset}/")
    skip = {ns.DATASET + dataset, f"{YEAR_INDEX}{dataset}", *dropped_files}
    regenerated = {FOUGHT, VIOLENCE}
    record = SOURCE_RECORD[1:-1]
    kept = 0
    for q in live.store.quads_for_pattern(None, None, None, g):
        s = q.subject.value
        if s in skip or s.startswith(skip_prefixes) or q.predicate.value in regenerated or is_gone(s):
            continue
        if q.predicate.value == record:
            kept += 1
        out.append(f"{q} .\n")
        if len(out) >= CHUNK_QUADS:
            yield "".join(out).encode()
            out = []
    mapper.kept_events = kept
    if out:
        yield "".join(out).encode()


def prune(stage, dataset: str, candidates: set[str], dropped_files: set[str]) -> set[str]:
    """Remove from the staged checkpoint what the addition writes again; returns the IRIs of
    the events removed (those of ``candidates``, row ids the new files hold, and of the
    dropped files)."""
    import pyoxigraph as ox

    graph = ns.dataset_graph(dataset)
    g = ox.NamedNode(graph)
    event_ns = ns.dataset_ns(dataset, "event")
    gone: set[str] = set()
    for f in dropped_files:
        gone.update(q.subject.value for q in stage.quads_for_pattern(
            None, ox.NamedNode(IMPORTED_FROM[1:-1]), ox.NamedNode(f), g))
    record = ox.NamedNode(SOURCE_RECORD[1:-1])
    for row_id in candidates:
        iri = event_ns + row_id
        if next(stage.quads_for_pattern(ox.NamedNode(iri), record, None, g), None) is not None:
            gone.add(iri)
    skg = ns.SKG
    nodes = " ".join(f"<{n}>" for n in (ns.DATASET + dataset, *dropped_files))
    # by type and predicate (index lookups), not by a FILTER over every quad of the graph
    for where in (
        f"?s a <{skg}Statement> ; ?p ?o FILTER(?p != <{skg}evidence>)",  # the summaries but their links
        f"VALUES ?t {{ <{skg}PairYear> <{skg}YearIndex> <{skg}IndexedYear> }} ?s a ?t ; ?p ?o",
        f"VALUES ?p {{ <{FOUGHT}> <{VIOLENCE}> }} ?s ?p ?o",  # the direct triples
        f"VALUES ?s {{ {nodes} }} ?s ?p ?o",  # the data set's description, the dropped files
    ):
        stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ {where} }} }}")
    for chunk in _chunks(sorted(gone), 2_000):
        values = " ".join(f"<{e}>" for e in chunk)
        stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?e ?p ?o }} }} WHERE {{ VALUES ?e {{ {values} }} "
                     f"GRAPH <{graph}> {{ ?e ?p ?o }} }}")
        stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }} WHERE {{ VALUES ?e {{ {values} }} "
                     f"GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }}")
    return gone


def recount(live, dataset: str, mapper: Mapper, gone: set[str], replaced: Callable[[str], bool],
            dropped_files: set[str]) -> Iterator[bytes]:
    """Count the events the addition keeps into ``mapper``'s summaries (a summary none of
    whose events went is taken as it is; the others are counted again from their
    evidence links in the live store; the links stay in the staged store), and yield the quads of the
    events `prune` removed that no new row replaced (a bad or filtered-out row), with
    their evidence links. ``mapper.kept_events`` ends as the number of earlier events kept."""
    import pyoxigraph as ox

    graph = ns.dataset_graph(dataset)
    g = ox.NamedNode(graph)
    event_ns = ns.dataset_ns(dataset, "event")
    skg = ns.SKG
    from_dropped: set[str] = set()
    for f in dropped_files:
        from_dropped.update(q.subject.value for q in live.store.quads_for_pattern(
            None, ox.NamedNode(IMPORTED_FROM[1:-1]), ox.NamedNode(f), g))
    back = {e for e in gone if e not in from_dropped and not replaced(e[len(event_ns):])}
    # summaries none of whose events went are taken whole (one row each); the others are
    # counted again from their remaining evidence links
    touched: set[str] = set()
    for chunk in _chunks(sorted(gone), 2_000):
        values = " ".join(f"<{e}>" for e in chunk)
        touched.update(r["s"].value for r in live.store.query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?e {{ {values} }} GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }}"))
    for row in live.store.query(
        f"SELECT ?s ?a ?p ?b ?start ?end ?n ?fat WHERE {{ GRAPH <{graph}> {{ ?s a <{skg}Statement> ; "
        f"<{skg}subject> ?a ; <{skg}predicate> ?p ; <{skg}object> ?b ; <{skg}start> ?start ; <{skg}end> ?end ; "
        f"<{skg}eventCount> ?n ; <{skg}fatalities> ?fat }} }}"
    ):
        if row["s"].value in touched:
            continue
        start = date.fromisoformat(row["start"].value)
        key = (row["a"].value, row["p"].value, row["b"].value, start.year)
        end = date.fromisoformat(row["end"].value)
        found = mapper.summaries.get(key)  # the new rows' events of the pair and year, counted already
        if found is None:
            mapper.summaries[key] = Summary(f"<{row['s'].value}>", start, end, int(row["n"].value),
                                            int(row["fat"].value))
        else:
            found.first, found.last = min(found.first, start), max(found.last, end)
            found.events += int(row["n"].value)
            found.fatalities += int(row["fat"].value)
    out: list[str] = []
    if touched:
        for chunk in _chunks(sorted(touched), 2_000):
            values = " ".join(f"<{t}>" for t in chunk)
            for row in live.store.query(
                f"SELECT ?a ?p ?b ?ss ?e ?start ?end ?fat WHERE {{ VALUES ?s {{ {values} }} GRAPH <{graph}> {{ "
                f"?s <{skg}evidence> ?e ; <{skg}subject> ?a ; <{skg}predicate> ?p ; <{skg}object> ?b ; "
                f"<{skg}start> ?ss . ?e <{skg}start> ?start ; <{skg}end> ?end . "
                f"OPTIONAL {{ ?e <{skg}fatalities> ?fat }} }} }}"
            ):
                e = row["e"].value
                if e in gone and e not in back:
                    continue
                fat = row["fat"]
                quad = mapper.count((row["a"].value, row["p"].value, row["b"].value, int(row["ss"].value[:4])),
                                    f"<{e}>", date.fromisoformat(row["start"].value),
                                    date.fromisoformat(row["end"].value), int(fat.value) if fat is not None else None)
                if e in back:
                    out.append(quad)
    for e in back:
        out.extend(f"{q} .\n" for q in live.store.quads_for_pattern(ox.NamedNode(e), None, None, g))
    record = ox.NamedNode(SOURCE_RECORD[1:-1])
    mapper.kept_events = sum(1 for _ in live.store.quads_for_pattern(None, record, None, g)) - len(gone) + len(back)
    for chunk in _chunks(out, CHUNK_QUADS):
        yield "".join(chunk).encode()


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
