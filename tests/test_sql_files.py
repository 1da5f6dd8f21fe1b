"""The SQL files' own rules (CONTRIBUTING.md, "House rules"): the runner passes a value
only for a `$name` the text holds, and fills every `{name}` of a template, comments
included; so a comment may name neither a parameter the statement does not use nor a
placeholder."""

from __future__ import annotations

import re

import pytest

from insight_workbench.sql import SQL_DIR

FILES = sorted(SQL_DIR.glob("*.sql"))
PARAMETER = re.compile(r"\$(\w+)")


def parts(path_text: str) -> tuple[str, str]:
    """(the comments, the statements) of a file: a comment runs from `--` to the line's end."""
    comments, statements = [], []
    for line in path_text.splitlines():
        code, _, comment = line.partition("--")
        statements.append(code)
        comments.append(comment)
    return "\n".join(comments), "\n".join(statements)


def test_there_are_sql_files() -> None:
    assert len(FILES) > 50


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_comment_names_only_parameters_the_statement_uses_and_no_placeholder(path) -> None:
    comments, statements = parts(path.read_text(encoding="utf-8"))
    unused = set(PARAMETER.findall(comments)) - set(PARAMETER.findall(statements))
    assert not unused, f"{path.name}: a comment names ${', $'.join(sorted(unused))}"
    assert not set("{}") & set(comments), f"{path.name}: braces in a comment"
