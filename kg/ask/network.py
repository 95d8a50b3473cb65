"""The graph as a networkx network: for analysis (``kg analyze``), paths
(``kg path``), drawing (``kg viz``) and Gephi (``kg export --format graphml``).

One function, :func:`network`, turns the store into a ``networkx.MultiDiGraph``:
nodes are actors (and the places relations point at), keyed by their id
(``jnim``); every dated statement is an edge keyed by the statement's id, and
every combat event is a "fought" edge between each pair of actors on opposite
sides, keyed by the event's id. Edges keep the relation type, the period (as
``datetime.date``, ``end`` None for ongoing), its precision, the certainty and
the sources, so the network can be cut at any date later (:func:`snapshot`).

The data comes from the named queries ``network-nodes``, ``statements-in-window``
and ``network-events``: what the network holds a researcher can reproduce in SPARQL. The
whole graph's rows (no window) are kept beside a read-only store the first time
(``kg.store.event_table.kept_rows``) and read from there later.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from kg.errors import UsageError
from kg.graph import dates
from kg.graph import namespaces as ns
from kg.graph.dates import Period
from kg.store import sparql

if TYPE_CHECKING:
    import networkx as nx

# "On the same side" for blocs and structural balance; "fought" is the enemy relation.
FRIEND_RELATIONS = ("allied_with", "supports", "part_of", "acts_for", "affiliated_with")
ENEMY_RELATIONS = ("fought",)
NETWORK_FORMATS = ("graphml", "gexf", "csv")


def _window(year=None, start=None, end=None) -> Period | None:
    try:
        return dates.window(year, start, end)
    except dates.DateFormatError as e:
        raise UsageError(str(e)) from None


def key(iri: str) -> str:
    """A node's or edge's key: the id for our actors, places, statements and events
    (``jnim``), the path under ``id/`` for other data sets' (``acled/actor/123``)."""
    for prefix in (ns.ACTOR, ns.PLACE, ns.STATEMENT, ns.EVENT):
        if iri.startswith(prefix) and "/" not in iri[len(prefix):]:
            return iri[len(prefix):]
    return iri[len(ns.ID):] if iri.startswith(ns.ID) else str(iri)


def check_relations(relations: list[str] | None) -> list[str] | None:
    """The relation types asked for, or a UsageError listing the known ones."""
    if not relations:
        return None
    from kg.graph.vocab import vocabulary

    known = vocabulary().relations
    unknown = [r for r in relations if r not in known]
    if unknown:
        raise UsageError(
            f"unknown relation type {', '.join(repr(r) for r in unknown)}; expected some of: {', '.join(known)}"
        )
    return list(relations)


def network(
    store=None,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    relations: list[str] | None = None,
    events: bool = True,
) -> nx.MultiDiGraph:
    """The graph as a MultiDiGraph whose edges keep relation type, period and sources.

    Without a window the nodes are every actor and every place a relation points
    at; with one (``year``, or ``start``/``end`` as YYYY[-MM[-DD]]) only the
    statements and events overlapping it, and only the nodes they touch (as
    :func:`snapshot`). ``relations`` keeps only those types (csv names, e.g.
    ``fought``); ``events=False`` leaves out the combat events.
    """
    import networkx as nx

    from kg.graph.vocab import vocabulary
    from kg.store.cache import or_default

    store = or_default(store)
    window = _window(year, start, end)
    wanted = check_relations(relations)
    vocab = vocabulary()
    by_iri = {t.iri: t for t in vocab.relations.values()}
    orientations = {t.iri: name for name, t in vocab.orientations.items()}
    as_of = sparql.as_of(store)
    params: dict[str, Any] = {}
    if window is not None:
        params["from"] = window.start
        if window.end is not None:
            params["to"] = window.end

    g = nx.MultiDiGraph(as_of=as_of, window=window)
    nodes = {}
    for row in sorted(_rows(store, "network-nodes"), key=lambda r: key(r["node"])):
        nodes[key(row["node"])] = {
            "iri": str(row["node"]),
            "label": row["label"],
            "kind": row["kind"],
            "type": row["type"],
            "orientation": orientations.get(row["o"]) if row["o"] else None,
            "aliases": sorted(a for a in (row["aliases"] or "").split("; ") if a),
            "founded": row["founded"],
            "founded_precision": row["foundedPrecision"] or None,
            "dissolved": row["dissolved"],
            "dissolved_precision": row["dissolvedPrecision"] or None,
            "description": row["description"],
            "wikidata": row["wikidata"] or None,
        }
    if window is None:
        for nid, attrs in nodes.items():
            if attrs["kind"] == "actor":
                g.add_node(nid, **attrs)

    def touch(nid: str, iri: str, label: str | None) -> None:
        if nid not in g:
            attrs = nodes.get(nid) or {"iri": str(iri), "label": label or nid, "kind": "actor", "type": None}
            g.add_node(nid, **attrs)

    rows = _rows(store, "statements-in-window", **params)
    for row in sorted(rows, key=lambda r: str(r["stmt"])):
        term = by_iri.get(row["relation"])
        if term is None or (wanted and term.csv_name not in wanted):
            continue
        s, o = key(row["subject"]), key(row["object"])
        touch(s, row["subject"], row.get("subjectLabel"))
        touch(o, row["object"], row.get("objectLabel"))
        g.add_edge(
            s, o, key=key(row["stmt"]),
            relation=term.csv_name, relation_label=term.label, symmetric=term.symmetric,
            evidence="statement", label=None,
            start=row["start"], end=row["end"],
            start_precision=row["startPrecision"] or "Day", end_precision=row["endPrecision"] or None,
            certainty=(row["certainty"] or "").lower() or None,
            sources=sorted(ns.local_id(x) for x in (row["sources"] or "").split()),
            fatalities=None,
        )
    if events and (not wanted or "fought" in wanted):
        _add_events(g, store, params, nodes, touch, vocab.relations["fought"])
    return g


