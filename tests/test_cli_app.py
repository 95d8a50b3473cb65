"""The command table of ``kg`` (kg/cli/app.py): subcommands made into click commands only
when looked up, the same as typer makes them all at once, every number bounded."""

from __future__ import annotations

import typer

from kg.cli.app import app, bound_numbers, command, is_number


def describe(cmd) -> list:
    """What a user meets of a command: its parameters, their flags, types and defaults, its help."""
    out = [cmd.name, cmd.help, type(cmd).__name__]
    for p in cmd.params:
        out.append((p.name, tuple(p.opts), tuple(p.secondary_opts), type(p.type).__name__, repr(p.default),
                    p.required, getattr(p, "help", None)))
    for _name, sub in sorted(getattr(cmd, "commands", {}).items()):
        out.append(describe(sub))
    return out


def test_listing_the_commands_makes_none_and_a_lookup_makes_one():
    root = command()
    names = list(root.commands)
    assert {"fought", "import", "build", "viz"} <= set(names)
    assert root.commands.made == {}
    root.commands["fought"]
    assert list(root.commands.made) == ["fought"]
    assert root.commands.get("no-such-command") is None


def test_the_lazy_table_holds_what_typer_makes_at_once():
    eager = bound_numbers(typer.main.get_command(app))
    lazy = command()
    assert list(lazy.commands) == list(eager.commands)  # the help lists them in this order
    for name in eager.commands:
        assert describe(lazy.commands[name]) == describe(eager.commands[name])
    assert describe(lazy)[:3] == describe(eager)[:3]
    assert [p.name for p in lazy.params] == [p.name for p in eager.params]


def test_every_numeric_parameter_of_a_lazily_made_command_is_bounded():
    root = command()
    seen = 0
    for name in root.commands:
        todo = [root.commands[name]]
        while todo:
            cmd = todo.pop()
            todo.extend(getattr(cmd, "commands", {}).values())
            for p in cmd.params:
                assert not is_number(p.type), (name, p.name)  # a number the bounds did not wrap
                seen += type(p.type).__name__ == "BoundedNumber"
    assert seen > 5
