"""Commands that import, list and drop researchers' data sets (ACLED, UCDP GED)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import FormatOption, NoWaitOption, answered, app, state
from kg.cli.output import echo, emit, to_json

import_app = typer.Typer(
    help="Import an ACLED export or a UCDP GED file into its own named graph, "
    "its actors resolved to the curated ones.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")

FilesArgument = Annotated[
    list[Path],
    typer.Argument(exists=True, dir_okay=False, readable=True,
                   help="The files to import (.csv, .csv.gz, or a .zip holding one CSV file)."),
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Stop at the first bad row and change nothing (default: skip and count it).")
]
ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal)."),
]
CountryOption = Annotated[
    list[str] | None, typer.Option("--country", "-c", help="Only rows of this country (repeatable).")
]
ReplaceOption = Annotated[
    bool, typer.Option("--replace", help="Replace the whole data set with these files (default: add to it).")
]
UnresolvedOption = Annotated[
    Path | None,
    typer.Option("--unresolved", dir_okay=False,
                 help="Write the names no rule placed to this CSV file, in the columns of data/aliases.csv "
                      "(with mentions, countries, years and a suggestion), to fill in and merge."),
]


@import_app.command("acled")
def import_acled(
    files: FilesArgument,
    strict: StrictOption = False,
    country: CountryOption = None,
    replace: ReplaceOption = False,
    unresolved: UnresolvedOption = None,
    progress: ProgressOption = None,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """Import ACLED exports: the dyadic export, the monadic one (a row per actor) or the
    2016-2018 layout (ally_actor_1, gwno), told apart by their header.

    Several files make one data set, and a later import adds to it: an event is known
    by its event_id_cnty, and the newer import's row replaces the older one. Battles
    make their two sides "fought" (a summary per pair and year); violence against
    civilians is its own relation. Re-importing the same file changes nothing.
    In Python: kg.imports.import_files("acled", [path, ...], replace=..., unresolved=...).
    """
    from kg.imports import import_files

    _one_blas_thread()
    _report(import_files("acled", files, strict=strict, countries=country, data_dir=state.data_dir,
                         progress=progress, replace=replace, unresolved=unresolved,
                         wait=not no_wait), fmt.value, unresolved)
    answered()  # the new store is live and closed: nothing is left to write


@import_app.command("ucdp")
def import_ucdp(
    files: FilesArgument,
    strict: StrictOption = False,
    country: CountryOption = None,
    replace: ReplaceOption = False,
    unresolved: UnresolvedOption = None,
    progress: ProgressOption = None,
    fmt: FormatOption = "table",
    no_wait: NoWaitOption = False,
) -> None:
    """Import UCDP Georeferenced Event Dataset files (GED 5.0 to 25.1: GEDEvent_vNN_1.csv,
    as .csv, .csv.gz or the .zip UCDP ships).

    State-based and non-state violence make the two sides "fought"; one-sided
    violence is its own relation. Later imports add to the data set (an event is
    known by its GED id). In Python: kg.imports.import_files("ucdp", [path, ...]).
    """
    from kg.imports import import_files

    _one_blas_thread()
    _report(import_files("ucdp", files, strict=strict, countries=country, data_dir=state.data_dir,
                         progress=progress, replace=replace, unresolved=unresolved,
                         wait=not no_wait), fmt.value, unresolved)
    answered()  # the new store is live and closed: nothing is left to write


def _one_blas_thread() -> None:
    """An import's numpy work (the linker's) is element-wise: OpenBLAS's pool of a thread per
    core, started as numpy is imported, would cost ~0.1 s of CPU for nothing (the page's
    layout, made of matrix products, keeps it)."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


TOP_UNRESOLVED = 10  # unresolved names printed after an import; --unresolved FILE writes them all