def _rows(store, name: str, **params: Any) -> list[dict[str, Any]]:
    """A named query's rows; those of the whole graph (no window) kept beside a read-only store
    after the first time (``event_table.kept_rows``): a store never changes, and on a
    100,000-row import the three queries cost ``kg viz`` 10 s of CPU every time."""
    if "from" in params or "to" in params:
        return sparql.run(store, name, **params)
    from kg.store import event_table

    return event_table.kept_rows(store, name, **params)


def _add_events(g, store, params, nodes, touch, fought) -> None:
    """One "fought" edge per combat event of the curated graph and pair of actors on opposite sides.

    Imported data sets (ACLED, UCDP) hold millions of events, summarised at import
    as yearly "fought" statements, which the network already has.
    """
    from kg.graph.terms import IRI

    rows = _rows(store, "network-events", graph=IRI(ns.CURATED_GRAPH), **params)
    for row in sorted(rows, key=lambda r: (str(r["event"]), str(r["actor"]), str(r["opponent"]))):
        ends = sorted(((key(row["actor"]), row["actor"]), (key(row["opponent"]), row["opponent"])))
        (a, iri_a), (b, iri_b) = ends
        touch(a, iri_a, None)
        touch(b, iri_b, None)
        event = key(row["event"])
        g.add_edge(
            a, b, key=f"{event}:{a}:{b}",
            relation="fought", relation_label=fought.label, symmetric=True,
            evidence="event", event=event, label=row["label"],
            start=row["start"], end=row["end"], start_precision=row["startPrecision"] or "Day",
            end_precision=row["endPrecision"] or "Day", certainty="confirmed",
            sources=sorted(ns.local_id(x) for x in (row["sources"] or "").split()), fatalities=row["fatalities"],
        )


def edge_period(data: dict) -> Period:
    """The period of one edge of :func:`network`."""
    return Period(data["start"], data["end"], data.get("start_precision") or "Day", data.get("end_precision") or "Day")


def as_window(when: int | str | date | Period) -> Period:
    """A year (2013), a date, a 'YYYY[-MM[-DD]]' text or a Period, as a Period."""
    if isinstance(when, Period):
        return when
    if isinstance(when, date):
        return Period(when, when)
    try:
        if isinstance(when, int):
            return dates.window(when)  # checks the range: a year a date can hold
        return Period(dates.start_of(str(when)), dates.end_of(str(when)))
    except dates.DateFormatError as e:
        raise UsageError(str(e)) from None


