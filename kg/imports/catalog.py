"""What data sets the store holds (``kg sources``) and removing one (``kg drop``)."""

from __future__ import annotations

from pathlib import Path

from .. import cache, sparql
from .. import namespaces as ns
from ..errors import UsageError
from . import stores

PROTECTED = ("curated", "ontology")


def sources(data_dir: Path | None = None, store=None) -> list[dict]:
    """One row per data set: name, label, file, rows, skipped, period, imported, hash."""
    store = store or cache.open_store(data_dir)
    out = []
    for row in sparql.run(store, "datasets"):
        name = ns.local_id(row["graph"])
        rows = row["rows"]
        if rows is None:  # the curated data: count its statements and events
            rows = store.select(
                f"SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH <{row['graph']}> {{ ?x <{ns.SKG}start> ?s }} "
                f"FILTER NOT EXISTS {{ GRAPH <{row['graph']}> {{ ?x a <{ns.SKG}Dataset> }} }} }}"
            )[0]["n"]
        out.append({
            "name": name,
            "label": row["label"],
            "file": row["file"] or ("data/*.csv" if name == "curated" else None),
            "rows": rows,
            "skipped": row["skipped"] or 0,
            "from": row["start"].isoformat() if row["start"] else None,
            "to": (row["end"] or row["asOf"]).isoformat() if (row["end"] or row["asOf"]) else None,
            "imported": str(row["imported"]) if row["imported"] else None,
            "sha256": row["hash"][:12] if row["hash"] else None,
            "graph": str(row["graph"]),
        })
    return out


def drop(name: str, data_dir: Path | None = None, *, wait: bool = True) -> dict:
    """Remove one imported data set's graph (atomically, like an import); ``wait``
    False fails at once if another kg process is writing the store."""
    if name in PROTECTED:
        raise UsageError(f"'{name}' is built from the curated files and cannot be dropped")
    with stores.import_lock("kg drop", wait=wait):
        live = cache.open_store(data_dir)
        graph = ns.dataset_graph(name)
        loaded = [ns.local_id(g) for g in live.graphs() if ns.local_id(g) not in PROTECTED]
        if graph not in live.graphs():
            have = ", ".join(loaded) or "none"
            raise UsageError(f"no imported data set named '{name}'; imported: {have}")
        rows = live.select(
            f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ <{ns.DATASET}{name}> <{ns.SKG}rowCount> ?n }} }}"
        )
        with stores.Staging() as stage:
            stores.copy_graphs(live, stage.store, {graph})
            del live
            stage.commit()
    return {"dropped": name, "graph": graph, "rows": rows[0]["n"] if rows else None}
