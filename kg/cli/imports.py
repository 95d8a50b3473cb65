"""Commands that import, list and drop researchers' data sets (ACLED, UCDP GED)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import FormatOption, NoWaitOption, app, state
from .output import emit, to_json

import_app = typer.Typer(
    help="Import an ACLED export or a UCDP GED file into its own named graph, "
    "its actors resolved to the curated ones.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file to import.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Stop at the first bad row and change nothing (default: skip and count it).")
]
ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal)."),
]


@import_app.command("acled")
def import_acled(
    file: FileArgument,
    strict: StrictOption = False,
    country: Annotated[
        list[str] | None, typer.Option("--country", "-c", help="Only rows of this country (repeatable).")
    ] = None,
    progress: ProgressOption = None,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """Import an ACLED export (CSV, the standard column layout).

    Battles make their two sides "fought" (a summary per pair and year);
    violence against civilians is its own relation. Re-importing the same file
    changes nothing; a newer export replaces the graph atomically.
    In Python: kg.imports.import_file("acled", path, strict=..., countries=[...]).
    """
    from ..imports import import_file

    _report(import_file("acled", file, strict=strict, countries=country, data_dir=state.data_dir,
                        progress=progress, wait=not no_wait), fmt.value)


@import_app.command("ucdp")
def import_ucdp(
    file: FileArgument,
    strict: StrictOption = False,
    country: Annotated[
        list[str] | None, typer.Option("--country", "-c", help="Only rows of this country (repeatable).")
    ] = None,
    progress: ProgressOption = None,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """Import a UCDP Georeferenced Event Dataset file (GEDEvent_vNN_1.csv, 49 columns).

    State-based and non-state violence make the two sides "fought"; one-sided
    violence is its own relation. In Python: kg.imports.import_file("ucdp", path).
    """
    from ..imports import import_file

    _report(import_file("ucdp", file, strict=strict, countries=country, data_dir=state.data_dir,
                        progress=progress, wait=not no_wait), fmt.value)


def _report(report: dict, fmt: str) -> None:
    if fmt == "json":
        to_json(report)
        return
    name = Path(report["file"]).name
    if report["unchanged"]:
        typer.echo(f"unchanged: {name} is already imported as '{report['dataset']}' "
                   f"({report['events']} events; same file, options and curated names)")
        return
    typer.echo(
        f"imported {report['dataset']} from {name}: {report['rows']} rows -> {report['events']} events, "
        f"{report['statements']} summary statements, {len(report['new_actors'])} new actors; "
        f"{report['skipped']} rows skipped, {report['filtered']} filtered out "
        f"({report['seconds']} s, {report['rows_per_second']} rows/s)"
    )
    if report["problems"]:
        typer.echo(f"\nskipped rows ({report['problem_count']}):")
        for p in report["problems"]:
            typer.echo(f"  {p}")
        if report["problem_count"] > len(report["problems"]):
            typer.echo(f"  ... and {report['problem_count'] - len(report['problems'])} more")
    if report["new_actors"]:
        typer.echo("\nnames the alias table does not know (new actors in the data set's namespace; "
                   "add an alias to data/actors.csv to merge one):")
        emit(report["new_actors"], fmt, ["name", "rows", "suggested_match", "id", "type"])


@app.command()
def sources(fmt: FormatOption = "table") -> None:
    """What is loaded: the curated data and each imported data set, from where, how many rows.

    In Python: kg.imports.sources().
    """
    from ..imports import sources as list_sources

    rows = list_sources(state.data_dir)
    emit(rows, fmt.value, ["name", "label", "file", "rows", "skipped", "from", "to", "imported", "sha256"],
         json_data=rows)


@app.command()
def drop(
    name: Annotated[str, typer.Argument(help="The data set to remove: acled or ucdp.")],
    no_wait: NoWaitOption = False,
) -> None:
    """Remove one imported data set's graph (atomically; the curated data stays).

    In Python: kg.imports.drop(name).
    """
    from ..imports import drop as drop_dataset

    result = drop_dataset(name, state.data_dir, wait=not no_wait)
    rows = f" ({result['rows']} rows)" if result["rows"] is not None else ""
    typer.echo(f"dropped {result['dropped']}{rows}: {result['graph']}")