def snapshot(g: nx.MultiDiGraph, when: int | str | date | Period) -> nx.MultiDiGraph:
    """The network at a date (or in a year or period): only the edges valid then.

    An ongoing edge runs to the data set's as-of day; nodes without a valid
    edge are left out.
    """
    import networkx as nx

    window = as_window(when)
    as_of = g.graph.get("as_of")
    out = nx.MultiDiGraph(**{**g.graph, "window": window})
    for u, v, k, d in g.edges(keys=True, data=True):
        if edge_period(d).overlaps(window, as_of):
            for n in (u, v):
                if n not in out:
                    out.add_node(n, **g.nodes[n])
            out.add_edge(u, v, key=k, **d)
    return out


def period_text(data: dict) -> str:
    """'2013-01-11 – 2014-07-15' for one edge."""
    return edge_period(data).text()


def label(g, node: str) -> str:
    return g.nodes[node].get("label") or node


# -- analysis ------------------------------------------------------------------


def _actor_graph(g) -> nx.Graph:
    """Actors only, one undirected edge per related pair (weight: number of edges)."""
    import networkx as nx

    u = nx.Graph()
    u.add_nodes_from(n for n, d in g.nodes(data=True) if d.get("kind") == "actor")
    for a, b in g.edges():
        if a in u and b in u and a != b:
            w = u.get_edge_data(a, b, {}).get("weight", 0)
            u.add_edge(a, b, weight=w + 1)
    return u


def signs(g) -> dict[frozenset, str]:
    """Each actor pair's sign in the window: '+' allies, '-' enemies, '±' both."""
    out: dict[frozenset, set] = defaultdict(set)
    for a, b, d in g.edges(data=True):
        if a == b:
            continue
        if d["relation"] in FRIEND_RELATIONS:
            out[frozenset((a, b))].add("+")
        elif d["relation"] in ENEMY_RELATIONS:
            out[frozenset((a, b))].add("-")
    return {pair: ("±" if len(s) > 1 else next(iter(s))) for pair, s in out.items()}


def blocs(g) -> tuple[list[list[str]], list[dict]]:
    """Split the actors into blocs by structural balance; return blocs and the exceptions.

    Allies (see FRIEND_RELATIONS) start in the same bloc; each actor then moves to
    the bloc where it has the fewest enemies and the most allies; blocs with no
    fighting between them and a common enemy merge ("the enemy of my enemy is
    my friend"). The exceptions are the allied pairs split across blocs and the
    enemies inside one bloc. Deterministic: the same graph gives the same blocs.
    """
    import networkx as nx

    sign = {p: s for p, s in signs(g).items() if s != "±"}
    nodes = sorted({n for p in sign for n in p})
    pos = nx.Graph()
    pos.add_nodes_from(nodes)
    pos.add_edges_from(tuple(p) for p, s in sign.items() if s == "+")
    nbrs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for p, s in sign.items():
        a, b = sorted(p)
        nbrs[a].append((b, s))
        nbrs[b].append((a, s))
    member = {}
    for i, comp in enumerate(sorted(nx.connected_components(pos), key=lambda c: sorted(c))):
        for n in comp:
            member[n] = i

    for _ in range(20):  # local moves until nothing improves
        moved = False
        for n in nodes:
            # cost of n in bloc b: its enemies in b plus its allies outside b, counted in one pass
            enemies_in: dict[int, int] = defaultdict(int)
            allies_in: dict[int, int] = defaultdict(int)
            allies = 0
            for m, s in nbrs[n]:
                if s == "-":
                    enemies_in[member[m]] += 1
                else:
                    allies_in[member[m]] += 1
                    allies += 1

            def cost(b: int) -> int:
                return enemies_in.get(b, 0) + allies - allies_in.get(b, 0)  # noqa: B023  (used at once)

            here = cost(member[n])
            options = sorted((set(enemies_in) | set(allies_in)) - {member[n]})
            best = min(options, key=lambda b: (cost(b), b), default=None)
            if best is not None and cost(best) < here:
                member[n] = best
                moved = True
        if not moved:
            break
    _merge_blocs(member, sign)
    out: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        out[member[n]].append(n)
    ordered = sorted(out.values(), key=lambda ms: (-len(ms), ms))
    exceptions = []
    for p, s in sorted(sign.items(), key=lambda kv: sorted(kv[0])):
        a, b = sorted(p)
        same = member[a] == member[b]
        if s == "+" and not same:
            exceptions.append({"a": a, "b": b, "sign": s, "why": "allies in different blocs"})
        elif s == "-" and same:
            exceptions.append({"a": a, "b": b, "sign": s, "why": "enemies in the same bloc"})
    return ordered, exceptions


