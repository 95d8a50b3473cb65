"""``kg check``: the consistency rules of kg/checks over the graph, with the row to fix."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli.app import FormatOption, app, state, store
from kg.cli.output import echo, to_csv, to_json


@app.command()
def check(
    include_imports: Annotated[
        bool, typer.Option("--all", help="Check the imported data sets' graphs too, not only the curated one.")
    ] = False,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", help="Run only this rule (repeatable); see kg/checks.")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Check the graph's consistency: lifespans, mergers, alliances against fights, sources, ids.

    Each finding names the CSV file and line of the row to fix. Exit code 0 when
    there are only warnings, 1 when there is an error.

    The checklists of data/reference/ are checked too (rule reference-list): an item without a
    status is a warning, a status naming no event an error.

    In Python: kg.ask.check.check_graph(store, locations=kg.ask.check.row_locations(data_dir)),
    kg.ask.check.reference_findings(data_dir).
    """
    from kg.ask.check import (
        REFERENCE_RULE,
        SEVERITIES,
        check_graph,
        counts,
        reference_findings,
        row_locations,
        rules,
    )
    from kg.errors import UsageError
    from kg.store.cache import default_data_dir

    known = {r.id for r in rules()} | {REFERENCE_RULE}
    unknown = [r for r in rule or [] if r not in known]
    if unknown:
        raise UsageError(f"no rule {', '.join(unknown)}; the rules: {', '.join(sorted(known))}")
    data_dir = state.data_dir or default_data_dir()
    locations = row_locations(data_dir)
    findings = check_graph(store(), include_imports=include_imports, locations=locations, only=rule)
    if not rule or REFERENCE_RULE in rule:
        findings = sorted(findings + reference_findings(data_dir),
                          key=lambda f: (SEVERITIES.index(f.severity), f.file or "~", f.line or 0, f.rule, f.message))
    tally = counts(findings)
    if fmt.value == "json":
        to_json({"errors": tally["error"], "warnings": tally["warning"],
                 "findings": [f.as_dict() for f in findings]})
    else:
        rows = [{"severity": f.severity, "rule": f.rule,
                 "where": f"{f.file}:{f.line}" if f.file else f"{f.graph}: {f.node}",
                 "message": f.message + (f" (see {f.see})" if f.see else "")} for f in findings]
        if fmt.value == "csv":
            to_csv(rows, ["severity", "rule", "where", "message"])
        else:
            _print_table(rows)
        echo(f"{_count(tally['error'], 'error')}, {_count(tally['warning'], 'warning')}", err=fmt.value != "table")
    if tally["error"]:
        raise typer.Exit(1)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _print_table(rows: list[dict]) -> None:
    """One finding per line, the message whole (a table would cut it)."""
    for r in rows:
        echo(f"{r['severity']:<8} {r['where']:<30} {r['rule']}: {r['message']}")
