"""Commands that build, check, count and export the graph."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import FormatOption, NoWaitOption, app, state, store
from kg.cli.output import echo, emit, to_json


@app.command()
def build(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the built graph (curated and ontology) to this file "
                                          "(format from --format; kg export writes imports too).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="ttl, trig, nq, nt or jsonld, for --output.")] = "trig",
    no_wait: NoWaitOption = False,
) -> None:
    """Check the CSV files, build and validate the graph, and cache it.

    Imported data sets stay. Waits while another kg process changes the store
    (or, with --no-wait, fails at once).

    In Python: kg.store.cache.refresh(data_dir) or kg.graph.build.build(data_dir).
    """
    from kg.ask.export import serialize, write_atomically
    from kg.graph import namespaces as ns
    from kg.store.cache import default_data_dir, refresh, store_path

    data_dir = state.data_dir or default_data_dir()
    built = refresh(data_dir, wait=not no_wait)
    # what was built, not the imports beside it (listing 1.2M imported quads took 60 s);
    # counted, not listed, unless written (listing 443k quads at 20,000 statements: 3 s)
    if output:
        write_atomically(output, serialize(built.quads(ns.CURATED_GRAPH) + built.quads(ns.ONTOLOGY_GRAPH), fmt))
    quads = built.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ <{ns.CURATED_GRAPH}> <{ns.ONTOLOGY_GRAPH}> }} "
        "GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    counts = {
        "actors": _count(built, "Actor"),
        "places": _count(built, "Place"),
        "statements": _count(built, "Statement"),
        "events": _count(built, "Event"),
        "sources": _count(built, "Source"),
    }
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    echo(f"built {quads} quads from {data_dir}: {summary}; valid against the shapes")
    echo(f"cached in {store_path()}" + (f"; written to {output}" if output else ""))


def _count(store, cls: str) -> int:
    """Instances of ``cls`` in the curated graph."""
    from kg.graph import namespaces as ns

    query = (
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH <{ns.CURATED_GRAPH}> {{ ?x a ?c }} "
        f"GRAPH ?o {{ ?c rdfs:subClassOf* skg:{cls} }} }}"
    )
    return store.select(query)[0]["n"]


@app.command()
def validate() -> None:
    """Build the graph from the CSV files and check it against the SHACL shapes.

    Exit code 1 for bad CSV rows, 4 for shape violations. In Python: kg.graph.validate.validate(quads).
    """
    from kg.graph.build import graph, load
    from kg.graph.validate import check
    from kg.store.cache import default_data_dir

    report = check(graph(load(state.data_dir or default_data_dir())).ntriples())
    echo(str(report))


BRIEF_ROWS = 5  # kg stats --brief: the first rows of each count, per graph


@app.command()
def stats(
    fmt: FormatOption = "table",
    brief: Annotated[
        bool, typer.Option("--brief", help=f"Only the top {BRIEF_ROWS} classes and relations of each graph, "
                                           "the years covered and how many sources.")
    ] = False,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="Only coverage: events and statements per country (Mali, Burkina Faso, Niger) "
                                                "and year, events per period, the reference lists of data/reference/ "
                                                "accounted for (JSON: everything; CSV: the yearly table).")
    ] = False,
) -> None:
    """Counts by class, by relation type, by year and by source.

    In Python: kg.ask.stats.stats(), kg.ask.stats.coverage_report().
    """
    from kg.ask.stats import stats as compute

    if coverage:
        from kg.ask.stats import coverage_report

        report = coverage_report(store(), state.data_dir)
        if fmt.value == "table":
            _print_coverage(report)
        elif fmt.value == "json":
            to_json(report)
        else:
            emit(report["years"], fmt.value)
        return
    result = compute(store())
    if brief:
        result = _brief(result)
    if fmt.value == "json":
        to_json(result)
        return
    sections = [("By class", "classes"), ("By relation type", "relations"), ("By year", "years"),
                ("By source (most cited first)", "sources")]
    if brief:
        sections = [(f"Top {BRIEF_ROWS} classes", "classes"), (f"Top {BRIEF_ROWS} relation types", "relations"),
                    ("Years and sources", "covered")]
    for title, key in sections:
        if fmt.value == "table":
            echo(f"\n{title}" if key != "classes" else f"As of {result['as_of']}\n\n{title}")
        emit(result[key], fmt.value)


def _print_coverage(report: dict) -> None:
    """The yearly table, then events per period, the reference lists, and what the map cannot place."""
    emit(report["years"], "table")
    echo("\nEvents per period")
    emit(report["periods"], "table")
    if report["lists"]:
        echo("\nReference lists (data/reference/): items recorded as events, excluded, without a status")
        emit(report["lists"], "table")
    echo(f"\n{report['events']} events; {report['events at a country']} placed only at a country, "
               f"{report['events without a place']} without a place; "
               f"{report['places without coordinates']} places without coordinates")


def _brief(result: dict) -> dict:
    """The first rows of each graph's counts; the years covered and how many sources are cited."""
    def top(rows: list[dict]) -> list[dict]:
        seen: dict[str, int] = {}
        out = []
        for row in rows:
            seen[row["graph"]] = seen.get(row["graph"], 0) + 1
            if seen[row["graph"]] <= BRIEF_ROWS:
                out.append(row)
        return out

    years = [r["year"] for r in result["years"]]
    covered = [{"from": min(years) if years else None, "to": max(years) if years else None,
                "sources": len(result["sources"])}]
    return {"as_of": result["as_of"], "classes": top(result["classes"]), "relations": top(result["relations"]),
            "covered": covered}


