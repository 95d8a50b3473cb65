"""How fast ``kg viz`` makes its page, and how soon the page is usable in Chromium.

    .venv/bin/python bench/bench_viz.py [--runs 3] [--no-browser] [--acled-rows 100000]

Prints, for the curated graph and for a synthetic graph of 2,000 actors and
10,000 dated relations (built into an in-memory Oxigraph store, so the whole
path is measured: SPARQL, networkx, layout, pyvis, template): the time to make
the page, split into its steps, and the page's size. Then it opens each page in
headless Chromium from a file:// URL (network blocked) and prints the time to
interactive: from navigation to the first frame drawn with the final layout
(the page computes no layout of its own, so it is settled then).

Then the map and the timeline (issue 16): for the curated graph and for the
curated graph plus an ACLED-like import of ``--acled-rows`` rows (bench/synthetic.py,
imported with ``kg import acled`` into a temporary KG_HOME), the time to read
the map's data, the page's size, the time to interactive, and in the page: the
first draw of the map, a move of the year slider (network and map together), the
map of all years, and opening JNIM's timeline. Synthetic ACLED files name only
17 locations; a real Sahel export names thousands, so the bench spreads each row
over one of ``--locations`` nearby places (deterministic) before importing it.
Targets (issue 23): the curated page within 1.24 MB and interactive in under 1.1 s; with a
100k import, interactive in under 2 s and written in under 20 s. ``kg viz`` is timed twice
on the import: the first page of a store reads its events and packs the map (kept beside
the store), later ones copy it (and the network's rows, kept too); then ``kg viz`` in a fresh process, as a
user runs it. Every time is printed with the load average beside it (the
machine is shared): a time taken at load 10 on 2 cores is several times an idle machine's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))


def synthetic_store(actors: int = 2000, relations: int = 10000, seed: int = 1):
    """An in-memory store: the ontology, plus ``actors`` actors and ``relations`` dated statements."""
    import pyoxigraph as ox

    from kg.graph import namespaces as ns
    from kg.graph.build import build
    from kg.graph.vocab import vocabulary
    from kg.store.embedded import OxigraphStore

    rng = random.Random(seed)
    vocab = vocabulary()
    store = OxigraphStore()
    store.store.extend(build(ROOT / "tests" / "cases" / "minimal"))  # the ontology graph and an as-of day
    graph = ox.NamedNode(ns.CURATED_GRAPH)

    def q(s, p, o):
        return ox.Quad(s, ox.NamedNode(p), o, graph)

    types = [t.iri for t in vocab.actor_types.values()]
    rels = [t.iri for name, t in vocab.relations.items() if name not in ("controls", "deployed_in", "blockades")]
    source = ox.NamedNode(ns.SOURCE + "wp_jnim")
    quads = []
    nodes = [ox.NamedNode(f"{ns.ACTOR}syn_{i}") for i in range(actors)]
    for i, node in enumerate(nodes):
        quads += [q(node, ns.RDF + "type", ox.NamedNode(rng.choice(types))),
                  q(node, ns.RDFS + "label", ox.Literal(f"Synthetic actor {i}"))]
    year = ox.NamedNode(ns.SKG + "Year")
    for j in range(relations):
        a, b = rng.sample(range(actors), 2)
        if rng.random() < 0.7:  # a few hubs, as in real conflicts
            a = min(a, rng.randrange(50))
        stmt = ox.NamedNode(f"{ns.STATEMENT}syn_{j}")
        start = rng.randrange(2012, 2025)
        quads += [
            q(stmt, ns.RDF + "type", ox.NamedNode(ns.SKG + "Statement")),
            q(stmt, ns.SKG + "subject", nodes[a]), q(stmt, ns.SKG + "object", nodes[b]),
            q(stmt, ns.SKG + "predicate", ox.NamedNode(rng.choice(rels))),
            q(stmt, ns.SKG + "start", ox.Literal(f"{start}-01-01", datatype=ox.NamedNode(ns.XSD + "date"))),
            q(stmt, ns.SKG + "startPrecision", year),
            q(stmt, ns.SKG + "certainty", ox.NamedNode(ns.SKG + "Confirmed")),
            q(stmt, ns.PROV + "wasDerivedFrom", source),
        ]
        if rng.random() < 0.6:
            end = date(min(start + rng.randrange(0, 6), 2025), 12, 31)
            quads += [q(stmt, ns.SKG + "end", ox.Literal(end.isoformat(), datatype=ox.NamedNode(ns.XSD + "date"))),
                      q(stmt, ns.SKG + "endPrecision", year)]
    store.store.extend(quads)
    return store


def load() -> str:
    """The load average now, to print beside a time."""
    import os

    return f"load {os.getloadavg()[0]:.1f}"


def page_blocks(html: str) -> str:
    """The sizes of the page's data blocks: what the page parses at start and what only when asked."""
    import re

    out = []
    for name in ("kg-data", "kg-map"):
        m = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
        out.append(f"{name} {len(m.group(1).encode()) / 1e6:.2f} MB" if m else f"{name} -")
    return ", ".join(out)


