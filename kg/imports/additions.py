"""Adding files to a data set already imported, and dropping one file from it.

An addition stages a checkpoint of the live store (nothing copied), `prune`s from
it the events the new files replace (and those of a file imported again under its
name) with their evidence links, and loads the new rows; `Recount` then rewrites
only the summaries the addition changes -- those a new row counts into (their
stored totals plus the new rows') and those that lost events (counted again from
their remaining evidence links) -- with their pair-years, the lines of their years
in the year index and the direct triples of pairs left with no summary. Every other
summary, pair-year and year stays in the checkpoint as it was. So adding a file
costs its own rows and the summaries they touch, not the data set: the stored
revisions are read for the new ids only, the kept events are the stored row count
less the events removed. The result is the graph one import of the final files
writes (tests/test_import_datasets.py).

`carry_over` (reloading the kept quads into an empty store, every summary counted
again from its evidence links) is what ``kg drop --file`` does, and an addition
with ``--country`` or of a monadic file (no revision plan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from kg.ask.records import column_values
from kg.graph import namespaces as ns
from kg.imports.layouts import FOUGHT, VIOLENCE
from kg.imports.mapping import IMPORTED_FROM, SOURCE_RECORD, Mapper
from kg.store.summaries import PAIR_YEAR, YEAR_INDEX, Summariser

CHUNK_QUADS = 50_000


def stored_files(store, dataset: str) -> dict[str, dict]:
    """The files of an imported data set, by node IRI: file name, hash, period.

    Read node by node from the store's indexes: as one query, its OPTIONAL period
    read the start and end of every event of the data set (0.5 s at 20,000 rows)."""
    import pyoxigraph as ox

    from kg.graph.terms import from_literal

    raw = store.store
    g = ox.NamedNode(ns.dataset_graph(dataset))
    wanted = {f"{ns.SKG}{p}": p for p in ("sourceFile", "contentHash", "start", "end")}
    out: dict[str, dict] = {}
    for part in raw.quads_for_pattern(None, ox.NamedNode(f"{ns.DCTERMS}isPartOf"),
                                      ox.NamedNode(f"{ns.DATASET}{dataset}"), g):
        values: dict[str, object] = {}
        for q in raw.quads_for_pattern(part.subject, None, None, g):
            key = wanted.get(q.predicate.value)
            if key is not None:
                values[key] = q.object
        if "sourceFile" not in values or "contentHash" not in values:
            continue
        period = "start" in values and "end" in values
        out[part.subject.value] = {
            "file": values["sourceFile"].value, "hash": values["contentHash"].value,
            "first": from_literal(values["start"].value, values["start"].datatype.value) if period else None,
            "last": from_literal(values["end"].value, values["end"].datatype.value) if period else None,
        }
    return out


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


def prune(stage, dataset: str, candidates: set[str], dropped_files: set[str], columns=None) -> set[str]:
    """Remove from the staged checkpoint the events the addition replaces (those of
    ``candidates``, row ids the new files hold, and of the dropped files) with their
    evidence links, and the data set's description; returns the IRIs of the events
    removed. The summaries stay: `Recount` rewrites the ones the addition changes.
    ``columns``: a ``records.ColumnTexts`` of the store the checkpoint is of (the same
    graph: nothing is written to the checkpoint before this)."""
    import pyoxigraph as ox

    graph = ns.dataset_graph(dataset)
    g = ox.NamedNode(graph)
    event_ns = ns.dataset_ns(dataset, "event")
    gone: set[str] = set()
    for f in dropped_files:
        gone.update(q.subject.value for q in stage.quads_for_pattern(
            None, ox.NamedNode(IMPORTED_FROM[1:-1]), ox.NamedNode(f), g))
    gone.update(column_values(stage, graph, SOURCE_RECORD[1:-1], (event_ns + row_id for row_id in candidates),
                              columns))
    skg = ns.SKG
    nodes = " ".join(f"<{n}>" for n in (ns.DATASET + dataset, *dropped_files))
    stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {nodes} }} "
                 f"GRAPH <{graph}> {{ ?s ?p ?o }} }}")  # the data set's description, the dropped files
    for chunk in _chunks(sorted(gone), 2_000):
        values = " ".join(f"<{e}>" for e in chunk)
        stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?e ?p ?o }} }} WHERE {{ VALUES ?e {{ {values} }} "
                     f"GRAPH <{graph}> {{ ?e ?p ?o }} }}")
        stage.update(f"DELETE {{ GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }} WHERE {{ VALUES ?e {{ {values} }} "
                     f"GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }}")
    return gone


class Recount:
    """The summaries an addition changes, counted again; the rest of the data set's
    summaries, pair-years and year index stay in the staged checkpoint as they are.

    A summary changes when a new row counts into it or one of its events went (replaced,
    or of a dropped file). ``chunks()`` (run once every new row is mapped, so that
    ``mapper.summaries`` holds the new rows' counts) leaves in ``mapper.summaries`` exactly
    the changed summaries with their new totals: a summary none of whose events went is
    its stored totals plus the new rows'; one that lost events is counted again from its
    remaining evidence links in the live store (the links stay in the staged one). It
    yields the quads of the events `prune` removed that no new row replaced (a bad or
    filtered-out row), with their evidence links. ``settle(stage)`` then removes from the
    staged store what ``mapper.closing`` writes again: the changed summaries but their
    evidence links, their pair-years, the lines of their years in the year index (the
    other pairs' lines are kept in ``mapper.kept_answers``), and the summaries, pair-years
    and direct triples left with no event. So an addition costs its own rows and the
    summaries they touch, not the data set. ``mapper.kept_events`` ends as the number of
    earlier events kept (the stored row count, less the events removed), and
    ``mapper.kept_statements`` as the number of summaries left as they were."""

    def __init__(self, live, dataset: str, mapper: Mapper, gone: set[str], replaced: Callable[[str], bool],
                 dropped_files: set[str]) -> None:
        self.live, self.dataset, self.mapper = live, dataset, mapper
        self.gone, self.replaced, self.dropped_files = gone, replaced, dropped_files
        self.deletions: list[str] = []  # N-Triples lines of the staged graph to remove

    def chunks(self) -> Iterator[bytes]:
        import pyoxigraph as ox

        live, dataset, mapper, gone = self.live.store, self.dataset, self.mapper, self.gone
        graph = ns.dataset_graph(dataset)
        g = ox.NamedNode(graph)
        event_ns = ns.dataset_ns(dataset, "event")
        skg = ns.SKG
        from_dropped: set[str] = set()
        for f in self.dropped_files:
            from_dropped.update(q.subject.value for q in live.quads_for_pattern(
                None, ox.NamedNode(IMPORTED_FROM[1:-1]), ox.NamedNode(f), g))
        back = {e for e in gone if e not in from_dropped and not self.replaced(e[len(event_ns):])}
        fresh = set(mapper.summaries)  # the new rows' summaries, counted already
        # the summaries that lost events: counted again from their remaining evidence links
        touched: set[str] = set()
        for chunk in _chunks(sorted(gone), 2_000):
            values = " ".join(f"<{e}>" for e in chunk)
            touched.update(r["s"].value for r in live.query(
                f"SELECT DISTINCT ?s WHERE {{ VALUES ?e {{ {values} }} GRAPH <{graph}> {{ ?s <{skg}evidence> ?e }} }}"))
        out: list[str] = []
        keys: dict[str, tuple[str, str, str, int]] = {}  # stored summary -> its key
        for chunk in _chunks(sorted(touched), 2_000):
            values = " ".join(f"<{t}>" for t in chunk)
            for row in live.query(
                f"SELECT ?s ?a ?p ?b ?ss WHERE {{ VALUES ?s {{ {values} }} GRAPH <{graph}> {{ "
                f"?s <{skg}subject> ?a ; <{skg}predicate> ?p ; <{skg}object> ?b ; <{skg}start> ?ss }} }}"
            ):
                keys[row["s"].value] = (row["a"].value, row["p"].value, row["b"].value, int(row["ss"].value[:4]))
            for row in live.query(
                f"SELECT ?s ?e ?start ?end ?fat WHERE {{ VALUES ?s {{ {values} }} GRAPH <{graph}> {{ "
                f"?s <{skg}evidence> ?e . ?e <{skg}start> ?start ; <{skg}end> ?end . "
                f"OPTIONAL {{ ?e <{skg}fatalities> ?fat }} }} }}"
            ):
                e = row["e"].value
                if e in gone and e not in back:
                    continue
                fat = row["fat"]
                quad = mapper.count(keys[row["s"].value], f"<{e}>", date.fromisoformat(row["start"].value),
                                    date.fromisoformat(row["end"].value), int(fat.value) if fat is not None else None)
                if e in back:
                    out.append(quad)
        # the new rows' summaries that lost no event: their stored totals, added to the new rows'
        stored: dict[str, tuple[str, str, str, int]] = {}
        count_p, fat_p = ox.NamedNode(f"{skg}eventCount"), ox.NamedNode(f"{skg}fatalities")
        start_p, end_p = ox.NamedNode(f"{skg}start"), ox.NamedNode(f"{skg}end")
        for key in fresh:
            summary = mapper.summaries[key]
            iri = summary.iri[1:-1]
            if iri in touched:
                continue
            node = ox.NamedNode(iri)
            values = {q.predicate.value: q.object.value for q in live.quads_for_pattern(node, None, None, g)
                      if q.predicate in (count_p, fat_p, start_p, end_p)}
            if not values:
                continue  # a pair and year the data set did not have
            stored[iri] = key
            summary.first = min(summary.first, date.fromisoformat(values[start_p.value]))
            summary.last = max(summary.last, date.fromisoformat(values[end_p.value]))
            summary.events += int(values[count_p.value])
            summary.fatalities += int(values.get(fat_p.value, 0))
        for e in back:
            out.extend(f"{q} .\n" for q in live.quads_for_pattern(ox.NamedNode(e), None, None, g))
        self._plan_deletions(live, g, {**stored, **keys})
        rows = [r for r in self.live.select(
            f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ <{ns.DATASET}{dataset}> <{skg}rowCount> ?n }} }}")]
        if rows:
            earlier = int(rows[0]["n"])
        else:  # a description without its count: count the events
            record = ox.NamedNode(SOURCE_RECORD[1:-1])
            earlier = sum(1 for _ in live.quads_for_pattern(None, record, None, g))
        mapper.kept_events = earlier - len(gone) + len(back)
        for chunk in _chunks(out, CHUNK_QUADS):
            yield "".join(chunk).encode()

    def _plan_deletions(self, live, g, changed: dict[str, tuple[str, str, str, int]]) -> None:
        """What ``settle`` removes, read from the live store: ``changed`` maps each stored
        summary being rewritten or emptied to its key."""
        import pyoxigraph as ox

        mapper, skg = self.mapper, ns.SKG
        evidence = ox.NamedNode(f"{skg}evidence")
        index = Summariser(mapper.graph, as_of=date.today(), symmetric=())
        lines: list[str] = []
        years: set[int] = set()
        rewritten: set[str] = set()  # pair-year IRIs
        emptied: dict[tuple[str, str, str], set[str]] = {}  # pair -> its summaries left with no event
        for iri, key in changed.items():
            lines.extend(f"{q.subject} {q.predicate} {q.object} ." for q in
                         live.quads_for_pattern(ox.NamedNode(iri), None, None, g) if q.predicate != evidence)
            pair_year = index.iri(key)
            lines.extend(f"{q.subject} {q.predicate} {q.object} ." for q in
                         live.quads_for_pattern(ox.NamedNode(pair_year), None, None, g))
            rewritten.add(pair_year)
            if key[1] == FOUGHT:
                years.add(key[3])
            if key not in mapper.summaries:
                emptied.setdefault(key[:3], set()).add(iri)
        for key in mapper.summaries:
            if key[1] == FOUGHT:
                years.add(key[3])
        # the pairs left with no summary of any year lose their direct triple
        subject_p, predicate_p, object_p = (ox.NamedNode(f"{skg}{p}") for p in ("subject", "predicate", "object"))
        for (a, relation, b), empty in emptied.items():
            others = {q.subject.value for q in live.quads_for_pattern(None, subject_p, ox.NamedNode(a), g)}
            others &= {q.subject.value for q in live.quads_for_pattern(None, object_p, ox.NamedNode(b), g)}
            others &= {q.subject.value for q in live.quads_for_pattern(None, predicate_p, ox.NamedNode(relation), g)}
            left = (others - empty) or any(k[:3] == (a, relation, b) for k in mapper.summaries)
            if not left:
                lines.append(f"<{a}> <{relation}> <{b}> .")
        # the year index: the years of the changed pairs are written again, with the other pairs' lines
        tag = mapper.graph.removeprefix(ns.GRAPH).replace("/", ".")
        answers_p = ox.NamedNode(f"{skg}pairAnswers")
        for year in years:
            node = ox.NamedNode(f"{YEAR_INDEX}{tag}/{year}")
            for q in live.quads_for_pattern(node, None, None, g):
                lines.append(f"{q.subject} {q.predicate} {q.object} .")
                if q.predicate == answers_p:
                    kept = [line for line in q.object.value.split("\n")
                            if line and line.split("\t", 1)[0] not in rewritten]
                    if kept:
                        mapper.kept_answers[year] = kept
        self.deletions = lines
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g.value}> {{ ?s a <{skg}Statement> }} }}"
        stored = int(next(iter(live.query(count)))[0].value)  # counted in the engine: no quad made in Python
        mapper.kept_statements = stored - len(changed)

    def settle(self, stage) -> None:
        """Remove from the staged store what ``mapper.closing`` writes again (after every
        new row is loaded, before the closing quads are)."""
        graph = ns.dataset_graph(self.dataset)
        for chunk in _chunks(self.deletions, 5_000):
            stage.update(f"DELETE DATA {{ GRAPH <{graph}> {{ {' '.join(chunk)} }} }}")


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
