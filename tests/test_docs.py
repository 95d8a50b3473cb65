"""Every command is documented: help text in the CLI, a row in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from kg.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(typer.main.get_command(app).commands)


def test_there_are_commands():
    assert {"build", "validate", "stats", "export", "fought", "actor", "timeline", "relations", "query"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_entry(name):
    command = typer.main.get_command(app).commands[name]
    assert command.help and len(command.help) > 20
    assert f"`kg {name}" in README, f"kg {name} is missing from the README"
