"""The command-line reference documents every command and option of the real CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from insight_workbench.cli import app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):  # a group of subcommands
            found += _commands(command, path + " ")
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_every_command_has_a_section():
    assert {"check", "schedule", "usage", "sar", "validate", "manifest", "reports prune"} <= {
        path for path, _ in COMMANDS
    }
    for path, _ in COMMANDS:
        assert f"## `{path}" in DOC, f"docs/cli.md lacks a section for `{path}`"


def test_every_option_is_documented():
    for path, command in COMMANDS:
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in DOC, f"docs/cli.md lacks {option} of `{path}`"
