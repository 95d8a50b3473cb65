"""Scale: load and query synthetic graphs of 10k, 100k and 1M statement nodes,
side by side on rdflib (in memory) and Oxigraph (on disk). Prints figures;
asserts nothing.

    .venv/bin/python bench/bench_scale.py [--sizes 10000 100000 1000000] [--rdflib-max 100000]

The synthetic graph is shaped like ours: ``skg:Statement`` nodes with
subject, predicate (fought, allied with, supports, negotiates with), object,
start and its precision, end and its precision (four in five: the rest are
ongoing), certainty and a source -- about 9.6 triples each -- between
synthetic actors (labels, types), in the named graph ``.../graph/synthetic``.
Generated here, deterministically, as N-Quads.

Each backend runs in its own process, so that peak memory (``ru_maxrss``) is
that backend's alone and a runaway rdflib query can be stopped:

- Oxigraph: a fresh ``KG_HOME`` gets the curated graph the normal way
  (``kg.store.cache.open_store``, which stamps the curated data's fingerprint),
  then the synthetic quads are added into their own named graph by
  ``kg.store.loading.load_nquads`` (chunks bulk-loaded by three threads, as
  ``kg import`` does, a flush that waits for RocksDB's compaction, then
  ``Store.optimize()``); "load" is all of it. The fingerprint only covers
  the curated graph, so the CLI opens this big store as its warm cache,
  without rebuilding -- which is what the fresh-process CLI figures measure.
- rdflib: the same quads (curated + ontology + synthetic) parsed into an
  in-memory Dataset, queried through ``RdflibStore``. Skipped above
  ``--rdflib-max`` statements: at 1M it needs about 8 GB and several minutes
  to parse (design notes), and its queries take minutes already at 100k.

Queries timed (warm, median of 3): the named query who-fought-in-year, and
an actor profile (``kg.actor``: actor-details, relations-of-actor,
events-of-actor, and kg fought for the opponents) of one synthetic actor.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.graph import namespaces as ns  # noqa: E402

SYNTHETIC_GRAPH = ns.dataset_graph("synthetic")
RELATIONS = (("fought", 6), ("allied_with", 2), ("supports", 1), ("negotiates_with", 1))
ACTOR_TYPES = ("armed_group", "armed_group", "armed_group", "state_armed_forces", "government",
               "private_military_company", "person")
YEAR = 2020
PROFILED = "Synthetic actor 7"
DYADS_PER_ACTOR = 5
AS_OF = date.fromisoformat(tomllib.loads((ROOT / "data" / "dataset.toml").read_text())["as_of"])  # ongoing ends
FIRST_DAY = date(2012, 1, 1)
DAYS = (date(2025, 6, 30) - FIRST_DAY).days
RDFLIB_QUERY_LIMIT = 900  # seconds for the whole rdflib run at one size


def actor_count(statements: int) -> int:
    """Actors in a synthetic graph: ~1000 statements per actor at 1M, at least 200."""
    return max(200, statements // 500)


def dyads(actors: int, relations: list[str], rng: random.Random) -> tuple[list[tuple[int, int, str]], list[float]]:
    """The pairs that statements are about, each with its usual relation, and their
    cumulative weights.

    Five counterparts per actor on average (10,000 pairs at 1M statements),
    weighted by Zipf's law (the n-th busiest pair gets 1/n of the busiest one's
    share): a conflict graph's shape, where a few pairs (an army and the main
    jihadist coalition) carry most statements. Nine statements in ten about a
    pair state its usual relation (enemies fight, allies ally); the rest any.
    """
    pairs = []
    for _ in range(actors * DYADS_PER_ACTOR):
        a = rng.randrange(actors)
        pairs.append((a, (a + 1 + rng.randrange(actors - 1)) % actors, rng.choice(relations)))
    return pairs, list(itertools.accumulate(1 / rank for rank in range(1, len(pairs) + 1)))


def generate(statements: int, path: Path, pairs: str = "dyads", seed: int = 6) -> tuple[int, int]:
    """Write the synthetic graph as N-Quads, with the pair-year summaries a build
    would write beside its statements; returns (quads, summaries)."""
    from kg.graph.vocab import vocabulary
    from kg.store.summaries import Summariser, symmetric_relations

    vocab = vocabulary()
    rng = random.Random(seed)
    g = f"<{SYNTHETIC_GRAPH}>"
    skg, rdf_type, label = ns.SKG, f"<{ns.RDF}type>", f"<{ns.RDFS}label>"
    date_type = f"^^<{ns.XSD}date>"
    precisions = [f"<{skg}Day>", f"<{skg}Month>", f"<{skg}Year>"]
    certainty = [f"<{skg}Confirmed>", f"<{skg}Reported>"]
    relations = [vocab.relations[name].iri for name, weight in RELATIONS for _ in range(weight)]
    actors = actor_count(statements)
    summariser = Summariser(SYNTHETIC_GRAPH, AS_OF, symmetric_relations())
    if pairs == "dyads":
        dyad_list, weights = dyads(actors, relations, rng)
    quads = 0
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i in range(actors):
            iri = f"<{ns.ACTOR}syn_{i}>"
            kind = vocab.actor_types[ACTOR_TYPES[i % len(ACTOR_TYPES)]].iri
            f.write(f'{iri} {rdf_type} <{kind}> {g} .\n{iri} {label} "Synthetic actor {i}" {g} .\n')
            quads += 2
        for i in range(statements):
            s = f"<{ns.STATEMENT}syn_{i}>"
            relation = rng.choice(relations)
            if pairs == "dyads":
                a, b, usual = dyad_list[bisect.bisect(weights, rng.random() * weights[-1])]
                relation = usual if rng.random() < 0.9 else relation
            else:
                a = rng.randrange(actors)
                b = (a + 1 + rng.randrange(actors - 1)) % actors
            start = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            # drawn in the order the graph always drew them: the same graph for a seed as before
            start_precision, sure = rng.choice(precisions), rng.choice(certainty)
            source = f"{ns.SOURCE}syn_{rng.randrange(1000)}"
            lines = [
                f"{s} {rdf_type} <{skg}Statement> {g} .",
                f"{s} <{skg}subject> <{ns.ACTOR}syn_{a}> {g} .",
                f"{s} <{skg}predicate> <{relation}> {g} .",
                f"{s} <{skg}object> <{ns.ACTOR}syn_{b}> {g} .",
                f'{s} <{skg}start> "{start.isoformat()}"{date_type} {g} .',
                f"{s} <{skg}startPrecision> {start_precision} {g} .",
                f"{s} <{skg}certainty> {sure} {g} .",
                f"{s} <{ns.PROV}wasDerivedFrom> <{source}> {g} .",
            ]
            end, end_precision = None, None
            if rng.random() < 0.8:  # else ongoing
                end = start + timedelta(days=rng.choice((0, 0, 3, 30, 120, 400, 900)))
                end_precision = rng.choice(precisions)
                lines.append(f'{s} <{skg}end> "{end.isoformat()}"{date_type} {g} .')
                lines.append(f"{s} <{skg}endPrecision> {end_precision} {g} .")
            summariser.add(f"{ns.ACTOR}syn_{a}", relation, f"{ns.ACTOR}syn_{b}", start, end,
                           statement=f"{ns.STATEMENT}syn_{i}",
                           precisions=(start_precision.strip("<>").rpartition("#")[2],
                                       end_precision.strip("<>").rpartition("#")[2] if end_precision else None),
                           sources=(source,))
            f.write("\n".join(lines) + "\n")
            quads += len(lines)
        for text in summariser.nquads():
            f.write(text)
            quads += text.count("\n")
    tmp.replace(path)
    return quads, len(summariser)


def median_time(fn, runs: int = 3) -> tuple[float, object]:
    """Median of ``runs`` warm runs (after one warm-up); a single run when that takes over 5 s."""
    times, result = [], None
    t = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t
    if first > 5:
        return first, result
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queries(store, out: dict) -> dict:
    """The timed questions, on any store; each figure is printed as soon as it is known."""
    from kg.ask.profile import actor
    from kg.store import sparql

    year, rows = median_time(lambda: sparql.run(store, "who-fought-in-year", year=YEAR))
    out.update(year_s=year, year_rows=len(rows))
    report(out)
    profile, result = median_time(lambda: actor(PROFILED, store=store))
    counted = sum(len(v) for v in result.values() if isinstance(v, list))
    out.update(profile_s=profile, profile_items=counted)
    return out


def report(out: dict) -> None:
    """One JSON line of what is measured so far (the parent keeps the last one)."""
    print(json.dumps({**out, "peak_mb": peak_mb()}), flush=True)


def worker_oxigraph(nquads: Path, home: Path) -> dict:
    """Curated store via kg.store.cache, then load the synthetic graph beside it (kg.store.loading)."""
    import gc

    import pyoxigraph as ox

    os.environ["KG_HOME"] = str(home)
    from kg.store import actor_table, cache
    from kg.store.cache import open_store, store_path
    from kg.store.loading import load_nquads

    open_store()  # builds the curated graph and stamps its fingerprint
    cache.forget()  # let go of the handle: the loader wants the store alone
    gc.collect()
    start = time.perf_counter()
    big = ox.Store(str(store_path()))
    loaded = load_nquads(big, nquads)  # chunks on three threads, the flush, the compaction
    out = {"load_s": time.perf_counter() - start, "compact_s": loaded.compacting_s}
    del big
    gc.collect()
    # the actor table a kg import would write (kg/store/actor_table.py): loaded in place, the
    # store's own table is stale, and kg fought would ask actor-index every time
    start = time.perf_counter()
    actor_table.rewrite(cache.live_dir())
    out["actor_table_s"] = time.perf_counter() - start
    start = time.perf_counter()
    store = open_store()  # as the CLI does: read-only, fingerprint checked, no rebuild
    out["reopen_s"] = time.perf_counter() - start
    assert not store.writable, "the big store should open as the warm cache"
    out["disk_mb"] = sum(p.stat().st_size for p in store_path().rglob("*") if p.is_file()) / 1e6
    report(out)
    queries(store, out)
    out["peak_mb"] = peak_mb()
    return out


def worker_rdflib(nquads: Path, home: Path) -> dict:
    """The same quads, curated included, in an in-memory rdflib Dataset."""
    import pyoxigraph as ox

    os.environ["KG_HOME"] = str(home)
    from kg.store.cache import open_store
    from kg.store.embedded import RdflibStore

    curated = ox.serialize(open_store().quads(ns.CURATED_GRAPH) + open_store().quads(ns.ONTOLOGY_GRAPH),
                           format=ox.RdfFormat.N_QUADS)
    store = RdflibStore()
    start = time.perf_counter()
    store.dataset.parse(data=curated, format="nquads")
    store.dataset.parse(str(nquads), format="nquads")
    load = time.perf_counter() - start
    out = {"load_s": load}
    report(out)
    queries(store, out)
    out["peak_mb"] = peak_mb()
    return out


def in_process(kind: str, nquads: Path, home: Path, limit: float | None = None) -> dict:
    """Run one worker in a child process; its last JSON line (or what stopped it)."""
    cmd = [sys.executable, __file__, "--worker", kind, str(nquads), str(home)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        partial = (e.stdout.decode() if isinstance(e.stdout, bytes) else e.stdout or "").strip().splitlines()
        return {**(json.loads(partial[-1]) if partial else {}), "error": f"stopped after {limit:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cli(home: Path, runs: int = 3) -> dict:
    """Fresh ``kg`` processes on the warm big store: median wall time of each command."""
    env = {**os.environ, "KG_HOME": str(home)}
    env.pop("KG_ENDPOINT", None)
    env.pop("KG_DATA", None)
    commands = {
        "cli_fought_actor_year_s": ["fought", PROFILED, "--year", str(YEAR)],
        "cli_fought_jnim_2024_s": ["fought", "JNIM", "--year", "2024"],
        "cli_query_year_s": ["query", "who-fought-in-year", "--param", f"year={YEAR}", "--format", "csv"],
        "cli_fought_year_s": ["fought", "--year", str(YEAR)],
    }
    out = {}
    for key, args in commands.items():
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kg", *args], env=env, check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
            if times[0] > 5:  # one run tells enough
                break
        out[key] = statistics.median(times)
    return out


def _ratio(slow: dict, fast: dict, key: str) -> str:
    return f"{slow[key] / fast[key]:.0f}x" if key in slow and key in fast else "-"


def fmt(value, unit: str = "s") -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:,.0f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rdflib-max", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kg-bench-scale"))
    parser.add_argument("--pairs", choices=("dyads", "uniform"), default="dyads",
                        help="dyads: statements about 5 pairs per actor, Zipf-weighted (default); "
                             "uniform: every statement about a random pair (a stress case)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        kind, nquads, home = opts.worker
        result = (worker_oxigraph if kind == "oxigraph" else worker_rdflib)(Path(nquads), Path(home))
        print(json.dumps(result))
        return

    import shutil

    opts.workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
          f"year query: who-fought-in-year {YEAR}; profile: kg.actor({PROFILED!r})\n")
    table = []
    for n in opts.sizes:
        nquads = opts.workdir / f"synthetic-{n}.nq"
        t = time.perf_counter()
        quads, summaries = generate(n, nquads, opts.pairs)
        print(f"== {n:,} statements ({opts.pairs}): {quads:,} quads with {summaries:,} pair-year summaries, "
              f"{actor_count(n)} actors, "
              f"{nquads.stat().st_size / 1e6:.0f} MB N-Quads (generated in {time.perf_counter() - t:.1f} s)")
        home = opts.workdir / f"home-{n}"
        shutil.rmtree(home, ignore_errors=True)
        ox_result = in_process("oxigraph", nquads, home)
        print("  oxigraph:", json.dumps(ox_result))
        if "error" not in ox_result:
            ox_result.update(cli(home))
            print("  cli:     ", json.dumps({k: v for k, v in ox_result.items() if k.startswith("cli")}))
        if n <= opts.rdflib_max:
            rdf_result = in_process("rdflib", nquads, opts.workdir / f"home-{n}", RDFLIB_QUERY_LIMIT)
        else:
            rdf_result = {"error": f"skipped: above --rdflib-max {opts.rdflib_max:,} (about 8 GB and minutes to parse)"}
        print("  rdflib:  ", json.dumps(rdf_result))
        table.append((n, quads, ox_result, rdf_result))
        nquads.unlink()

    print("\n| statements | backend | load (of which a final full compaction) | year query (rows) | profile | "
          "CLI fresh process: fought actor --year / fought JNIM 2024 / query year csv / fought --year | peak memory |")
    print("|---|---|---|---|---|---|---|")
    for n, _quads, ox_r, rdf_r in table:
        for name, r in (("Oxigraph (disk)", ox_r), ("rdflib (memory)", rdf_r)):
            if "load_s" not in r:
                print(f"| {n:,} | {name} | {r.get('error', '')} | | | | |")
                continue
            missing = r.get("error", "-")
            load = fmt(r["load_s"]) + (f" ({fmt(r['compact_s'])})" if r.get("compact_s") is not None else "")
            year = f"{fmt(r['year_s'])} ({r['year_rows']:,})" if "year_s" in r else missing
            profile = fmt(r["profile_s"]) if "profile_s" in r else missing
            cli_cells = " / ".join(fmt(r.get(k)) for k in ("cli_fought_actor_year_s", "cli_fought_jnim_2024_s",
                                                            "cli_query_year_s", "cli_fought_year_s")) if name.startswith("Ox") else "-"
            print(f"| {n:,} | {name} | {load} | {year} | {profile} | {cli_cells} | {fmt(r['peak_mb'], 'MB')} |")
        if "year_s" in rdf_r and "year_s" in ox_r:
            cells = [_ratio(rdf_r, ox_r, k) for k in ("load_s", "year_s", "profile_s")]
            print(f"| {n:,} | rdflib / Oxigraph | {cells[0]} | {cells[1]} | {cells[2]} | | "
                  f"{rdf_r['peak_mb'] / ox_r['peak_mb']:.1f}x |")


if __name__ == "__main__":
    main()
