"""Commands that link and compare the data sets: ``kg link`` and ``kg compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.app import FormatOption, NoWaitOption, actor_name, answered, app, state, store
from kg.cli.ask import FromOption, ToOption, YearOption
from kg.cli.output import emit, table, to_json


@app.command()
def link(
    window: Annotated[int, typer.Option("--window", help="Days two records' dates may lie apart, beyond their "
                                                         "precision.")] = 1,
    distance: Annotated[float, typer.Option("--distance", help="Km two places may lie apart.")] = 25.0,
    region_km: Annotated[float, typer.Option("--region-km", help="Km from a curated region's centre, for a "
                                                                 "record placed only at a region.")] = 150.0,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """Link the records of different data sets (curated, ACLED, UCDP) that describe the same
    incident: dates within their precision plus --window, places within --distance (or the
    same region), compatible kinds (kg/imports/kinds.toml) and actors that do not contradict.

    Every import links its new rows by itself, with the options of the last kg link; run
    this to relink everything (after kg build, or with other options). The links, with the
    rule and score each matched on, live in the named graph .../graph/links.
    In Python: kg.imports.links.link(window=..., distance=...).
    """
    from kg.imports.links import link as run

    report = run(state.data_dir, window=window, distance=distance, region_km=region_km, wait=not no_wait)
    if fmt.value == "json":
        to_json(report)
        return
    if fmt.value == "csv":
        emit([{"dataset": d, "records": n} for d, n in report["records"].items()], "csv")
        return
    typer.echo(f"linked {report['links']} pairs of records ({report['one_to_many']} one-to-many, of episodes) "
               f"after {report['comparisons']} comparisons, in {report['seconds']} s; "
               + ", ".join(f"{d}: {n} records" for d, n in report["records"].items()))
    if report["unplaced"]:
        typer.echo("not linked, placed only at a country or nowhere: "
                   + ", ".join(f"{d}: {n}" for d, n in report["unplaced"].items()))
    for t in report["unknown_types"]:
        typer.echo(f"not linked, type missing from kinds.toml: {t['type']} ({t['records']} records)")


@app.command()
def compare(
    actor: Annotated[str | None, typer.Argument(help="An actor: what each data set says about it.",
                                                callback=actor_name)] = None,
    opponent: Annotated[str | None, typer.Argument(help="A second actor: the pair.", callback=actor_name)] = None,
    country: Annotated[str | None, typer.Option("--country", "-c", help="Only events in this country.")] = None,
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    incidents: Annotated[bool, typer.Option("--incidents", help="Each incident recorded by several data sets, "
                                                                "its records side by side.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Where the curated graph, ACLED and UCDP agree and disagree.

    kg compare [--country C] [--year Y]: per data set, events, fatalities (UCDP's
    low/best/high) and the share of its events linked to each other data set.
    kg compare A [B]: per year, each data set's events and deaths for the pair, the
    curated statements, the linked incidents and the disagreements (other opponents
    named for one incident, tolls apart by more than a factor of two, a pair-year only
    one data set sees); --format csv gives the per-year rows, json everything.
    kg compare --incidents [A [B]] [--country C]: each linked incident, its records side by side.
    In Python: kg.ask.compare.overview(country, year=...), kg.ask.compare.dyad(a, b, year=...),
    kg.ask.compare.incident_rows(a, b, country=..., year=...).
    """
    from kg.ask import compare as cmp

    kg_store = store()
    if incidents:
        rows = cmp.incident_rows(actor, opponent, country=country, year=year, start=start, end=end,
                                 store=kg_store)
        columns = ["incident", "date", "place", *_dataset_columns(rows), "tolls_agree", "rules"]
        emit([{**r, "rules": ", ".join(r["rules"])} for r in rows], fmt.value, columns, json_data=rows)
    elif actor is None:
        if opponent is not None:
            raise typer.BadParameter("give the first actor too")
        emit(cmp.overview(country, year=year, start=start, end=end, store=kg_store), fmt.value)
    else:
        if country is not None:
            from kg.errors import UsageError

            raise UsageError("--country goes with kg compare alone or with --incidents, not with actors")
        answer = cmp.dyad(actor, opponent, year=year, start=start, end=end, store=kg_store)
        if fmt.value == "json":
            to_json(answer)
        elif fmt.value == "csv":
            emit(answer["years"], "csv")
        else:
            _print_dyad(answer)
    answered()


def _dataset_columns(rows: list[dict]) -> list[str]:
    fixed = {"incident", "date", "place", "tolls_agree", "actors", "rules", "records"}
    seen: list[str] = []
    for r in rows:
        for k in r:
            if k not in fixed and k not in seen:
                seen.append(k)
    return seen


def _print_dyad(answer: dict) -> None:
    who = answer["actor"] + (f" against {answer['opponent']}" if answer["opponent"] else " against anyone")
    typer.echo(f"{who}\n\ncurated statements:")
    table(answer["statements"], ["id", "subject", "relation", "object", "start", "end"])
    typer.echo("\nby year and data set (events, deaths):")
    table(answer["years"])
    typer.echo("\nincidents recorded by several data sets:")
    linked = [i for i in answer["incidents"] if len({r["dataset"] for r in i["records"]}) > 1]
    table([{**i, "rules": ", ".join(i["rules"])} for i in linked],
          ["incident", "date", "place", *_dataset_columns(linked), "tolls_agree", "rules"])
    typer.echo("\ndisagreements:")
    table(answer["disagreements"], ["kind", "incident", "year", "what"])
