"""The interactive HTML page of the graph (``kg viz``): one self-contained file.

The network (``network.py``) becomes a pyvis ``Network`` whose ``nodes`` and
``edges`` lists are filled directly (pyvis's ``add_node``/``add_edge`` scan for
duplicates and take minutes on large graphs), then the project's own template
(``kg/templates/viz.html``) renders it. pyvis's templates load vis-network,
bootstrap and tom-select from a CDN or a ``lib/`` folder written beside the page;
ours inlines the vis-network that the pyvis package carries, so the page works
from ``file://`` with the network cut off.

Positions are computed here with networkx, so the page is usable the moment it
opens (no physics simulation in the browser). Every relation carries the years
it was valid, so the page's time slider needs no server. Text from the data is
never put into the page as markup: it travels as JSON (with ``<``, ``>`` and
``&`` escaped) and the page inserts it with ``textContent``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.ask.network import ENEMY_RELATIONS, FRIEND_RELATIONS, blocs, edge_period, label, network
from kg.errors import UsageError
from kg.explore.styles import page_sources, safe_json, style
from kg.explore.words import Words
from kg.messages import DEFAULT as DEFAULT_LANG

if TYPE_CHECKING:
    import networkx as nx
    from pyvis.network import Network

VIS_VERSION = "9.1.2"
DEFAULT_TITLE = "Sahel conflicts: who fought whom, and when"  # the catalogue's title_default, in English


@cache
def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from the pyvis package, safe to inline in <script>/<style>."""
    lib = resources.files("pyvis").joinpath("templates", "lib", f"vis-{VIS_VERSION}")
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = _unused_css_left_out(lib.joinpath("vis-network.css").read_text(encoding="utf-8"))
    return _no_closing_tag(js, "script"), _no_closing_tag(css, "style")


# vis-network's parts the page never turns on (navigation buttons, the editing toolbar, the
# configurator): their CSS rules are 210 of the stylesheet's 220 kB (icons as data: URLs)
_UNUSED_VIS_CSS = ("vis-navigation", "vis-manipulation", "vis-edit-mode", "vis-close", "vis-configuration",
                   "vis-color-picker")


def _unused_css_left_out(css: str) -> str:
    """vis-network's stylesheet without the rules of the parts the page does not use."""
    import re

    kept = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if not any(name in selectors for name in _UNUSED_VIS_CSS):
            kept.append(f"{selectors.strip()}{{{body}}}")
    return "\n".join(kept)


