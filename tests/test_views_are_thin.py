"""The views stay thin: pages and notebooks hold no SQL and no duckdb, and what the
notebooks import never drags in the command line (typer) or the app (streamlit)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")])
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SQL = re.compile(r"\b(SELECT|INSERT|CREATE|WHERE|GROUP BY)\b")


def _notebook_code(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_sql_and_no_duckdb(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "duckdb" not in text
    assert not SQL.search(text)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_never_import_the_command_line(path: Path) -> None:
    """The app's layer (import-linter sees only the package, not app.py and app_pages/)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    assert names  # every page imports the library
    banned = ("insight_workbench.cli", "insight_workbench.commands", "typer")
    assert not [n for n in names if n in banned or n.startswith(tuple(b + "." for b in banned))]


def test_notebooks_never_import_typer_or_streamlit() -> None:
    imports = sorted(
        {
            ast.unparse(node)  # an import over several lines, in parentheses, whole
            for path in NOTEBOOKS
            for node in ast.walk(ast.parse(_notebook_code(path)))
            if isinstance(node, ast.Import | ast.ImportFrom)
            and re.match(r"(from|import) insight_workbench\b", ast.unparse(node))
        }
    )
    assert imports  # the notebooks do call the library
    probe = "\n".join(
        [*imports, "import sys", "print(sorted({'typer', 'streamlit'} & set(sys.modules)))"]
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
