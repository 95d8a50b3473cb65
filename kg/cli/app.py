"""The typer application and the options every command shares."""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="kg",
    help="Ask the Sahel conflicts knowledge graph who fought, allied with, led or succeeded whom, and when.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class State:
    """Options of the ``kg`` callback, read by every command."""

    data_dir: Path | None = None
    endpoint: str | None = None
    answered: bool = False  # a read-only command has printed its whole answer (see answered())


state = State()


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def actor_name(value: str | None) -> str | None:
    """Callback of every actor-name argument: an empty or blank name is an error, not "every actor"."""
    if value is not None and not value.strip():
        from kg.errors import UsageError

        raise UsageError(f"the actor name {value!r} is empty; give an actor's id, name or alias (e.g. JNIM)")
    return value

NoWaitOption = Annotated[
    bool,
    typer.Option("--no-wait", help="Fail at once (exit 5) if another kg process is changing the store, "
                                   "instead of waiting for it."),
]

LangOption = Annotated[
    str | None,
    typer.Option("--lang", metavar="LANG",
                 help="Labels and table headers in this language: en or fr (default: $KG_LANG, else en)."),
]


def language(value: str | None) -> str:
    """The language of an answer: --lang, else $KG_LANG, else English (kg.messages.choose)."""
    from kg.messages import choose

    return choose(value)


FormatOption = Annotated[
    TableFormat, typer.Option("--format", "-f", help="Output: an aligned table, JSON or CSV.")
]


@app.callback()
def options(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", envvar="KG_DATA", file_okay=False, exists=True,
            help="Folder of curated CSV files (default: the data/ shipped with kg).",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what kg is doing.")] = False,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint", envvar="KG_ENDPOINT", metavar="URL",
            help="Ask this SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query) instead of the local store.",
        ),
    ] = None,
) -> None:
    state.data_dir = data
    state.endpoint = endpoint
    logging.basicConfig(format="kg: %(message)s", level=logging.INFO if verbose else logging.WARNING)


def answered() -> None:
    """Called by a command that only reads, once its answer is printed: nothing is left
    to write or close, so ``main`` may end the process without Python's teardown
    (closing the store's RocksDB and freeing every module: 15 ms of `kg fought`)."""
    state.answered = True


def store():
    """The cached store of the curated graph (rebuilt if the data changed), or the --endpoint server."""
    if state.endpoint:
        from kg.store.remote import RemoteStore

        return RemoteStore(state.endpoint)
    from kg.store.cache import open_store

    return open_store(state.data_dir)
