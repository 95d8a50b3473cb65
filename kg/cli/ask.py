"""Commands that answer questions: fought, actor, timeline, relations, path."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import FormatOption, actor_name, answered, app, store
from kg.cli.output import emit

YearOption = Annotated[int | None, typer.Option("--year", "-y", help="Only what overlaps this year.")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Start of the window: YYYY, YYYY-MM or YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="End of the window: YYYY, YYYY-MM or YYYY-MM-DD.")]


@app.command()
def fought(
    actor: Annotated[str | None, typer.Argument(help="An actor: id, name or alias (JNIM, GSIM, goita ...).", callback=actor_name)] = None,
    opponent: Annotated[str | None, typer.Argument(help="A second actor: when did these two fight?", callback=actor_name)] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    exact: Annotated[bool, typer.Option("--exact", help="Do not count an actor's parts (armed forces, components).")] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="Only evidence from one data set: curated, acled or ucdp.")
    ] = None,
    fmt: FormatOption = "table",
    show_sparql: Annotated[bool, typer.Option("--show-sparql", help="Print the SPARQL queries run, then the answer.")] = False,
) -> None:
    """Who fought whom, when: periods, events, fatalities and sources.

    Merges dated "fought" statements and combat events with the actors on
    opposite sides. An actor stands for its parts (Mali for its army, Russia
    for Wagner and Africa Corps, JNIM for its components after they joined);
    the "via" column names the part. In Python: kg.fought(actor, opponent, year=...).
    """
    from kg.ask.fought import _answer

    rows, queries = _answer(actor, opponent, year, start, end, exact, source, store())
    if show_sparql:  # on stderr when the answer is data a script will parse
        for q in queries:
            typer.echo(q.rstrip() + "\n", err=fmt.value != "table")
    if fmt.value == "json":
        emit([], "json", json_data=[{k: v for k, v in r.items() if k != "period_text"} for r in rows])
    else:
        flat = [
            {"actor": r["actor"], "opponent": r["opponent"], "periods": r["period_text"], "events": r["events"],
             "fatalities": r["fatalities"], "via": _via(r), "sources": r["sources"]}
            for r in rows
        ]
        emit(flat, fmt.value)
    answered()


def _via(row: dict) -> str | None:
    """The part(s) through which a rolled-up row was found: 'Wagner Group' or 'A / B'."""
    parts = [p for p in (row["via"], row["opponent_via"]) if p]
    return " / ".join(parts) or None


@app.command()
def actor(
    name: Annotated[str, typer.Argument(help="An actor: id, name or alias.", callback=actor_name)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """A profile: type, aliases, Wikidata id, active period, leaders, parents and
    components, allies and opponents by period, key events, sources.

    In Python: kg.ask.profile.actor(name).
    """
    from kg.ask.profile import actor as profile

    p = profile(name, store=store())
    if fmt == "json":
        emit([], "json", json_data=p)
        return
    if fmt != "text":
        raise typer.BadParameter("expected text or json", param_hint="--format")
    typer.echo(f"{p['label']}  ({p['id']})")
    kind = p["type"] + (f", {p['orientation']}" if p["orientation"] else "")
    facts = [("type", kind), ("active", p["active"]["text"] if p["active"] else None),
             ("country", p["country"]), ("wikidata", p["wikidata"]), ("aliases", "; ".join(p["aliases"])),
             ("about", p["description"])]
    for key, value in facts:
        if value:
            typer.echo(f"  {key + ':':10}{value}")
    sections = [("Leaders", "leaders"), ("Leads", "leads"), ("Part of / acts for", "part_of"),
                ("Components and agents", "components"), ("Merged into", "merged_into"),
                ("Absorbed", "absorbed"), ("Succeeded", "succeeded"), ("Succeeded by", "succeeded_by"),
                ("Allies", "allies")]
    for title, key in sections:
        if p[key]:
            typer.echo(f"\n{title}")
            emit(p[key], "table", ["actor", "relation", "period", "certainty"])
    if p["opponents"]:
        typer.echo("\nFought")
        emit(p["opponents"], "table", ["actor", "period", "events", "via"])
    if p["other_relations"]:
        typer.echo("\nOther relations")
        emit(p["other_relations"], "table", ["relation", "actor", "period", "certainty"])
    if p["events"]:
        typer.echo("\nEvents")
        linked = ["records"] if any(e["records"] for e in p["events"]) else []  # kg link: ACLED, UCDP records
        emit(p["events"], "table", ["date", "event", "type", "role", "place", "fatalities", *linked])
    typer.echo("\nSources: " + ", ".join(p["sources"]))


class TimelineFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@app.command()
def timeline(
    name: Annotated[str | None, typer.Argument(help="An actor (default: everything).", callback=actor_name)] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: Annotated[TimelineFormat, typer.Option(
        "--format", "-f", help="Output: an aligned table, JSON, CSV, or an HTML page drawing one actor's timeline.",
    )] = TimelineFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="With --format html: the file to write.")] = None,
) -> None:
    """Statements and events in date order, of one actor or of the whole graph.

    --format html draws one actor's timeline (bars for periods, dots for one-off
    relations, ticks for events) as a self-contained page. In Python:
    kg.ask.timeline.timeline(name, year=..., start=..., end=...), kg.explore.timeline_page.timeline_page(name, output).
    """
    from kg.errors import UsageError

    if fmt is TimelineFormat.html:
        from kg.explore.timeline_page import timeline_page

        if name is None:
            raise UsageError("--format html draws one actor's timeline: give its NAME, e.g. kg timeline JNIM --format html -o jnim.html")
        if year is not None or start is not None or end is not None:
            raise UsageError("--format html draws the whole timeline: leave out --year, --from and --to")
        page = timeline_page(name, output, store=store())
        if output is None:
            typer.echo(page["html"], nl=False)
        else:
            typer.echo(f"wrote {page['path']}: timeline of {page['actor']}, {page['relations']} dated relations, "
                       f"{page['events']} events")
        return
    if output is not None:
        raise UsageError("--output is for --format html; the other formats print to standard output")
    from kg.ask.timeline import timeline as run

    rows = run(name, year=year, start=start, end=end, store=store())
    linked = ["records"] if any(r["records"] for r in rows) else []  # kg link: the ACLED and UCDP records
    emit(rows, fmt.value, ["when", "kind", "what", "sources", *linked])


@app.command()
def relations(
    name: Annotated[str, typer.Argument(help="An actor: id, name or alias.", callback=actor_name)],
    relation: Annotated[
        str | None, typer.Option("--type", "-t", help="Only this relation type: fought, allied_with, leads ...")
    ] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Every dated relation of an actor (fought, allied with, supports, leads, succeeded ...).

    In Python: kg.ask.relations.relations(name, relation=..., year=...).
    """
    from kg.ask.relations import relations as run

    rows = run(name, relation=relation, year=year, start=start, end=end, store=store())
    emit(rows, fmt.value, ["subject", "relation_label", "object", "period_text", "certainty", "sources"])
