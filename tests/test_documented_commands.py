"""Every `insight-workbench` command in the README and docs/ works as written.

Each command found in a fenced code block runs, word for word, in a fresh folder laid
out like a fresh clone (a copy of `data/sample`, the notebooks next to it), through the
console script's entry point in this process. It must exit with its documented code.

A block preceded by `<!-- doc-test: skip (why) -->` is not run: its paths stand for
the reader's own files. Running every report notebook would take minutes, so the first
documented `report` runs papermill for real and the others are checked up to the
point where their first notebook would start (notebook, parameters, snapshot, key).
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from insight_workbench.cli import app, main
from insight_workbench.commands.report_cmd import prepare_report

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
# The console script as a fresh clone has it (`.venv/bin/`; a bare `insight-workbench` is
# on no PATH there), after the environment variables the command sets.
PROGRAM = re.compile(r"^(\$ )?([A-Z_][A-Z0-9_]*=\S+ )*\.venv/bin/insight-workbench(\s|$)")
BARE = re.compile(r"^(\$ )?([A-Z_][A-Z0-9_]*=\S+ )*insight-workbench(\s|$)")
ASSIGNMENT = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.*)$")
SKIP = re.compile(r"^<!-- doc-test: skip \((?P<why>[^)]+)\) -->$")
FENCE = re.compile(r"^(```|~~~)")
# Exit codes the docs give on the sample: check reports its planted findings, validate
# its planted quarantined rows; everything else succeeds.
EXIT_CODES = {"check": 1, "validate": 1}
TEST_KEY = "documented-commands-test-key-0123456789"


@dataclass(frozen=True)
class Documented:
    where: str  # file:line of the command's first line
    argv: tuple[str, ...]  # the words after `insight-workbench`
    skip: str | None  # why its block is not run
    environment: tuple[tuple[str, str], ...] = ()  # the `NAME=value` words before it

    @property
    def expected(self) -> int:
        return EXIT_CODES.get(self.argv[0], 0) if self.argv else 0


def documented_commands(path: Path) -> list[Documented]:
    """The `insight-workbench` commands in the fenced blocks of one Markdown file
    (continuation lines joined, `$ ` prompts and trailing `# comments` dropped)."""
    found: list[Documented] = []
    fenced, skip, pending = False, None, ""
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            skip = skip if fenced else None
            continue
        if not fenced:
            marker = SKIP.match(line.strip())
            if marker:
                skip = marker["why"]
            elif line.strip():
                skip = None  # a marker applies to the block right after it
            continue
        if not pending:
            if BARE.match(line.strip()):
                raise AssertionError(
                    f"{path.name}:{number}: write `.venv/bin/insight-workbench`: a fresh "
                    "clone has no `insight-workbench` on its PATH"
                )
            if not PROGRAM.match(line.strip()):
                continue
            start = number
        pending += line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        words = shlex.split(pending, comments=True)
        words = words[1:] if words[0] == "$" else words
        environment = []
        while ASSIGNMENT.match(words[0]):
            name, _, value = words.pop(0).partition("=")
            environment.append((name, value))
        found.append(Documented(f"{path.name}:{start}", tuple(words[1:]), skip, tuple(environment)))
        pending = ""
    return found


ALL = [command for path in DOCUMENTS for command in documented_commands(path)]
FIRST: dict[tuple[str, ...], Documented] = {}
for _command in ALL:  # one test per distinct command (the README repeats a few)
    FIRST.setdefault(_command.argv, _command)
DISTINCT = list(FIRST.values())
FIRST_REPORT = next(c.argv for c in DISTINCT if c.argv[:1] == ("report",) and not c.skip)


def test_the_docs_hold_commands_of_every_kind() -> None:
    assert len(ALL) >= 12
    assert {c.where.split(":")[0] for c in ALL} >= {"README.md", "sample.md", "subject-access.md"}
    names = {c.argv[0] for c in ALL}
    assert {"validate", "check", "schedule", "usage", "sar", "report", "sample"} <= names


def test_only_reasoned_blocks_are_skipped() -> None:
    skipped = [c for c in ALL if c.skip]
    assert len(skipped) <= 2, [c.where for c in skipped]


@pytest.fixture
def fresh_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder as a fresh clone has it: the sample (a copy: a documented command
    may rewrite it) and the notebooks, after `make key` (a test key, in the file that
    writes). No key is set in the environment: a command that needs one names it."""
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks", target_is_directory=True)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "pseudonym.key").write_text(TEST_KEY + "\n", encoding="utf-8")
    (tmp_path / ".streamlit" / "pseudonym.key").chmod(0o600)
    monkeypatch.chdir(tmp_path)
    for name in ("INSIGHT_PSEUDONYM_KEY_FILE", "INSIGHT_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run_cli(argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> int:
    """The console script's entry point, in this process; its exit code."""
    monkeypatch.setattr(sys, "argv", ["insight-workbench", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    code = done.value.code
    return code if isinstance(code, int) else 0 if code is None else 2


def check_report_inputs(argv: tuple[str, ...]) -> int:
    """Parse the report command as the CLI does and run every check made before the
    first notebook starts; the number of notebooks that would run."""
    command = typer.main.get_command(app).commands["report"]
    params = command.make_context("report", list(argv[1:])).params
    del params["out"]  # made at the first run
    del params["quiet"]  # the progress display only
    del params["progress_file"]  # the same, for the app
    del params["no_pdf"]  # what the run leaves, not its inputs
    return len(prepare_report(**params))


@pytest.mark.parametrize("documented", DISTINCT, ids=lambda c: f"{c.where} {' '.join(c.argv)}")
def test_the_documented_command_works(
    documented: Documented,
    fresh_clone: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if documented.skip:
        pytest.skip(documented.skip)
    for name, value in documented.environment:
        monkeypatch.setenv(name, value)
    if documented.argv[:1] == ("report",) and documented.argv != FIRST_REPORT:
        assert check_report_inputs(documented.argv) >= 1
        return
    code = run_cli(documented.argv, monkeypatch)
    output = capsys.readouterr()
    assert "Traceback" not in output.err
    assert code == documented.expected, f"{documented.where}: exit {code}: {output.err}"
    if documented.argv == FIRST_REPORT:
        assert list(fresh_clone.glob("reports/*/*/results.json")), output.out
