"""The typer application and the options every command shares."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
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
    answered: bool = False  # a command has printed its whole answer, nothing left to write (see answered())
    timeouts: dict[str, float] | None = None  # --connect-timeout, --endpoint-timeout (see remote())


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
    endpoint_timeout: Annotated[
        float,
        typer.Option("--endpoint-timeout", envvar="KG_ENDPOINT_TIMEOUT", metavar="S", min=0.1, max=86400,
                     help="Seconds an --endpoint server may take to answer a query."),
    ] = 60.0,
    connect_timeout: Annotated[
        float,
        typer.Option("--connect-timeout", envvar="KG_CONNECT_TIMEOUT", metavar="S", min=0.1, max=3600,
                     help="Seconds a server (--endpoint, kg push) may take to accept the connection."),
    ] = 10.0,
    lock_wait: Annotated[
        float,
        typer.Option("--lock-wait", envvar="KG_LOCK_WAIT", metavar="S", min=0,
                     help="Seconds a command that changes the store waits for another that is changing it "
                          "(inf: no bound; a stopped one ends the wait sooner)."),
    ] = 600.0,
) -> None:
    import math

    from kg.store import locks

    for name, value in (("--endpoint-timeout", endpoint_timeout), ("--connect-timeout", connect_timeout),
                        ("--lock-wait", lock_wait)):
        if math.isnan(value):
            from kg.errors import UsageError

            raise UsageError(f"{name} takes a number of seconds, not nan")
    state.timeouts = {"connect": connect_timeout, "query": endpoint_timeout}
    locks.set_default_wait(lock_wait)
    state.data_dir = data
    state.endpoint = endpoint
    handler = logging.StreamHandler()
    handler.setFormatter(_EscapingFormatter("kg: %(message)s"))
    logging.basicConfig(handlers=[handler], level=logging.INFO if verbose else logging.WARNING)


class _EscapingFormatter(logging.Formatter):
    """kg's messages on stderr with the control characters of data (file and actor names) escaped."""

    def format(self, record: logging.LogRecord) -> str:
        from kg.terminal import escape_controls

        return escape_controls(super().format(record))


def answered() -> None:
    """Called by a command once its answer is printed and nothing is left to write or close
    (one that only reads; an import, once its store is switched and closed), so ``main``
    may end the process without Python's teardown (closing the store's RocksDB and freeing
    every module: 15 ms of `kg fought`, ~70 ms of an import that loaded numpy)."""
    state.answered = True


def remote():
    """``kg.store.remote`` with the global options' time limits: imported only by the commands
    that reach a server (it brings http.client and ssl: 0.1 s of every kg start-up)."""
    from kg.store import remote as module

    if state.timeouts:
        module.default_timeouts.update(state.timeouts)
    return module


def store():
    """The cached store of the curated graph (rebuilt if the data changed), or the --endpoint server."""
    if state.endpoint:
        return remote().RemoteStore(state.endpoint)
    from kg.store.cache import open_store

    return open_store(state.data_dir)


MAX_NUMBER = 1_000_000_000  # the bound of a numeric option that declares none


class _BoundedNumber:
    """A numeric option's type, finite and bounded: ``inf``, ``nan``, ``1e308`` or a
    40-digit integer is a usage error naming the option (exit 2), never a value that
    overflows deep inside (``math.ceil(inf)``, ``islice(10**40)``). Mixed, at run time,
    into the ParamType class of the click that typer uses (see ``bound_numbers``)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.name = inner.name
        low, high = getattr(inner, "min", None), getattr(inner, "max", None)
        self.low = -MAX_NUMBER if low is None else low
        self.high = MAX_NUMBER if high is None else high

    def convert(self, value, param, ctx):
        import math

        number = self.inner.convert(value, param, ctx)
        whole = isinstance(number, int)
        kind = "a whole number" if whole else "a number"
        if not whole and not math.isfinite(number):
            self.fail(f"{value!s} is not a finite number; expected {kind} from {self.low:g} to {self.high:g}",
                      param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{value!s} is out of range; expected {kind} from {self.low:g} to {self.high:g}", param, ctx)
        return number

    def get_metavar(self, *args, **kwargs):
        return self.inner.get_metavar(*args, **kwargs)


def is_number(kind) -> bool:
    """A numeric parameter type of the click typer uses (its classes are found by name)."""
    return any(c.__name__ == "_NumberParamTypeBase" for c in type(kind).__mro__)


def bound_numbers(command) -> object:
    """Give every numeric option and argument of ``command`` and its subcommands a
    finite, bounded type (see _BoundedNumber): the whole class of inf/nan/huge values
    is refused at parsing, for the options written now and those added later."""
    for param in command.params:
        if is_number(param.type):
            base = next(c for c in type(param.type).__mro__ if c.__name__ == "ParamType")
            bounded = type("BoundedNumber", (_BoundedNumber, base), {})
            param.type = bounded(param.type)
    for sub in getattr(command, "commands", {}).values():
        bound_numbers(sub)
    return command


def command():
    """The click command of ``kg``, its numbers bounded: what ``main`` runs.

    Its subcommands are made into click commands only when asked for (``_Commands``):
    typer reads every parameter's annotations to make one, 69 ms for all of kg's, of
    which a call runs one. The root group (its callback, the global options) is made by
    typer as always, from the app with its commands set aside for that moment."""
    commands, groups = app.registered_commands, app.registered_groups
    app.registered_commands, app.registered_groups = [], []
    try:
        root = bound_numbers(typer.main.get_group(app))
    finally:
        app.registered_commands, app.registered_groups = commands, groups
    root.commands = _Commands(_makers(commands, groups))
    return root


def _makers(commands, groups) -> dict:
    """Each subcommand's name, in the order kg defines them (its help lists them so), with
    what makes its click command: typer's own conversion, with the app's settings."""
    from functools import partial

    from typer.main import (
        get_command_from_info,
        get_command_name,
        get_group_from_info,
        solve_typer_info_defaults,
    )

    makers = {}
    for info in commands:
        name = info.name or get_command_name(info.callback.__name__)
        makers[name] = partial(get_command_from_info, info, pretty_exceptions_short=app.pretty_exceptions_short,
                               rich_markup_mode=app.rich_markup_mode)
    for info in groups:
        name = solve_typer_info_defaults(info).name
        if not isinstance(name, str) or not name:
            raise TypeError("every group of kg's commands is added with a name (app.add_typer(..., name=...))")
        makers[name] = partial(get_group_from_info, info, pretty_exceptions_short=app.pretty_exceptions_short,
                               rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)
    return makers


class _Commands(MutableMapping):
    """The root group's subcommands by name (click's ``Group.commands``): each made, and its
    numbers bounded, the first time it is looked up; listing the names makes none."""

    def __init__(self, makers: dict) -> None:
        self.makers = makers
        self.made: dict = {}

    def __getitem__(self, name: str):
        if name not in self.made:
            self.made[name] = bound_numbers(self.makers[name]())  # KeyError: no such command
        return self.made[name]

    def __setitem__(self, name: str, command) -> None:  # click's Group.add_command
        self.made[name] = bound_numbers(command)
        self.makers[name] = lambda: self.made[name]

    def __delitem__(self, name: str) -> None:
        del self.makers[name]
        self.made.pop(name, None)

    def __iter__(self):
        return iter(self.makers)

    def __len__(self) -> int:
        return len(self.makers)
