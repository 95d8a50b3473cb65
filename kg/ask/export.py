"""Writing the built graph in the standard RDF formats, deterministically."""

from __future__ import annotations

from kg.errors import UsageError
from kg.graph import namespaces as ns
from kg.output_files import write_atomically  # noqa: F401  (kg build -o, kg export -o, kg viz -o)

# The events for GIS and ACLED scripts (kg.ask.gis): GeoJSON, and a CSV in ACLED's columns
GIS_FORMATS = ("geojson", "acled-csv")
RDF_EXPORT_FORMATS = {"ttl": "TURTLE", "trig": "TRIG", "nq": "N_QUADS", "nt": "N_TRIPLES", "jsonld": "JSON_LD"}


def serialize(quads, fmt: str) -> bytes:
    """Sorted quads in one RDF format: the same graph always gives the same bytes.

    Turtle and N-Triples hold one graph, so the named graphs are merged.
    """
    import pyoxigraph as ox

    from kg.graph.build import sort_quads

    if fmt not in RDF_EXPORT_FORMATS:
        raise UsageError(f"unknown format '{fmt}'; expected one of: {', '.join(RDF_EXPORT_FORMATS)}")
    rdf_format = getattr(ox.RdfFormat, RDF_EXPORT_FORMATS[fmt])
    quads = sort_quads(quads)
    if fmt in ("ttl", "nt"):
        triples = []
        seen = set()
        for q in quads:
            t = ox.Triple(q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                triples.append(t)
        return ox.serialize(triples, format=rdf_format, prefixes=ns.PREFIXES)
    return ox.serialize(quads, format=rdf_format, prefixes=ns.PREFIXES)


def export(fmt: str = "trig", graphs: list[str] | None = None, store=None) -> bytes:
    """The built graph (all named graphs, or the given data sets) in ``fmt``.

    ``graphml``, ``gexf`` (for Gephi) and ``csv`` (an edge list with periods)
    export the actor network instead (see ``kg.ask.network.export_network``); ``geojson`` and
    ``acled-csv`` one data set's events, places and regions (see ``kg.ask.gis``). The RDF
    formats keep each node's ``owl:sameAs`` link to its Wikidata item, so a federated
    query can join Wikidata (``SERVICE <https://query.wikidata.org/sparql>``).
    """
    from kg.store.cache import or_default

    store = or_default(store)
    if fmt in GIS_FORMATS:
        from kg.ask import gis

        if graphs and len(graphs) != 1:
            raise UsageError(f"--format {fmt} writes one data set's events: give one --graph (default: curated)")
        return (gis.geojson if fmt == "geojson" else gis.acled_csv)(graphs[0] if graphs else "curated", store)
    if fmt in ("graphml", "gexf", "csv"):
        from kg.ask.network import export_network

        if graphs:
            raise UsageError("--graph applies to the RDF formats; graphml, gexf and csv hold the whole network")
        return export_network(fmt, store)
    names = store.graphs()
    if graphs:
        wanted = [ns.dataset_graph(g) for g in graphs]
        unknown = [g for g, iri in zip(graphs, wanted) if iri not in names]
        if unknown:
            have = ", ".join(ns.local_id(n) for n in names)
            raise UsageError(f"no graph named {', '.join(unknown)}; the store holds: {have}")
        names = wanted
    quads = [q for name in names for q in store.quads(name)]
    return serialize(quads, fmt)
