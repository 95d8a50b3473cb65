"""Commands that explore the network: viz (an interactive page), analyze, path."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import actor_name, app, language, store
from kg.cli.output import echo, emit, to_json

YearOption = Annotated[int | None, typer.Option("--year", "-y", help="Only the relations valid in this year.")]
FromOption = Annotated[
    str | None, typer.Option("--from", help="Start of the window: YYYY, YYYY-MM or YYYY-MM-DD.")
]
ToOption = Annotated[str | None, typer.Option("--to", help="End of the window: YYYY, YYYY-MM or YYYY-MM-DD.")]
RelationsOption = Annotated[
    str | None,
    typer.Option("--relations", "-r", help="Only these relation types, comma-separated (e.g. fought,allied_with)."),
]


class TextOrJson(str, Enum):
    table = "table"
    json = "json"


TextFormatOption = Annotated[TextOrJson, typer.Option("--format", "-f", help="Output: readable text or JSON.")]


def _relations(value: str | None) -> list[str] | None:
    return [r.strip() for r in value.split(",") if r.strip()] if value else None


@app.command()
def viz(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("sahel-kg.html"),
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    focus: Annotated[str | None, typer.Option("--focus", help="Only this actor and its neighbours.", callback=actor_name)] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="With --focus: how many steps away.")] = 1,
    relations: RelationsOption = None,
    title: Annotated[str | None, typer.Option("--title", help="The page's title.")] = None,
    view: Annotated[str, typer.Option("--view", help="The view the page opens on: network or map.")] = "network",
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="LANG",
        help="The page's language, en or fr: its words, the graph's labels, dates (default: $KG_LANG, else en).",
    )] = None,
) -> None:
    """Write an interactive graph page: time slider, search, legend, tooltips, map.

    The page is one self-contained file that works offline. In Python:
    kg.explore.viz.viz(output, year=..., focus=..., depth=..., relations=[...], view=..., lang=...).
    """
    from kg.explore.viz import viz as make_page

    result = make_page(output, year=year, start=start, end=end, focus=focus, depth=depth,
                       relations=_relations(relations), title=title, view=view, lang=language(lang), store=store())
    echo(f"wrote {result['path']}: {result['nodes']} actors and places, {result['edges']} relations")


@app.command()
def analyze(
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    top: Annotated[int, typer.Option("--top", min=0, help="How many actors and triads to list.")] = 10,
    fmt: TextFormatOption = TextOrJson.table,
) -> None:
    """Network analysis: the hubs, the brokers, the blocs and structural balance.

    Degree and betweenness centrality over all relations; blocs and "the enemy
    of my enemy" triads over alliances (allied, supports, part of, acts for,
    affiliated) and fighting. In Python: kg.ask.network.analyze(year=...).
    """
    from kg.ask.network import analyze as run

    result = run(year, start, end, top=top, store=store())
    if fmt.value == "json":
        to_json(result)
        return
    echo(f"Network, {result['window']}: {result['actors']} actors, {result['pairs']} related pairs "
               f"(data as of {result['as_of']})")
    echo("\nHubs: most related actors (degree centrality)")
    emit([{"actor": r["actor"], "related actors": r["degree"], "centrality": r["score"]} for r in result["degree"]],
         "table")
    echo("\nBrokers: on the most shortest paths between others (betweenness centrality)")
    emit([{"actor": r["actor"], "betweenness": r["score"]} for r in result["betweenness"]], "table")
    echo("\nBlocs: allies together, enemies apart")
    for b in result["blocs"]:
        echo(f"  {b['bloc']}. ({b['size']}) " + ", ".join(b["members"]))
    for e in result["exceptions"]:
        echo(f"  exception: {e['a']} – {e['b']}: {e['why']}")
    echo(f"\nStructural balance: {result['balanced']} balanced and {result['unbalanced']} unbalanced triads")
    shown = sorted(result["triads"], key=lambda t: t["balanced"])[:top]
    for t in shown:
        echo(f"  {'balanced  ' if t['balanced'] else 'UNBALANCED'}  {t['signs']}  {t['reading']}")
    if len(result["triads"]) > len(shown):
        echo(f"  ... {len(result['triads']) - len(shown)} more (--top N, or --format json for all)")


@app.command()
def path(
    actor: Annotated[str, typer.Argument(help="From this actor: id, name or alias.", callback=actor_name)],
    other: Annotated[str, typer.Argument(help="To this actor.", callback=actor_name)],
    year: YearOption = None,
    start: FromOption = None,
    end: ToOption = None,
    relations: RelationsOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many shortest paths.")] = 5,
    fmt: TextFormatOption = TextOrJson.table,
) -> None:
    """How two actors are connected: the shortest chains of relations valid then.

    Each step names the relation, its direction and its dates. In Python:
    kg.ask.network.path(a, b, year=...).
    """
    from kg.ask.network import path as find
    from kg.ask.network import path_text

    result = find(actor, other, year=year, start=start, end=end, relations=_relations(relations), limit=limit,
                  store=store())
    if fmt.value == "json":
        to_json(result)
    else:
        echo(path_text(result))