class ExportFormat(str, Enum):
    ttl = "ttl"
    trig = "trig"
    nq = "nq"
    nt = "nt"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"
    geojson = "geojson"
    acled_csv = "acled-csv"


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="RDF format; graphml/gexf/csv for the network; geojson or acled-csv for the events.")] = ExportFormat.trig,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    graph: Annotated[
        list[str] | None, typer.Option("--graph", "-g", help="Only this data set's graph (curated, ontology, acled ...).")
    ] = None,
) -> None:
    """Write the graph in Turtle, TriG, N-Quads, N-Triples or JSON-LD (byte-identical for the same data).

    graphml and gexf write the actor network for Gephi (GEXF with dated edges for
    its timeline); csv an edge list with periods and sources. geojson writes the events
    (place, dates, kind, sides, tolls, sources), places and regions for QGIS; acled-csv the
    events in ACLED's columns, for scripts written for ACLED (kg import acled reads it back).

    In Python: kg.ask.export.export(fmt, graphs).
    """
    from kg.ask.export import export as run_export
    from kg.output_files import write_output

    data = run_export(fmt.value, graph, store())
    write_output(output or "-", data)


@app.command()
def doctor(
    fix: Annotated[bool, typer.Option("--fix", help="Remove what is safe to remove (staging folders of "
                                                    "interrupted writes, stores no process reads, stray locks).")] = False,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """What $KG_HOME holds: the live store, earlier stores, staging folders of interrupted
    writes, corrupt copies, with their sizes and what kg may remove; --fix removes that.

    Corrupt copies are kept for you (the report says how to delete one). In Python:
    kg.store.doctor.report(), kg.store.doctor.fix().
    """
    from kg.store import doctor as check_home
    from kg.store.live import home

    if fix:
        removed = check_home.fix(wait=not no_wait)
        freed = sum(e.bytes for e in removed)
        if fmt.value == "json":
            to_json({"removed": [e.as_row() for e in removed], "freed_bytes": freed,
                     "kept": [e.as_row() for e in check_home.report()]})
            return
        echo(f"removed {len(removed)} of what kg left in {home()}, {check_home.human(freed)} freed")
        for e in removed:
            echo(f"  {e.kind}: {e.path} ({check_home.human(e.bytes)})")
        echo("")
    entries = [e.as_row() for e in check_home.report()]
    if fmt.value == "json" and not fix:
        to_json(entries)
        return
    emit(entries, fmt.value, ["kind", "path", "size", "removable", "note"])
    if not fix:
        may = [e for e in entries if e["removable"]]
        if may:
            echo(f"\nkg doctor --fix removes the {len(may)} marked removable "
                 f"({check_home.human(sum(e['bytes'] for e in may))})")
