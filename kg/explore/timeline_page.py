"""One actor's timeline drawn as a self-contained page (``kg timeline NAME --format html``):
the rows of :func:`kg.ask.timeline.timeline` as bars, with the same network and map data
as the ``kg viz`` page."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def timeline_page(name: str, output: str | Path | None = None, *, lang: str | None = None, store=None) -> dict[str, Any]:
    """One actor's timeline as a self-contained HTML page; written (atomically) to ``output`` when given,
    in ``lang`` ("fr"; default ``$KG_LANG``, else English) as ``kg viz`` writes it.

    Its relations come from the same network as ``kg viz`` (statements merged per
    pair and type, with their periods at their precision and their sources), its
    events from the map's data: the page and the panel cannot disagree.
    """
    from kg.ask.network import key, network
    from kg.explore import viz
    from kg.explore.eventmap import map_of
    from kg.explore.styles import page_sources
    from kg.explore.viz import localize, localize_sources, page_words
    from kg.output_files import write_atomically
    from kg.store.cache import or_default
    from kg.store.names import resolve

    store = or_default(store)
    center = key(resolve(name, store))
    words = page_words(lang, store)
    g = localize(network(store), words)
    sub = g.edge_subgraph([(u, v, k) for u, v, k in g.edges(keys=True) if center in (u, v)]).copy()
    if center not in sub:
        sub.add_node(center, **g.nodes[center]) if center in g else sub.add_node(center, label=name)
    sources = localize_sources(page_sources(store), words)
    net = viz.pyvis_network(sub, sources, words=words)
    labels = {n["id"]: n["label"] for n in net.nodes}
    events = map_of(store, sources, participants={center}, words=words)
    heading = words.t("timeline_of", name=labels.get(center, name))
    html = viz.render(net, title=heading, as_of=g.graph.get("as_of"), sources=sources, map_data=events,
                      template="timeline.html", extra={"focus": center}, words=words)
    if output is not None:
        write_atomically(Path(output), html.encode("utf-8"))
    return {"path": str(output) if output is not None else None, "actor": labels.get(center, name),
            "relations": sum(len(e["items"]) for e in net.edges), "events": len(events["events"]["id"]),
            "html": html}
