"""Commands that answer questions: fought, actor, timeline, relations, path."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import FormatOption, app, store
from .output import emit

YearOption = Annotated[int | None, typer.Option("--year", "-y", help="Only what overlaps this year.")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Start of the window: YYYY, YYYY-MM or YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="End of the window: YYYY, YYYY-MM or YYYY-MM-DD.")]


@app.command()
def fought(
    actor: Annotated[str | None, typer.Argument(help="An actor: id, name or alias (JNIM, GSIM, goita ...).")] = None,
    opponent: Annotated[str | None, typer.Argument(help="A second actor: when did these two fight?")] = None,
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
    from ..fought import _answer

    rows, queries = _answer(actor, opponent, year, start, end, exact, source, store())
    if show_sparql:  # on stderr when the answer is data a script will parse
        for q in queries:
            typer.echo(q.rstrip() + "\n", err=fmt.value != "table")
    if fmt.value == "json":
        emit([], "json", json_data=[{k: v for k, v in r.items() if k != "period_text"} for r in rows])
        return
    flat = [
        {"actor": r["actor"], "opponent": r["opponent"], "periods": r["period_text"], "events": r["events"],
         "fatalities": r["fatalities"], "via": _via(r), "sources": r["sources"]}
        for r in rows
    ]
    emit(flat, fmt.value)


def _via(row: dict) -> str | None:
    """The part(s) through which a rolled-up row was found: 'Wagner Group' or 'A / B'."""
    parts = [p for p in (row["via"], row["opponent_via"]) if p]
    return " / ".join(parts) or None
