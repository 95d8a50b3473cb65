"""Adding files to a data set already imported, and dropping one file from it.

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

from kg.graph import namespaces as ns
from kg.imports.layouts import FOUGHT, VIOLENCE
from kg.imports.mapping import IMPORTED_FROM, SOURCE_RECORD, Mapper
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