def _merge_blocs(member: dict[str, int], sign: dict[frozenset, str]) -> None:
    """Merge, one pair at a time, the two blocs with the most common enemies and no fight
    between them (ties: the bigger pair, then the first by bloc number), until none is left.

    The blocs' enmities are a matrix and the common enemies of every pair its square, kept
    up to date at each merge (a few outer products) rather than counted again: an import
    of 100,000 events makes hundreds of blocs and hundreds of merges.
    """
    import numpy as np

    ids = sorted(set(member.values()))
    if len(ids) < 2:
        return
    at = {b: i for i, b in enumerate(ids)}
    k = len(ids)
    enemy = np.zeros((k, k))
    for p, s in sign.items():
        a, b = (at[member[x]] for x in p)
        if s == "-" and a != b:
            enemy[a, b] = enemy[b, a] = 1.0
    size = np.zeros(k)
    for b in member.values():
        size[at[b]] += 1
    alive = np.ones(k, dtype=bool)
    common = enemy @ enemy
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    while True:
        ok = upper & alive[:, None] & alive[None, :] & (enemy == 0) & (common > 0)
        if not ok.any():
            break
        key = np.where(ok, common * (2 * size.sum() + 1) + size[:, None] + size[None, :], -1.0)
        x, y = divmod(int(np.argmax(key)), k)  # the first of the best, as x < y in bloc order
        ex, ey = enemy[x].copy(), enemy[y].copy()
        merged = np.maximum(ex, ey)
        merged[x] = merged[y] = 0.0
        common -= np.outer(ex, ex) + np.outer(ey, ey)
        common += np.outer(merged, merged)
        enemy[x, :] = enemy[:, x] = merged
        enemy[y, :] = enemy[:, y] = 0.0
        common[x, :] = common[:, x] = enemy @ merged
        common[y, :] = common[:, y] = 0.0
        alive[y] = False
        size[x] += size[y]
        size[y] = 0
        for n, b in member.items():
            if b == ids[y]:
                member[n] = ids[x]


_READINGS = {
    "++-": ("unbalanced", "{a} and {b} fought each other, though both are allies of {c}: "
                          "a friend of my friend is my enemy"),
    "+--": ("balanced", "{a} and {b} are allies against {c}: the enemy of my enemy is my friend"),
    "---": ("unbalanced", "{a}, {b} and {c} all fought each other: the enemy of my enemy is not my friend"),
    "+++": ("balanced", "{a}, {b} and {c} are allies"),
}


def triads(g) -> list[dict[str, Any]]:
    """Every triangle of actors whose three pairs are allies or enemies, with its balance."""
    sign = {p: s for p, s in signs(g).items() if s != "±"}
    adj: dict[str, set] = defaultdict(set)
    for p in sign:
        a, b = sorted(p)
        adj[a].add(b)
        adj[b].add(a)
    out = []
    for a in sorted(adj):
        for b in sorted(x for x in adj[a] if x > a):
            for c in sorted(x for x in adj[a] & adj[b] if x > b):
                edges = {(a, b): sign[frozenset((a, b))], (a, c): sign[frozenset((a, c))],
                         (b, c): sign[frozenset((b, c))]}
                pattern = "".join(sorted(edges.values(), key="+-".index))
                # order them so that the third is the odd one out: the common ally or enemy
                if pattern in ("++-", "+--"):
                    odd_sign = "-" if pattern == "++-" else "+"
                    (x, y), _ = next((k, v) for k, v in edges.items() if v == odd_sign)
                    trio = (x, y, ({a, b, c} - {x, y}).pop())
                else:
                    trio = (a, b, c)
                balance, reading = _READINGS[pattern]
                names = dict(zip("abc", (label(g, n) for n in trio)))
                out.append({
                    "actors": [label(g, n) for n in trio], "ids": list(trio), "signs": pattern,
                    "balanced": balance == "balanced", "reading": reading.format(**names),
                })
    return out


