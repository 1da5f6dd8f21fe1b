"""An option that takes one value, given twice, is refused rather than the last one kept:
`sar --email a --email b` would write the pack of b alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from insight_workbench.errors import InputError


def refuse_repeated(command: Any, args: Sequence[str]) -> None:
    """Walk `args` as the command line will parse them (subcommands, then options and
    their values) and refuse the first option of one value given more than once.
    `command` is the click command typer builds (typer carries its own click, so it is
    read by its attributes)."""
    index = 0
    while hasattr(command, "get_command") and index < len(args):
        found = command.get_command(None, args[index])
        if found is None:
            return  # an unknown command: the parser says so
        command, index = found, index + 1
    words = list(args[index:])
    if hasattr(command, "arguments_as_parsed"):  # `report -p NAME VALUE`: one word each
        words = command.arguments_as_parsed(words)
    if "--help" in words:
        return  # the help is asked for: it is shown, whatever else was given
    options = {
        name: param
        for param in command.params
        if param.param_type_name == "option"
        for name in (*param.opts, *param.secondary_opts)
    }
    seen: set[str] = set()
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--":
            return
        option = options.get(word.split("=", 1)[0] if word.startswith("--") else word)
        index += 1
        if option is None:
            continue
        if not option.is_flag and "=" not in word:
            index += option.nargs  # its value(s), whatever they look like
        if option.multiple or option.is_flag or option.count:
            continue
        if option.name in seen:
            raise InputError(f"{option.opts[0]}: given more than once; give it once")
        seen.add(option.name)
