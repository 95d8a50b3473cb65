"""What data sets the store holds (``kg sources``) and removing one (``kg drop``)."""

from __future__ import annotations

from pathlib import Path

from kg.errors import UsageError
from kg.graph import namespaces as ns
from kg.store import cache, sparql
from kg.store import staging as stores
from kg.terminal import file_name

PROTECTED = ("curated", "ontology")
DERIVED = ("links",)  # made from the other graphs (kg.imports.links), not imported


def sources(data_dir: Path | None = None, store=None) -> list[dict]:
    """One row for the curated data and one per imported file: data set, file, events it holds
    now and the period of those events, rows skipped, when imported, the file's SHA-256
    (as sha256sum gives it), the content hash (file, options and names), and the share
    of actor mentions placed (all, and of armed groups and state forces)."""
    store = store or cache.open_store(data_dir)
    out = []
    now_held = {}
    for row in sparql.run(store, "datasets"):
        name = ns.local_id(row["graph"])
        if name not in PROTECTED and row["partOf"] is None and row["file"] is None and row["rows"] is not None:
            # a data set's own node: its files are listed instead (an import before files had nodes has no file)
            has_files = store.select(
                f"SELECT ?f WHERE {{ GRAPH <{row['graph']}> {{ ?f <{ns.DCTERMS}isPartOf> <{row['dataset']}> }} }} LIMIT 1")
            if has_files:
                continue
        rows = row["rows"]
        if rows is None:  # the curated data: count its statements and events
            rows = store.select(
                f"SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH <{row['graph']}> {{ ?x <{ns.SKG}start> ?s }} "
                f"FILTER NOT EXISTS {{ GRAPH <{row['graph']}> {{ ?x a <{ns.SKG}Dataset> }} }} }}"
            )[0]["n"]
        start, end = row["start"], row["end"] or row["asOf"]
        if row["partOf"] is not None:  # a file: the events it holds now (a later import may have replaced some)
            if name not in now_held:
                now_held[name] = {str(r["f"]): (r["n"], r["first"], r["last"]) for r in store.select(
                    f"SELECT ?f (COUNT(?e) AS ?n) (MIN(?s) AS ?first) (MAX(?t) AS ?last) WHERE {{ "
                    f"GRAPH <{row['graph']}> {{ ?e <{ns.SKG}importedFrom> ?f ; <{ns.SKG}start> ?s ; "
                    f"<{ns.SKG}end> ?t }} }} GROUP BY ?f")}
            rows, start, end = now_held[name].get(str(row["dataset"]), (0, None, None))
        out.append({
            "name": name,
            "label": row["label"],
            "file": row["file"] or ("data/*.csv" if name == "curated" else None),
            "rows": rows,
            "skipped": row["skipped"] or 0,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "imported": str(row["imported"]) if row["imported"] else None,
            "sha256": str(row["sha256"]) if row["sha256"] else None,
            "content_hash": row["hash"][:12] if row["hash"] else None,
            "placed": _share(row["placed"], row["mentions"]),
            "armed_placed": _share(row["armedPlaced"], row["armed"]),
            "graph": str(row["graph"]),
        })
    return out


def _share(part, whole) -> str | None:
    return f"{part / whole:.1%}" if whole else None


def drop(name: str, data_dir: Path | None = None, file: str | None = None, *, wait: bool = True) -> dict:
    """Remove one imported data set's graph, or one file of it (atomically, like an import);
    ``wait`` False fails at once if another kg process is writing the store."""
    from kg.imports.additions import stored_files

    if name in PROTECTED:
        raise UsageError(f"'{name}' is built from the curated files and cannot be dropped")
    if name in DERIVED:
        raise UsageError(f"'{name}' holds the incident links, made by kg link and every import; "
                         "run kg link to remake them")
    with stores.import_lock("kg drop", wait=wait):
        live = cache.open_store(data_dir)
        graph = ns.dataset_graph(name)
        loaded = [ns.local_id(g) for g in live.graphs() if ns.local_id(g) not in PROTECTED + DERIVED]
        if graph not in live.graphs():
            have = ", ".join(loaded) or "none"
            raise UsageError(f"no imported data set named '{name}'; imported: {have}")
        files = stored_files(live, name)
        if file is not None:
            file = file_name(file)  # as the import named it: bytes that are not UTF-8 written \xNN
            chosen = {iri for iri, f in files.items() if f["file"] == file}
            if not chosen:
                have = ", ".join(sorted(f["file"] for f in files.values())) or "none"
                raise UsageError(f"no file '{file}' in the data set '{name}'; its files: {have}")
            if len(chosen) < len(files):
                return _drop_file(live, name, graph, chosen, files, file)
        rows = live.select(
            f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ <{ns.DATASET}{name}> <{ns.SKG}rowCount> ?n }} }}"
        )
        with stores.Staging() as stage:
            stores.copy_graphs(live, stage.store, {graph})
            del live
            _prune_links(stage.store)
            stage.commit()
    return {"dropped": name, "graph": graph, "rows": rows[0]["n"] if rows else None, "file": file}


def _drop_file(live, name: str, graph: str, chosen: set[str], files: dict, file: str) -> dict:
    """Remove one file's events from a data set of several files; its summaries are counted again."""
    from kg.imports.additions import carry_over
    from kg.imports.importer import KINDS, _now
    from kg.imports.mapping import Mapper, curated_index
    from kg.imports.names import NameRules, StateFacts
    from kg.store.loading import ChunkLoader
    from kg.store.names import NameIndex

    names = curated_index(NameIndex.load(live))
    mapper = Mapper(name, names, NameRules(name, names, StateFacts(), []))
    kept = [f for iri, f in files.items() if iri not in chosen and f["first"]]
    with stores.Staging() as stage:
        loaders = ChunkLoader(lambda: stage.store).start()
        try:
            for chunk in carry_over(live, name, mapper, lambda _id: False, chosen):
                loaders.put(chunk)
            label, publisher = KINDS.get(name, (name, name))
            meta = {"label": label, "publisher": publisher, "imported": _now(), "events": mapper.kept_events,
                    "first": min((f["first"] for f in kept), default=None),
                    "last": max((f["last"] for f in kept), default=None)}
            loaders.put(mapper.closing(meta, []).encode())
            loaders.finish()
        finally:
            loaders.abandon()
        stores.copy_graphs(live, stage.store, {graph})
        del live
        _prune_links(stage.store)
        stage.commit()
    return {"dropped": name, "graph": graph, "rows": None, "file": file, "kept_events": mapper.kept_events}


def _prune_links(raw_store) -> None:
    """The incident links of the dropped events go with them."""
    from kg.imports.links import prune

    prune(raw_store)