def analyze(
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    *,
    top: int = 10,
    store=None,
) -> dict[str, Any]:
    """Who is central, which blocs there are, and which triads are (un)balanced, in a window.

    Degree and betweenness centrality are over actors (one edge per related
    pair, any relation type); blocs and triads over allied (and supporting,
    part-of) and fought relations, statements and combat events alike.
    """
    import networkx as nx

    g = network(store, year=year, start=start, end=end)
    u = _actor_graph(g)
    u.remove_nodes_from([n for n in list(u) if u.degree(n) == 0])
    degree = nx.degree_centrality(u) if len(u) > 1 else {}
    between = nx.betweenness_centrality(u) if len(u) > 2 else {}

    def ranking(values: dict[str, float]) -> list[dict[str, Any]]:
        best = sorted(values.items(), key=lambda kv: (-kv[1], label(g, kv[0])))[:top]
        return [{"id": n, "actor": label(g, n), "score": round(v, 4), "degree": u.degree(n)} for n, v in best]

    groups, exceptions = blocs(g)
    found = triads(g)
    window = g.graph["window"]
    return {
        "window": window_text(window),
        "as_of": g.graph["as_of"].isoformat(),
        "actors": u.number_of_nodes(),
        "pairs": u.number_of_edges(),
        "degree": ranking(degree),
        "betweenness": ranking(between),
        "blocs": [
            {"bloc": i + 1, "size": len(ms), "members": sorted(label(g, n) for n in ms), "ids": ms}
            for i, ms in enumerate(groups)
        ],
        "exceptions": [
            {**e, "a": label(g, e["a"]), "b": label(g, e["b"]), "a_id": e["a"], "b_id": e["b"]} for e in exceptions
        ],
        "balanced": sum(t["balanced"] for t in found),
        "unbalanced": sum(not t["balanced"] for t in found),
        "triads": found,
    }


# -- paths ---------------------------------------------------------------------


def path(
    a: str,
    b: str,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    relations: list[str] | None = None,
    limit: int = 5,
    store=None,
) -> dict[str, Any]:
    """How two actors are connected: the shortest chains of relations valid in the window.

    ``a`` and ``b`` are names, ids or aliases. Each chain is a list of steps
    (from, to, and every relation between the two with its direction, period
    and sources); at most ``limit`` chains, all of the shortest length.
    """
    import networkx as nx

    from kg.store.names import index, resolve

    if limit < 1:
        raise UsageError(f"--limit must be 1 or more, got {limit}")
    from kg.store.cache import or_default

    store = or_default(store)
    iri_a, iri_b = resolve(a, store), resolve(b, store)
    ia, ib = key(iri_a), key(iri_b)
    if ia == ib:
        raise UsageError(f"'{a}' and '{b}' are the same actor")
    g = network(store, year=year, start=start, end=end, relations=relations)
    window = g.graph["window"]
    names = index(store).labels
    result: dict[str, Any] = {
        "from": names.get(iri_a, ia), "to": names.get(iri_b, ib),
        "from_id": ia, "to_id": ib, "window": window_text(window), "paths": [],
    }
    actors = [n for n, d in g.nodes(data=True) if d.get("kind") == "actor"]
    u = nx.Graph(g.subgraph(actors).to_undirected(as_view=True))
    if ia not in u or ib not in u or not nx.has_path(u, ia, ib):
        return result
    for chain in _limited(nx.all_shortest_paths(u, ia, ib), limit):
        steps = []
        for x, y in zip(chain, chain[1:]):
            links = []
            for s, o in ((x, y), (y, x)):
                for _k, d in sorted((g.get_edge_data(s, o) or {}).items()):
                    links.append({
                        "relation": d["relation"], "relation_label": d["relation_label"],
                        "forward": s == x or d["symmetric"], "period": period_text(d),
                        "event": d["label"] if d["evidence"] == "event" else None, "sources": d["sources"],
                    })
            steps.append({"from": label(g, x), "to": label(g, y), "from_id": x, "to_id": y,
                          "relations": _summarise(links)})
        result["paths"].append(steps)
    return result


