"""``kg query``: SPARQL for researchers, typed or named."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.cli.app import app, store
from kg.cli.output import echo, emit, table
from kg.errors import UsageError

MAX_TIMEOUT = 1_000_000  # kg.ask.query.MAX_TIMEOUT (not imported here: kg query --help stays quick)


@app.command("query")
def query_command(
    query: Annotated[
        str | None,
        typer.Argument(help="SPARQL text, a named query (see --list), or - for stdin."),
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from this file.", exists=True, dir_okay=False)] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE for a query parameter (repeatable).")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table; json, xml, csv, tsv (SELECT/ASK); ttl, nt, nq, trig, jsonld, xml (CONSTRUCT/DESCRIBE).")
    ] = "table",
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, max=MAX_TIMEOUT, metavar="S",
                            help="Stop the query after S seconds (0: no limit).")
    ] = 60.0,
    max_memory_mb: Annotated[
        float | None,
        typer.Option("--max-memory-mb", metavar="MB", help="Stop the query when it needs more memory than this "
                                                            "(default: an eighth of the RAM, at most 4096; 0: no cap)."),
    ] = None,
) -> None:
    """Run SPARQL over the graph: from an argument, a file or stdin, or a named query.

    Examples: kg query who-fought-in-year --param year=2013;
    kg query 'SELECT ?a WHERE { GRAPH ?g { ?a skg:fought actor:jnim } }' --format csv.
    Prefixes skg:, actor:, event:, place:, stmt:, source:, rdfs:, xsd: ... are predeclared.
    Rows are printed as they come; past --timeout or --max-memory-mb the query is stopped (exit 3).
    In Python: kg.query(text, params=..., fmt=..., timeout=..., max_memory_mb=...), or stream(...) from the module kg.ask.query.
    """
    from kg.ask.query import named_query_list, short, stream

    if list_queries:
        emit(named_query_list(), "table" if fmt == "table" else fmt, ["name", "title", "params"])
        return
    from kg.store.memory_cap import check_cap

    memory = None if max_memory_mb is None else check_cap(max_memory_mb)
    text = _read_query(query, file)
    with stream(text, params=_parse_params(param or []), fmt=fmt, store=store(), timeout=timeout,
                max_memory_mb=memory) as answer:
        if answer.boolean is not None:
            echo("true" if answer.boolean else "false")
        elif fmt == "table" and answer.kind == "SELECT":
            table(({k: short(v) for k, v in r.items()} for r in answer.rows()), answer.columns or None)
        else:
            out = sys.stdout.buffer
            last = b"\n"
            for chunk in answer.chunks():
                out.write(chunk)
                out.flush()  # a reader (| head) gets the rows as they come
                last = chunk[-1:] or last
            if last != b"\n":
                out.write(b"\n")


def _read_query(query: str | None, file: Path | None) -> str:
    if file is not None:
        if query is not None:
            raise UsageError("give the query as an argument or with --file, not both")
        try:
            return file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise UsageError(f"--file {file}: not a UTF-8 text file (byte 0x{e.object[e.start]:02x} "
                             f"at offset {e.start}); a query file holds SPARQL text") from None
        except OSError as e:
            raise UsageError(f"--file {file}: cannot be read ({e.strerror})") from None
    if query is None or query == "-":
        if query is None and sys.stdin.isatty():
            raise UsageError("no query: give SPARQL text, a named query, --file FILE, or pipe it on stdin")
        try:
            return sys.stdin.buffer.read().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise UsageError(f"the query on stdin is not UTF-8 text (byte 0x{e.object[e.start]:02x} "
                             f"at offset {e.start})") from None
    return query


def _parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--param '{item}': expected NAME=VALUE")
        out[name.strip()] = value
    return out