def _no_closing_tag(text: str, tag: str) -> str:
    import re

    return re.sub(rf"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


# -- layout --------------------------------------------------------------------


def bloc_of(g: nx.MultiDiGraph) -> dict[str, int]:
    """Each actor's bloc (1 = the largest), as ``kg analyze`` finds them: allies together,
    enemies apart. Actors in no bloc (no ally and no enemy) are left out."""
    groups, _exceptions = blocs(g)
    return {n: i + 1 for i, members in enumerate(groups) for n in members}


def _weights(g: nx.MultiDiGraph) -> dict[frozenset, float]:
    """How strongly each related pair pulls together in the layout: allies most, enemies least."""
    out: dict[frozenset, float] = {}
    for a, b, d in g.edges(data=True):
        if a == b:
            continue
        w = 3.0 if d["relation"] in FRIEND_RELATIONS else 0.15 if d["relation"] in ENEMY_RELATIONS else 1.0
        pair = frozenset((a, b))
        out[pair] = max(out.get(pair, 0.0), w)
    return out


def layout(g: nx.MultiDiGraph, seed: int = 7, bloc: dict[str, int] | None = None) -> dict[str, tuple[float, float]]:
    """Pixel positions: the main component by force layout, small pieces in rows below it.

    Allies pull hard and enemies barely (``_weights``), and each bloc of ``bloc``
    (:func:`bloc_of`) starts around its own point of a circle, so blocs settle
    apart and the picture is the same each time. Up to 400 nodes: a weighted spring
    layout refined by ForceAtlas2 with node sizes (which opens up the dense hubs so
    their labels can be read), networkx's steps as matrix products (``_spring``,
    ``_forceatlas2``); beyond, a sampled Fruchterman-Reingold (networkx's layouts take
    12-16 s for 2,000 nodes). Deterministic for a given seed, in every process.
    """
    import networkx as nx
    import numpy as np

    weights = _weights(g)
    u = nx.Graph()
    u.add_nodes_from(sorted(g.nodes))
    u.add_edges_from((a, b, {"weight": weights.get(frozenset((a, b)), 1.0)}) for a, b in g.edges() if a != b)
    comps = sorted((sorted(c) for c in nx.connected_components(u)), key=lambda c: (-len(c), c))
    pos: dict[str, tuple[float, float]] = {}
    if not comps:
        return pos
    main = u.subgraph(comps[0])
    n = main.number_of_nodes()
    if n == 1:
        raw = {comps[0][0]: (0.0, 0.0)}
    elif n <= 400:
        rng = np.random.default_rng(seed)
        bloc = bloc or {}
        count = max([b for b in bloc.values()] + [1])
        start = {}
        for v in comps[0]:  # each bloc around its own point; the rest near the middle
            b = bloc.get(v)
            angle = 2 * math.pi * ((b or 0) - 1) / count
            r = 1.0 if b else 0.0
            start[v] = (r * math.cos(angle) + rng.normal(0, 0.3), r * math.sin(angle) + rng.normal(0, 0.3))
        order = comps[0]  # sorted: a subgraph's own order may be its node set's (hash-seeded)
        adjacency = nx.to_numpy_array(main, nodelist=order, weight="weight")
        at = _spring(adjacency, np.array([start[v] for v in order], dtype=float), iterations=100)
        mass = np.array([main.degree(v) + 1 for v in order], dtype=float)
        sizes = 1 + np.sqrt(mass - 1)  # keeps big nodes from overlapping
        at = _forceatlas2(adjacency, at, mass, sizes, iterations=300, scaling_ratio=4.0, gravity=1.0)
        raw = {v: (float(at[i, 0]), float(at[i, 1])) for i, v in enumerate(order)}
    else:
        raw = _sampled_force_layout(_in_order(u, comps[0]), seed)
    radius = 75 * math.sqrt(n)
    xs = [p[0] for p in raw.values()]
    ys = [p[1] for p in raw.values()]
    span_x, span_y = max(max(xs) - min(xs), 1e-9), max(max(ys) - min(ys), 1e-9)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    for node, (x, y) in raw.items():  # wider than tall, like a screen
        pos[node] = ((x - cx) / span_x * 2.6 * radius, (y - cy) / span_y * 2 * radius)
    # the rest: small components side by side, then isolated nodes in a grid, below
    top = max(y for _x, y in pos.values()) + 160
    left = -radius
    x, y, row_height = left, top, 0.0
    for comp in comps[1:]:
        if len(comp) == 1:
            continue
        sub = nx.spring_layout(_in_order(u, comp), seed=seed) if len(comp) > 2 else {comp[0]: (-0.5, 0), comp[1]: (0.5, 0)}
        size = 90 * math.sqrt(len(comp))
        if x + size > radius:
            x, y = left, y + row_height + 80
            row_height = 0.0
        for node, (px, py) in sub.items():
            pos[node] = (x + (px + 1) / 2 * size, y + (py + 1) / 2 * size * 0.6)
        x += size + 80
        row_height = max(row_height, size * 0.6)
    singles = [c[0] for c in comps[1:] if len(c) == 1]
    if singles:
        y += row_height + 90
        per_row = max(1, int(2 * radius // 140) + 1)
        for i, node in enumerate(singles):
            pos[node] = (left + (i % per_row) * 140, y + (i // per_row) * 70)
    return pos


def _in_order(u: nx.Graph, nodes: list[str]) -> nx.Graph:
    """The subgraph of ``nodes`` holding them in that order. ``u.subgraph`` of a small part
    iterates its node set, whose order changes from one process to the next (string hashes):
    the small components' layout moved by up to 47 px between two runs of the same page."""
    import networkx as nx

    h = nx.Graph()
    h.add_nodes_from(nodes)
    h.add_edges_from(u.subgraph(nodes).edges(data=True))
    return h


# networkx's spring_layout and forceatlas2_layout (3.x), step for step, on the x and y columns
# as matrix products: networkx's (n, n, 2) arrays and einsums took 4 s of the first page of a
# 100,000-row import for 391 nodes. The same forces, speeds and stops; only the order of the
# sums differs (last bits of a float).


def _spring(adjacency, pos, iterations: int = 50, threshold: float = 1e-4):
    """Fruchterman-Reingold as ``nx.spring_layout(G, pos=..., iterations=...)`` with every node
    placed (its dense path, under 500 nodes), rescaled as it does: mean 0, largest coordinate 1."""
    import networkx as nx
    import numpy as np

    pos = pos.copy()
    n = len(pos)
    k = math.sqrt(1.0 / n)
    t = max(np.ptp(pos[:, 0]), np.ptp(pos[:, 1])) * 0.1
    dt = t / (iterations + 1)
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        distance = np.sqrt(dx * dx + dy * dy)
        np.clip(distance, 0.01, None, out=distance)
        w = k * k / distance**2 - adjacency * distance / k
        displacement = pos * w.sum(1)[:, None] - w @ pos  # sum over j of w_ij (p_i - p_j)
        length = np.clip(np.sqrt((displacement**2).sum(1)), 0.01, None)
        step = displacement * (t / length)[:, None]
        pos += step
        t -= dt
        if np.sqrt((step**2).sum()) / n < threshold:
            break
    return nx.rescale_layout(pos, scale=1)


def _forceatlas2(adjacency, pos, mass, size, iterations: int = 100, scaling_ratio: float = 2.0,
                 gravity: float = 1.0):
    """ForceAtlas2 as ``nx.forceatlas2_layout(G, pos=..., node_size=..., weight=...)``: node masses
    degree + 1, sizes adjusted (no overlap), no linlog, no strong gravity, no distributed action."""
    import numpy as np

    pos = pos.copy()
    n = len(pos)
    masses = np.outer(mass, mass)
    np.fill_diagonal(masses, 0)
    reach = size[:, None] + size[None]
    degree = adjacency.sum(1)[:, None]
    speed, efficiency, swing, traction = 1.0, 1.0, 1.0, 1.0
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        gap = np.sqrt(dx * dx + dy * dy) - reach
        d2 = gap * gap
        np.fill_diagonal(d2, 1)
        factor = (masses / d2) * scaling_ratio
        attraction = adjacency @ pos - degree * pos  # -sum over j of a_ij (p_i - p_j)
        repulsion = pos * factor.sum(1)[:, None] - factor @ pos
        centred = pos - pos.mean(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = centred / np.sqrt((centred**2).sum(1))[:, None]
        gravities = -gravity * mass[:, None] * np.nan_to_num(unit, nan=0)
        update = attraction + repulsion + gravities
        swing += (mass * np.sqrt(((pos - update) ** 2).sum(1))).sum()
        traction += (0.5 * mass * np.sqrt(((pos + update) ** 2).sum(1))).sum()
        speed, efficiency = _fa2_speed(n, swing, traction, speed, efficiency)
        df = np.sqrt((update**2).sum(1))
        f = 0.1 * speed / (1 + np.sqrt(speed * mass * df))
        f = np.minimum(f * df, 10.0) / df
        moved = update * f[:, None]
        pos += moved
        if abs(moved).sum() < 1e-10:
            break
    return pos


def _fa2_speed(n: int, swing: float, traction: float, speed: float, efficiency: float) -> tuple[float, float]:
    """networkx's ``estimate_factor`` of ForceAtlas2 (jitter tolerance 1)."""
    opt_jitter = 0.05 * math.sqrt(n)
    jitter = max(math.sqrt(opt_jitter), min(10, opt_jitter * traction / n**2))
    if swing / traction > 2.0:
        if efficiency > 0.05:
            efficiency *= 0.5
        jitter = max(jitter, 1.0)
    target = math.inf if swing == 0 else jitter * efficiency * traction / swing
    if swing > jitter * traction:
        if efficiency > 0.05:
            efficiency *= 0.7
    elif speed < 1000:
        efficiency *= 1.3
    return speed + min(target - speed, 0.5 * speed), efficiency


def _sampled_force_layout(u: nx.Graph, seed: int, iterations: int = 100, sample: int = 200) -> dict:
    """Fruchterman-Reingold where each step repels every node from a random sample
    of the others (scaled up): O(n * sample + edges) per step instead of O(n^2)."""
    import numpy as np

    nodes = list(u)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2)) - 0.5
    edges = np.array([(index[a], index[b]) for a, b in u.edges()], dtype=np.int64).reshape(-1, 2)
    k = 1.0 / math.sqrt(n)
    step = 0.1
    cool = step / (iterations + 1)
    for _ in range(iterations):
        others = rng.choice(n, size=min(sample, n), replace=False)
        delta = pos[:, None, :] - pos[None, others, :]
        dist2 = np.maximum((delta**2).sum(-1), 1e-9)
        disp = (delta * (k * k / dist2)[..., None]).sum(1) * (n / len(others))
        d = pos[edges[:, 0]] - pos[edges[:, 1]]
        pull = d * (np.sqrt((d**2).sum(-1)) / k)[:, None]
        np.add.at(disp, edges[:, 0], -pull)
        np.add.at(disp, edges[:, 1], pull)
        disp -= pos * (0.5 * n * k)  # a little gravity keeps stray nodes near the centre
        length = np.maximum(np.sqrt((disp**2).sum(-1)), 1e-12)
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step -= cool
    return {v: (float(pos[i, 0]), float(pos[i, 1])) for i, v in enumerate(nodes)}


# -- nodes and edges -------------------------------------------------------------


def _node_style(d: dict, nodes: dict) -> tuple[str, dict]:
    if d.get("kind") == "place":
        return "place", nodes["place"]
    kind = d.get("type") or "other"
    if kind == "armed_group" and d.get("orientation") in ("jihadist", "separatist", "militia"):
        kind = f"armed_group/{d['orientation']}"
    return (kind, nodes[kind]) if kind in nodes else ("other", nodes["other"])


def _active(d: dict, words: Words) -> str | None:
    """'Active: 2017-03-02 – present', or for a person 'Born 1983; died 2021' (in the page's words)."""
    founded, dissolved = d.get("founded"), d.get("dissolved")
    if founded is None and dissolved is None:
        return None
    start = words.date(founded, d.get("founded_precision") or "Day") if founded else None
    end = words.date(dissolved, d.get("dissolved_precision") or "Day") if dissolved else None
    if d.get("type") == "person":
        if start and end:
            return words.t("person_born_died", born=start, died=end)
        return words.t("person_born", date=start) if start else words.t("person_died", date=end)
    return words.t("active", start=start or "?", end=end or words.t("active_present"))


def _spans(periods: list[tuple[int, int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for a, b in sorted(periods):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def pyvis_network(g: nx.MultiDiGraph, sources: dict[str, dict] | None = None, seed: int = 7,
                  words: Words | None = None) -> Network:
    """A pyvis Network of ``g``: one node per actor or place, one edge per pair and relation type.

    Statements and combat events of the same pair and type are merged into one
    edge that lists their periods and events; each node and edge also carries
    the fields the page's tooltips, legend and time slider use, written in ``words``'
    language (English by default; labels as ``g`` has them: see :func:`localize`).
    """
    from pyvis.network import Network

    sources = sources or {}
    words = words or Words()
    styles = words.style(style())
    as_of = g.graph.get("as_of")
    edge_styles = styles["edges"]
    merged: dict[tuple[str, str, str], dict] = {}
    for u, v, _k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[3]["start"], e[2])):
        a, b = (min(u, v), max(u, v)) if d.get("symmetric") else (u, v)
        edge = merged.setdefault((a, b, d["relation"]), {
            "from": a, "to": b, "relation": d["relation"], "relationLabel": d["relation_label"],
            "symmetric": bool(d.get("symmetric")),
            "periods": [], "items": [], "events": [], "eventYears": [], "years": [], "sources": set(), "certainty": set(), "statements": 0,
        })
        period = edge_period(d)
        last = (period.end or as_of or period.start).year
        edge["years"].append((period.start.year, last))
        if d["evidence"] == "event":
            edge["events"].append(f"{d['label'] or d.get('event')} ({words.period(period)})")
            edge["eventYears"].append(period.start.year)
        else:
            edge["statements"] += 1
            edge["periods"].append(words.period(period))
            edge["items"].append({  # for the actor timeline: the period at its precision, and its sources
                "s": period.start.isoformat(), "e": period.end.isoformat() if period.end else None,
                "sp": period.start_precision, "ep": period.end_precision if period.end else None,
                "text": words.period(period), "c": d.get("certainty"), "src": sorted(d.get("sources") or []),
            })
            if d.get("certainty"):
                edge["certainty"].add(d["certainty"])
        edge["sources"].update(d.get("sources") or [])

    degree: dict[str, set] = defaultdict(set)
    for a, b, _r in merged:
        if a != b:
            degree[a].add(b)
            degree[b].add(a)
    bloc = bloc_of(g)
    pos = layout(g, seed, bloc)
    net = Network(directed=True)
    nodes = []
    for n, d in sorted(g.nodes(data=True)):
        kind, st = _node_style(d, styles["nodes"])
        orientation = d.get("orientation")
        type_label = (words.t("type_orientation", type=st["label"], orientation=words.term("orientation", orientation, orientation))
                      if orientation and not kind.startswith("armed_group/") else st["label"])
        x, y = pos.get(n, (0.0, 0.0))
        nodes.append({
            "id": n, "label": d.get("label") or n, "shape": st["shape"],
            "color": st["color"],
            "value": len(degree[n]) + 1, "x": round(x, 1), "y": round(y, 1),
            "kind": kind, "typeLabel": type_label, "aliases": list(d.get("aliases") or []),
            "active": _active(d, words), "description": d.get("description"), "wikidata": d.get("wikidata"),
            # descriptions are English only: marked so, for a reader (and a screen reader) of another language
            "descriptionLang": DEFAULT_LANG if words.lang != DEFAULT_LANG and d.get("description") else None,
            "degree": len(degree[n]), "bloc": bloc.get(n),
            "founded": d["founded"].isoformat() if hasattr(d.get("founded"), "isoformat") else None,
        })
    edges = []
    relation_table: dict[str, dict] = {}
    for (a, b, relation), e in sorted(merged.items()):
        relation_table.setdefault(relation, {
            "label": e["relationLabel"], "symmetric": e["symmetric"], "color": edge_styles.get(relation, edge_styles["other"])["color"],
            "dashes": edge_styles.get(relation, edge_styles["other"]).get("dashes") or False,
            "arrow": bool(edge_styles.get(relation, edge_styles["other"]).get("arrow"))})
        st = edge_styles.get(relation, edge_styles["other"])
        count = len(e["events"]) + e["statements"]
        width = 1.5 + (min(6.0, 1.6 * math.log2(1 + len(e["events"]))) if relation == "fought" else 0.0)
        edges.append({  # the relation's label, colour, pattern and arrow: in the page's table of relations
            "id": f"{a}|{relation}|{b}", "from": a, "to": b, "relation": relation,
            "width": round(width, 2), "count": count,
            "periods": e["periods"], "items": e["items"], "events": e["events"], "eventYears": e["eventYears"],
            "spans": _spans(e["years"]),
            "certainty": ", ".join(words.term("certainty", c, c) for c in sorted(e["certainty"])) or None,
            "sources": sorted(e["sources"]),  # ids: the page's table of sources has their titles and publishers
        })
    net.nodes = nodes
    net.edges = edges
    net.relation_table = relation_table
    net.styles = styles
    return net


def _legend(net: Network) -> dict[str, list[dict]]:
    st = getattr(net, "styles", None) or style()
    node_counts: dict[str, int] = defaultdict(int)
    for n in net.nodes:
        node_counts[n["kind"]] += 1
    edge_counts: dict[str, int] = defaultdict(int)
    labels = {r: t["label"] for r, t in net.relation_table.items()}
    for e in net.edges:
        edge_counts[e["relation"]] += 1
    return {
        "nodes": [{"kind": k, "count": node_counts[k], **v} for k, v in st["nodes"].items() if node_counts.get(k)],
        "edges": [
            {"relation": r, "label": labels[r], "count": edge_counts[r], "color": s["color"],
             "dashes": s.get("dashes") or False, "arrow": bool(s.get("arrow"))}
            for r, s in [*st["edges"].items(), *((r, st["edges"]["other"]) for r in sorted(edge_counts)
                                                  if r not in st["edges"])]
            if edge_counts.get(r)
        ],
    }


def year_range(net: Network, as_of=None) -> tuple[int, int]:
    """The slider's years: from the year by which 5% of the relations had begun
    (so that a few old facts, "part of France since 1958", do not stretch it) to the last."""
    starts = sorted(s[0] for e in net.edges for s in e["spans"])
    ends = [s[1] for e in net.edges for s in e["spans"]]
    if not starts:
        year = as_of.year if as_of else 2025
        return year, year
    return starts[int(0.05 * (len(starts) - 1))], max(ends)


@cache
def _script(name: str) -> str:
    """One of the page's own scripts (``templates/map.js``, ``templates/timeline.js``), without its
    comments and indentation (rjsmin: a third less, 15 kB of a page's weight)."""
    import rjsmin

    text = resources.files("kg").joinpath("templates", name).read_text(encoding="utf-8")
    return _no_closing_tag(rjsmin.jsmin(text), "script")


# The page's data travels compact (issue 23: the page's weight): a field at its default is left
# out, and what follows from the rest is not written (an edge's id, its periods' text and its
# count; a node's colour, shape and type label, those of its kind in the legend, and its size,
# its degree + 1); a source is a row of ``SOURCE_FIELDS``, an edge's dated statement one of
# ``ITEM_FIELDS``. The page's script puts them back as it reads the block
# (``KGTimeline.unpack`` in templates/timeline.js), as :func:`unpack` does here.
PAGE_DEFAULTS: dict[str, dict[str, Any]] = {
    "node": {"aliases": [], "active": None, "description": None, "wikidata": None, "descriptionLang": None,
             "bloc": None, "founded": None},
    "edge": {"items": [], "events": [], "eventYears": [], "certainty": None, "sources": []},
    "item": {"e": None, "ep": None, "c": None, "src": []},
}
SOURCE_FIELDS = ("title", "url", "publisher", "date", "dateText")
ITEM_FIELDS = ("s", "e", "sp", "ep", "text", "c", "src")  # an edge's dated statement, as a row


def _without_defaults(row: dict, defaults: dict) -> dict:
    return {k: v for k, v in row.items() if not (k in defaults and v == defaults[k])}


def _packed_node(n: dict, kinds: dict[str, dict]) -> dict:
    out = _without_defaults(n, PAGE_DEFAULTS["node"])
    kind = kinds.get(n.get("kind"), {})
    for k, of_kind in (("color", "color"), ("shape", "shape"), ("typeLabel", "label")):
        if k in out and out[k] == kind.get(of_kind):
            del out[k]
    if out.get("value") == n.get("degree", -2) + 1:
        del out["value"]
    return out


def _packed_edge(e: dict) -> dict:
    items = [_row(it, ITEM_FIELDS, PAGE_DEFAULTS["item"]) for it in e.get("items", [])]
    out = _without_defaults({**e, "items": items} if items else e, PAGE_DEFAULTS["edge"])
    if out.get("id") == f"{e['from']}|{e['relation']}|{e['to']}":
        del out["id"]
    if out.get("periods") == [it["text"] for it in e.get("items", [])]:
        del out["periods"]
    if out.get("count") == len(e.get("events", [])) + len(e.get("items", [])):
        del out["count"]
    return out


def _row(x: dict, fields: tuple[str, ...], defaults: dict | None = None) -> list:
    """``x`` as a row of ``fields``: a value at its default as null, trailing nulls left out."""
    row = [None if defaults and f in defaults and x.get(f) == defaults[f] else x.get(f) for f in fields]
    while row and row[-1] is None:
        row.pop()
    return row


def _from_row(row: list, fields: tuple[str, ...], defaults: dict) -> dict:
    import copy

    out = {f: row[i] for i, f in enumerate(fields) if i < len(row) and row[i] is not None}
    for k, v in defaults.items():
        out.setdefault(k, copy.copy(v))
    return out


def _packed_source(s: dict) -> list:
    return _row(s, SOURCE_FIELDS)


def unpack(data: dict[str, Any]) -> dict[str, Any]:
    """A page's data block (``page_data``) as the page's script reads it, every field in place
    (for tests and notebooks reading a page; the page does the same in ``KGTimeline.unpack``)."""
    import copy

    defaults = data.get("defaults") or PAGE_DEFAULTS
    fields = data.get("fields") or {"item": ITEM_FIELDS, "source": SOURCE_FIELDS}
    kinds = {k["kind"]: k for k in data.get("legend", {}).get("nodes", [])}
    for n in data.get("nodes", []):
        for k, v in defaults["node"].items():
            n.setdefault(k, copy.copy(v))
        for k, of_kind in (("color", "color"), ("shape", "shape"), ("typeLabel", "label")):
            if k not in n and n.get("kind") in kinds:
                n[k] = kinds[n["kind"]][of_kind]
        if "value" not in n and "degree" in n:
            n["value"] = n["degree"] + 1
    for e in data.get("edges", []):
        for k, v in defaults["edge"].items():
            e.setdefault(k, copy.copy(v))
        e["items"] = [_from_row(it, fields["item"], defaults["item"]) if isinstance(it, list) else it for it in e["items"]]
        e.setdefault("id", f"{e['from']}|{e['relation']}|{e['to']}")
        e.setdefault("periods", [it["text"] for it in e["items"]])
        e.setdefault("count", len(e["events"]) + len(e["items"]))
    data["sources"] = {k: ({f: (row[i] if i < len(row) else None) for i, f in enumerate(fields["source"])
                            if i < 4 or i < len(row)} if isinstance(row, list) else row)
                       for k, row in data.get("sources", {}).items()}
    return data


def page_data(net: Network, *, as_of=None, initial_year: int | None = None, years: tuple[int, int] | None = None,
              map_data: dict | None = None, sources: dict[str, dict] | None = None,
              map_meta: dict | None = None, words: Words | None = None) -> dict[str, Any]:
    """What the page's script reads at once: nodes, edges, legend, slider years, the sources
    and the messages of the page's language (``words``; English by default), compact
    (``PAGE_DEFAULTS``; :func:`unpack` gives every field back).

    The map (``map_data``, or its text with ``map_meta``: see ``render``) is not in it: the page
    reads it from its own block when first asked for. ``hasMap`` says there is one,
    ``firstEventYear`` where playing may start; the sources its events cite are in ``sources``.
    """
    from kg.explore.eventmap import sources_of

    first, last = years or year_range(net, as_of)
    if initial_year is not None:
        first, last = min(first, initial_year), max(last, initial_year)
    cited = {s for e in net.edges for it in e.get("items", []) for s in it["src"]} | {s for e in net.edges for s in e["sources"]}
    table = {s: (sources or {}).get(s, {"title": s, "url": None}) for s in sorted(cited)}
    if map_data is not None and map_meta is None:
        map_meta = {"firstYear": map_data.get("firstYear"), "sources": sources_of(map_data, sources or {})}
    if map_meta is not None:
        table.update(map_meta["sources"])
    legend = _legend(net)
    kinds = {k["kind"]: k for k in legend["nodes"]}
    return {  # compact: see PAGE_DEFAULTS
        "nodes": [_packed_node(n, kinds) for n in net.nodes], "edges": [_packed_edge(e) for e in net.edges],
        "defaults": PAGE_DEFAULTS, "fields": {"item": ITEM_FIELDS, "source": SOURCE_FIELDS}, "relations": net.relation_table, "legend": legend, "years": [first, last],
        "initialYear": initial_year, "asOf": as_of.isoformat() if as_of else None,
        "sources": {k: _packed_source(v) for k, v in sorted(table.items())}, "hasMap": map_meta is not None,
        "firstEventYear": map_meta["firstYear"] if map_meta else None, "messages": (words or Words()).page(),
    }


def render(net: Network, *, title: str = DEFAULT_TITLE, as_of=None, initial_year: int | None = None,
           years: tuple[int, int] | None = None, map_data: dict | None = None,
           sources: dict[str, dict] | None = None, template: str = "viz.html", extra: dict | None = None,
           view: str = "network", map_text: tuple[str, dict] | None = None, words: Words | None = None) -> str:
    """The self-contained HTML page of a pyvis Network made by :func:`pyvis_network`.

    ``map_data`` (:func:`kg.explore.eventmap.map_data`), or ``map_text`` (its JSON text and
    what the page needs of it at once: :func:`kg.explore.eventmap.map_json`) adds the map view,
    in a block of its own that the page parses only when the map or a timeline asks for it;
    ``sources`` the titles and links the timeline's tooltips show. ``template`` and ``extra`` let
    ``kg timeline --format html`` reuse the same data and scripts in its own page. ``words``: the
    page's language (:class:`kg.explore.words.Words`), English by default; the map's data or
    text must be made in the same language.
    """
    import jinja2

    words = words or Words()
    meta = map_text[1] if map_text else None
    data = page_data(net, as_of=as_of, initial_year=initial_year, years=years, map_data=map_data, sources=sources,
                     map_meta=meta, words=words)
    data["initialView"] = view
    data.update(extra or {})
    map_json = map_text[0] if map_text else safe_json(map_data) if map_data is not None else "null"
    text = resources.files("kg").joinpath("templates", template).read_text(encoding="utf-8")
    from markupsafe import Markup

    env = jinja2.Environment(autoescape=True)
    js, css = _vis_assets()
    # the title is escaped by the template; the JS, CSS and JSON are made safe above
    return env.from_string(text).render(
        title=title, heading=title, m=data["messages"], vis_version=VIS_VERSION,
        vis_js=Markup(js), vis_css=Markup(css), data_json=Markup(safe_json(data)), map_json=Markup(map_json),
        map_js=Markup(_script("map.js")), timeline_js=Markup(_script("timeline.js")),
        plural_rule=Markup(words.plural_rule),  # checked by gettext.c2py: n, numbers and C operators only
    )


def viz(
    output: str | Path | None = None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    focus: str | None = None,
    depth: int = 1,
    relations: list[str] | None = None,
    title: str | None = None,
    view: str = "network",
    lang: str | None = None,
    store=None,
) -> dict[str, Any]:
    """Make the interactive page; write it to ``output`` (atomically) when given.

    ``year`` or ``start``/``end`` keep the relations valid then; ``focus`` (a
    name or alias) and ``depth`` keep an actor and its neighbours up to that
    many steps; ``relations`` keeps only those relation types; ``view`` is the view the
    page opens on ("network" or "map"); ``lang`` its language ("fr"; default ``$KG_LANG``, else
    English): the catalogue's words, the graph's labels in that language (English where it has
    none), dates as the language writes them. Returns the
    page (``html``), its node and edge counts and the path written.
    """
    import networkx as nx

    from kg.ask.export import write_atomically
    from kg.store.cache import or_default

    store = or_default(store)
    if depth < 1:
        raise UsageError(f"--depth must be 1 or more, got {depth}")
    if view not in ("network", "map"):
        raise UsageError(f"view must be 'network' or 'map', got {view!r}")
    words = page_words(lang, store)
    sources = localize_sources(page_sources(store), words)
    making_map = None
    if not focus and getattr(store, "name", None) == "oxigraph":
        from kg.ask.network import _window, check_relations

        _window(year, start, end), check_relations(relations)  # a user's mistake said before any work starts
        making_map = _start_map(store, sources, words)
    g = localize(network(store, year=year, start=start, end=end, relations=relations), words)
    heading = title or words.t("title_default")
    if focus:
        from kg.graph import namespaces as ns
        from kg.store.names import resolve

        center = ns.local_id(resolve(focus, store))
        if center not in g:
            raise UsageError(f"{focus} has no relation in the window asked for")
        near = nx.ego_graph(g.to_undirected(as_view=True), center, radius=depth)
        g = g.subgraph(near.nodes).copy()
        heading = title or words.t("title_focus", name=label(g, center), n=depth)
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])  # actors with no relation at all
    if year is not None and not title:
        heading = words.t("title_year", title=heading, year=year)
    net = pyvis_network(g, sources, words=words)
    from kg.explore.eventmap import map_json, map_of

    if focus:
        html = render(net, title=heading, as_of=g.graph.get("as_of"), initial_year=year, sources=sources,
                      map_data=map_of(store, sources, participants={n["id"] for n in net.nodes}, words=words),
                      view=view, words=words)
    else:  # the whole map: made once per store and language, then copied
        text = making_map() if making_map is not None else map_json(store, sources, words=words)
        html = render(net, title=heading, as_of=g.graph.get("as_of"), initial_year=year, sources=sources,
                      map_text=text, view=view, words=words)
    if output is not None:
        write_atomically(Path(output), html.encode("utf-8"))
    return {"path": str(output) if output is not None else None, "nodes": len(net.nodes),
            "edges": len(net.edges), "html": html}


def _start_map(store, sources: dict[str, dict], words: Words):
    """The whole map's text (``eventmap.map_json``) being made beside the network: a callable
    that gives it.

    Kept beside the store: read now. Else a read-only store on disk has it made by a process of
    its own (``eventmap.map_json_child``): the first page of a 100,000-row import spends ~8 s of
    Python packing the map, which on a thread took turns with the network's Python for the GIL.
    A plain child process, not multiprocessing's spawn, which would run the caller's main
    script again in the child (a notebook's or a user's script without a ``__main__`` guard).
    Another Oxigraph store: on a thread (both mostly wait on Oxigraph, which lets go of the GIL;
    rdflib is not for threads)."""
    from concurrent.futures import ThreadPoolExecutor

    from kg.explore import eventmap

    kept = eventmap.kept_map_json(store, sources, words)
    if kept is not None:
        return lambda: kept
    if getattr(store, "path", None) is not None and not getattr(store, "writable", True):
        child = eventmap.start_map_child(store.path, sources, words)
        if child is not None:
            return lambda: eventmap.map_from_child(child) or eventmap.map_json(store, sources, words=words)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-map")
    making = pool.submit(eventmap.map_json, store, sources, words=words)
    pool.shutdown(wait=False)
    return making.result


def page_words(lang: str | None, store) -> Words:
    """The words of a page in ``lang`` (``--lang``; else ``$KG_LANG``; else English), with the
    graph's labels in that language."""
    from kg.ask.labels import labels
    from kg.messages import choose

    lang = choose(lang)
    return Words(lang, labels(lang, store) if lang != DEFAULT_LANG else {})


def localize(g: nx.MultiDiGraph, words: Words) -> nx.MultiDiGraph:
    """``g`` with the labels of its actors, places, events and relation types in ``words``'
    language, where the graph has one (English kept where not); the English label of a renamed
    node becomes one of its aliases, so the page's search still finds it."""
    if not words.labels:
        return g
    for n, d in g.nodes(data=True):
        found = words.label(n, d.get("label") or n)
        if found != d.get("label"):
            d["aliases"] = sorted({*(d.get("aliases") or []), *([d["label"]] if d.get("label") else [])})
            d["label"] = found
    for _u, _v, d in g.edges(data=True):
        d["relation_label"] = words.label("relation:" + d["relation"], d["relation_label"])
        if d.get("event") and d.get("label"):
            d["label"] = words.label(d["event"], d["label"])
    return g


def localize_sources(sources: dict[str, dict], words: Words) -> dict[str, dict]:
    """The sources with their dates as the page's language writes them (``dateText``); the
    ISO ``date`` stays, the page sorts by it."""
    if words.lang == DEFAULT_LANG:
        return sources
    out = {}
    for k, s in sources.items():
        d = s.get("date")
        precision = "Day" if d and len(d) >= 10 else "Month" if d and len(d) >= 7 else "Year"
        out[k] = {**s, "dateText": words.date(d, precision)} if d else s
    return out


def inline(html: str, height: int = 650):
    """Show a page inside a Jupyter notebook (an iframe holding the whole page)."""
    import warnings
    from html import escape

    from IPython.display import HTML

    frame = f'<iframe srcdoc="{escape(html, quote=True)}" style="width:100%;height:{int(height)}px;border:0"></iframe>'
    with warnings.catch_warnings():  # IPython suggests IFrame, which cannot hold a page inline
        warnings.simplefilter("ignore", UserWarning)
        return HTML(frame)