def _limited(iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


def _summarise(links: list[dict]) -> list[dict]:
    """One entry per relation type and direction: its periods and combat events."""
    grouped: dict[tuple[str, bool], dict] = {}
    for lk in sorted(links, key=lambda lk: (lk["event"] is not None, lk["period"])):
        entry = grouped.setdefault((lk["relation_label"], lk["forward"]), {
            "relation": lk["relation"], "relation_label": lk["relation_label"], "forward": lk["forward"],
            "periods": [], "events": [], "sources": set(),
        })
        if lk["event"] is None:
            entry["periods"].append(lk["period"])
        elif lk["event"] not in entry["events"]:
            entry["events"].append(lk["event"])
        entry["sources"].update(lk["sources"])
    out = []
    for entry in grouped.values():
        entry["events"].sort()
        entry["sources"] = sorted(entry["sources"])
        out.append(entry)
    return out


def _link_text(link: dict) -> str:
    parts = list(link["periods"])
    events = link["events"]
    if events:
        shown = "; ".join(events[:3]) + ("; ..." if len(events) > 3 else "")
        parts.append(f"{len(events)} combat event{'s' if len(events) != 1 else ''}: {shown}")
    return "; ".join(parts)


def window_text(window: Period | None) -> str:
    """'2013' for a whole year, '2013-01-01 – 2014-06-30' for a range, 'all years' for none."""
    if window is None:
        return "all years"
    s, e = window.start, window.end
    if e is not None and (s.month, s.day, e.month, e.day) == (1, 1, 12, 31):
        return str(s.year) if s.year == e.year else f"{s.year} – {e.year}"
    return window.text()


def path_text(result: dict[str, Any]) -> str:
    """A path answer as readable chains: 'A --fought--> B (2013)' then '<--part of-- C (...)'."""
    if not result["paths"]:
        return f"No connection between {result['from']} and {result['to']} ({result['window']})."
    n, length = len(result["paths"]), len(result["paths"][0])
    lines = [
        f"{result['from']} to {result['to']} ({result['window']}): "
        f"{n} shortest path{'s' if n != 1 else ''} of {length} step{'s' if length != 1 else ''}"
    ]
    for i, steps in enumerate(result["paths"], 1):
        lines.append(f"\n{i}. {steps[0]['from']}")
        for step in steps:
            for j, link in enumerate(step["relations"]):
                name = link["relation_label"]
                arrow = f"--{name}-->" if link["forward"] else f"<--{name}--"
                lines.append(f"     {'and ' if j else ''}{arrow} {step['to']}  ({_link_text(link)})")
    return "\n".join(lines)


# -- export --------------------------------------------------------------------


def _flat(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, Period):
        return value.text()
    return value


def _flattened(g) -> nx.MultiDiGraph:
    """A copy with only text, number and boolean attributes (what GraphML and GEXF hold)."""
    import networkx as nx

    out = nx.MultiDiGraph()
    out.graph.update({"as_of": g.graph["as_of"].isoformat(), "name": "sahel-kg"})
    for n, d in g.nodes(data=True):
        out.add_node(n, **{k: _flat(v) for k, v in d.items() if v is not None and v != []})
    for u, v, k, d in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **{kk: _flat(vv) for kk, vv in d.items() if vv is not None and vv != []})
    return out


CSV_COLUMNS = ("id", "subject_id", "subject", "relation", "object_id", "object", "start", "end",
               "start_precision", "end_precision", "certainty", "evidence", "event", "fatalities", "sources")


def export_network(fmt: str, store=None, **window: Any) -> bytes:
    """The network as GraphML or GEXF (for Gephi) or a CSV edge list with periods.

    In GEXF an edge's ``start``/``end`` are dates, so Gephi's timeline can play it.
    """
    import networkx as nx

    if fmt not in NETWORK_FORMATS:
        raise UsageError(f"unknown network format '{fmt}'; expected one of: {', '.join(NETWORK_FORMATS)}")
    g = network(store, **window)
    if fmt == "csv":
        from kg.safe_csv import SafeWriter

        buf = io.StringIO()
        writer = SafeWriter(buf)
        writer.writerow(CSV_COLUMNS)
        for u, v, k, d in g.edges(keys=True, data=True):
            writer.writerow([_flat(x) if x is not None else "" for x in (
                k, u, label(g, u), d["relation"], v, label(g, v), d["start"], d["end"], d["start_precision"],
                d["end_precision"], d["certainty"], d["evidence"], d.get("event"), d["fatalities"], d["sources"],
            )])
        return buf.getvalue().encode("utf-8")
    flat = _flattened(g)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(flat, buf, encoding="utf-8")
    else:
        nx.write_gexf(flat, buf, encoding="utf-8")
    return buf.getvalue()