def _report(report: dict, fmt: str, unresolved: Path | None = None) -> None:
    if fmt == "json":
        to_json(report)
        return
    if report["unchanged"]:
        for f in report["files"]:
            echo(f"unchanged: {f['file']} is already imported into '{report['dataset']}'"
                       + (f" (as {f['as']})" if f["as"] != f["file"] else "")
                       + "; same file, options, curated names and aliases")
        return
    names = ", ".join(f["file"] for f in report["files"])
    how = "replaced" if report["replaced"] else "added to" if report["added"] else "imported"
    echo(
        f"{how} {report['dataset']} from {names}: {report['rows']} rows -> {report['events']} events, "
        f"{report['statements']} summary statements, {len(report['new_actors'])} new actors; "
        f"{report['skipped']} rows skipped, {report['filtered']} filtered out"
        + (f", {report['duplicates']} met twice (kept once)" if report["duplicates"] else "")
        + f" ({report['seconds']} s, {report['rows_per_second']} rows/s)"
    )
    if report.get("replaced_by_newer") or report.get("older_than_stored"):
        echo(f"revisions: {report['replaced_by_newer']} rows replaced by a newer row of their event id"
                   + (f"; {report['older_than_stored']} rows not imported: the store holds a newer revision"
                      if report.get("older_than_stored") else "")
                   + " (ACLED's timestamp, GED's version)")
    if report["added"]:
        echo(f"kept {report['kept_events']} events of the earlier imports "
             "(a row with the same id is kept in its newest revision)")
    if len(report["files"]) > 1 or report["files"][0]["layout"] != "ACLED dyadic export":
        for f in report["files"]:
            echo(f"  {f['file']}: {f['layout']}; {f['rows']} rows, {f['events']} events, "
                       f"{f['skipped']} skipped")
    if report["problems"]:
        lost = "" if report["skipped"] == report["problem_count"] else f"; {report['skipped']} rows lost in all"
        echo(f"\nskipped rows ({report['problem_count']} problems{lost}):")
        for p in report["problems"]:
            echo(f"  {p}")
        if report["problem_count"] > len(report["problems"]):
            echo(f"  ... and {report['problem_count'] - len(report['problems'])} more")
    res = report.get("resolution") or {}
    if res.get("mentions"):
        echo(
            f"\nactor mentions placed: {res['resolved']} of {res['mentions']} ({res['share']:.1%}); "
            f"armed groups and state forces: {res['armed_resolved']} of {res['armed_mentions']} "
            f"({(res['armed_share'] or 0):.1%})"
        )
    if report.get("outside_lifespan"):
        found = report["outside_lifespan"]
        echo(f"\nevidence outside a curated lifespan ({sum(r['events'] for r in found)} events; kg fought "
                   "leaves them out, kg check --all lists them):")
        for r in found[:TOP_UNRESOLVED]:
            echo(f"  {r['text']}")
        if len(found) > TOP_UNRESOLVED:
            echo(f"  ... and {len(found) - TOP_UNRESOLVED} more pairs (--format json lists them all)")
    if report.get("off_period"):
        echo("\nnames whose period does not cover the event's year (rows):")
        for name, rows in sorted(report["off_period"].items(), key=lambda kv: -kv[1]):
            echo(f"  {name}: {rows}")
    if report.get("unresolved"):
        count = len(report["unresolved"])
        shown = report["unresolved"][:TOP_UNRESOLVED]
        echo(f"\nnames no rule or alias places ({count}; "
             + (f"the {len(shown)} most frequent, " if count > len(shown) else "")
             + "new actors in the data set's namespace; add a row to data/aliases.csv to place one, "
             "or write them all with --unresolved FILE):")
        emit(shown, fmt, ["name", "mentions", "countries", "years", "suggested_match", "id"])
        if unresolved is not None:
            echo(f"\nwrote {len(report['unresolved'])} names to {unresolved}: fill in the actor column "
                       "(and country, from, to, source where the name's meaning depends on them), "
                       "then add the rows to data/aliases.csv and import again")


@app.command()
def sources(fmt: FormatOption = "table") -> None:
    """What is loaded: the curated data and each imported file: events it still holds and their period, its SHA-256.

    In Python: kg.imports.sources().
    """
    from kg.imports import sources as list_sources

    rows = list_sources(state.data_dir)
    emit(rows, fmt.value, ["name", "file", "rows", "skipped", "from", "to", "placed", "armed_placed", "imported",
                           "sha256"], json_data=rows)


@app.command()
def drop(
    name: Annotated[str, typer.Argument(help="The data set to remove: acled or ucdp.")],
    file: Annotated[str | None, typer.Option("--file", help="Remove only the events of this imported file "
                                             "(its name, as kg sources lists it).")] = None,
    no_wait: NoWaitOption = False,
) -> None:
    """Remove one imported data set's graph, or one file of it (atomically; the curated data stays).

    In Python: kg.imports.drop(name, file=...).
    """
    from kg.imports import drop as drop_dataset

    result = drop_dataset(name, state.data_dir, file=file, wait=not no_wait)
    if result.get("kept_events") is not None:
        echo(f"dropped {file} from {result['dropped']}; {result['kept_events']} events of its other files stay")
        return
    rows = f" ({result['rows']} rows)" if result["rows"] is not None else ""
    echo(f"dropped {result['dropped']}{rows}: {result['graph']}")