def timed_page(store, out: Path, runs: int) -> dict:
    """Median seconds of each step of making the page, and of viz.viz end to end, over ``runs`` runs."""
    from kg.ask import network
    from kg.explore import viz
    from kg.explore.styles import page_sources

    names = ("network (SPARQL + networkx)", "layout (networkx/numpy)", "pyvis nodes/edges (no layout)",
             "render (template)", "viz.viz end to end, written")
    steps: dict[str, list[float]] = {name: [] for name in names}
    sources = page_sources(store)
    for _ in range(runs):
        t0 = time.perf_counter()
        g = network.network(store)
        g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
        t1 = time.perf_counter()
        viz.layout(g)
        t2 = time.perf_counter()
        net = viz.pyvis_network(g, sources)  # computes the layout again
        t3 = time.perf_counter()
        viz.render(net, as_of=g.graph["as_of"])
        t4 = time.perf_counter()
        result = viz.viz(out, store=store)
        t5 = time.perf_counter()
        for name, seconds in zip(names, (t1 - t0, t2 - t1, max(0.0, (t3 - t2) - (t2 - t1)), t4 - t3, t5 - t4)):
            steps[name].append(seconds)
    return {"steps": {k: statistics.median(v) for k, v in steps.items()}, "bytes": len(result["html"].encode()),
            "nodes": result["nodes"], "edges": result["edges"]}


def browser_ready(path: Path, runs: int) -> list[float]:
    from harness import available, open_page

    why = available()
    if why:
        print(f"  browser: skipped ({why})")
        return []
    times = []
    for _ in range(runs):
        with open_page(path, timeout_ms=120000) as opened:
            assert not opened.console_errors, opened.console_errors
            times.append(opened.ready_ms)
            print(f"    run: interactive after {opened.ready_ms:.0f} ms ({load()})")
    return times


def spread_locations(src: Path, dst: Path, locations: int, seed: int = 16) -> None:
    """Rewrite a synthetic ACLED file so its rows name ``locations`` places in all, as real exports
    do (a Sahel export names thousands of villages): each row moves to one of its country's
    villages, each village a fixed point within about 1.5 degrees of one of the file's towns."""
    import csv

    rng = random.Random(seed)
    villages: dict[str, list[dict]] = {}
    with open(src, encoding="utf-8", newline="") as f_in:
        reader = csv.DictReader(f_in)
        fieldnames = reader.fieldnames
        rows = list(reader)
    towns: dict[str, dict] = {}
    for row in rows:
        towns.setdefault(row["country"], {}).setdefault(row["location"], row)
    share = {country: len(places) for country, places in towns.items()}
    for country, places in towns.items():
        count = max(1, locations * share[country] // sum(share.values()))
        bases = list(places.values())
        villages[country] = []
        for v in range(count):
            base = bases[v % len(bases)]
            villages[country].append({
                "admin1": base["admin1"], "admin2": base["admin2"], "location": f"{base['location']} village {v}",
                "latitude": f"{float(base['latitude']) + rng.uniform(-1.5, 1.5):.4f}",
                "longitude": f"{float(base['longitude']) + rng.uniform(-1.5, 1.5):.4f}",
            })
    with open(dst, "w", encoding="utf-8", newline="") as f_out:
        writer = csv.DictWriter(f_out, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            village = rng.choice(villages[row["country"]])
            row.update(village)
            row["admin3"] = village["location"]
            writer.writerow(row)


def acled_home(rows: int, locations: int, work: Path) -> Path:
    """A KG_HOME holding the curated graph and an ACLED-like import of ``rows`` rows (made once)."""
    import os
    import subprocess

    from synthetic import write

    home = work / f"home-acled-{rows}-{locations}"
    if (home / "done").exists():
        return home
    raw = write("acled", rows, work / f"acled_{rows}.csv")
    spread = work / f"acled_{rows}_{locations}.csv"
    spread_locations(raw, spread, locations)
    t = time.perf_counter()
    env = {**os.environ, "KG_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "kg", "import", "acled", str(spread)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  kg import acled {spread.name}: {time.perf_counter() - t:.1f} s")
    (home / "done").write_text("ok\n")
    return home


def page_interactions(path: Path, runs: int) -> dict[str, float]:
    """Median ms, in Chromium, of: interactive, first draw of the map, a year's move of the
    slider (network and map redrawn), all years on the map, JNIM's timeline opened."""
    from harness import available, open_page

    if available():
        return {}
    figures: dict[str, list[float]] = {}
    for _ in range(runs):
        with open_page(path, timeout_ms=120000) as opened:
            page = opened.page
            figures.setdefault("interactive (ms after navigation)", []).append(opened.ready_ms)
            figures.setdefault("switch to the map, first draw", []).append(page.evaluate(
                "() => { const t = performance.now(); kgShowView('map'); kgMap.redraw(); return performance.now() - t; }"))
            moves = [page.evaluate(
                "(y) => { const t = performance.now(); kgSetYear(y); kgMap.redraw(); return performance.now() - t; }", y)
                for y in range(2012, 2026)]
            figures.setdefault("slider: one year (network + map), median of 14", []).append(statistics.median(moves))
            figures.setdefault("map of all years", []).append(page.evaluate(
                "() => { const t = performance.now(); kgSetYear(null); kgMap.redraw(); return performance.now() - t; }"))
            figures.setdefault("circles drawn, all years", []).append(page.evaluate("kgMap.circles()"))
            figures.setdefault("open JNIM's timeline", []).append(page.evaluate(
                "() => { const t = performance.now(); kgTimeline('jnim'); return performance.now() - t; }"))
            assert not opened.console_errors, opened.console_errors
    return {k: statistics.median(v) for k, v in figures.items()}


def cli_viz(out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``kg viz -o out`` in a fresh process, on the store
    of ``$KG_HOME`` (the map and the network's rows already kept beside it by the runs before)."""
    import os
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "viz", "-o", str(out)], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def map_case(name: str, store, out: Path, runs: int, browser: bool) -> None:
    from kg.explore import eventmap, viz
    from kg.explore.words import Words

    t = time.perf_counter()
    data = eventmap.map_of(store)
    map_seconds = time.perf_counter() - t
    map_load = load()
    kept = eventmap.event_table.derived(store, "map-en", eventmap.map_key(Words())) is not None
    t = time.perf_counter()
    result = viz.viz(out, store=store)
    total = time.perf_counter() - t
    first_load = load()
    t = time.perf_counter()
    result = viz.viz(out, store=store)
    again = time.perf_counter() - t
    size = len(result["html"].encode())
    print(f"\n{name}: {len(data['events']['id'])} events on the map ({data['unplacedCount']} without a position), "
          f"{len(data['places'])} places; {result['nodes']} nodes, {result['edges']} edges")
    print(f"  map data (SPARQL + pivot)      {map_seconds:7.2f} s ({map_load})")
    print(f"  kg viz end to end, written     {total:7.2f} s ({first_load}; the map's text "
          f"{'already kept beside the store' if kept else 'made and kept beside the store'})")
    print(f"  kg viz again, map copied       {again:7.2f} s ({load()})")
    wall, cpu = cli_viz(out.with_name(out.stem + "-cli.html"))
    print(f"  `kg viz` in a fresh process    {wall:7.2f} s wall, {cpu:.2f} s CPU ({load()}; what a user waits for)")
    print(f"  page size                      {size / 1e6:7.2f} MB ({page_blocks(result['html'])})")
    if browser:
        for what, ms in page_interactions(out, runs).items():
            unit = "" if what.startswith("circles") else " ms"
            print(f"  {what:<48} {ms:8.0f}{unit} (median of {runs}; {load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--acled-rows", type=int, default=100_000, help="0 leaves out the import case")
    parser.add_argument("--locations", type=int, default=10000,
                        help="distinct places the ACLED rows name (a real Sahel export: thousands)")
    parser.add_argument("--only-map", action="store_true", help="only the map and timeline figures")
    parser.add_argument("--no-synthetic", action="store_true", help="leave out the synthetic 2,000-actor graph")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-viz-acled",
                        help="where the import's files and KG_HOME are kept between runs (the import is made "
                             "once and reused: delete the folder to make it again)")
    args = parser.parse_args()

    from kg.store.cache import open_store

    t = time.perf_counter()
    import pyvis.network  # noqa: F401  (imported once, as the first kg viz of a process does)

    print(f"import pyvis: {time.perf_counter() - t:.2f} s")
    out_dir = Path(tempfile.mkdtemp(prefix="bench-viz-"))
    cases = [("curated graph", open_store)]
    if not args.no_synthetic:
        cases.append(("synthetic graph, 2,000 actors / 10,000 relations", synthetic_store))
    for name, make in ([] if args.only_map else cases):
        t = time.perf_counter()
        store = make()
        prepared = time.perf_counter() - t
        out = out_dir / (name.split()[0] + ".html")
        result = timed_page(store, out, args.runs)
        print(f"\n{name}: {result['nodes']} nodes, {result['edges']} edges drawn, page {result['bytes'] / 1e6:.2f} MB"
              f" (store ready in {prepared:.2f} s; {load()})")
        for step, seconds in result["steps"].items():
            print(f"  {step:<30} {seconds:7.3f} s (median of {args.runs})")
        if not args.no_browser:
            times = browser_ready(out, args.runs)
            if times:
                print(f"  Chromium time to interactive: median {statistics.median(times):.0f} ms "
                      f"(runs: {', '.join(f'{x:.0f}' for x in times)})")
    print("\n-- map and timeline (issue 16) --")
    map_case("curated graph", open_store(), out_dir / "curated-map.html", args.runs, not args.no_browser)
    if args.acled_rows:
        import os

        from kg.store import cache

        work = args.work
        work.mkdir(parents=True, exist_ok=True)
        home = acled_home(args.acled_rows, args.locations, work)
        os.environ["KG_HOME"] = str(home)
        store = cache.open_store()
        map_case(f"curated + synthetic ACLED import of {args.acled_rows:,} rows", store,
                 out_dir / "acled-map.html", args.runs, not args.no_browser)
    print(f"\npages written to {out_dir}")


if __name__ == "__main__":
    main()
