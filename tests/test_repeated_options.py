"""An option of one value given twice is refused (exit 2), naming it; options that take
many values, and values that look like options, are read as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_cli


@pytest.mark.parametrize(
    "args",
    [
        (
            "sar",
            "{snapshot}",
            "--email",
            "a@example.org",
            "--email",
            "b@example.org",
            "--out",
            "{out}",
        ),
        ("check", "{snapshot}", "--as-of", "2026-01-01", "--as-of=2026-02-01"),
        ("schedule", "{snapshot}", "--format", "json", "--format", "csv"),
        ("history", "--format", "json", "--key", "org:O1", "--format=table"),
    ],
)
def test_an_option_of_one_value_given_twice_is_refused(
    args: tuple[str, ...], sample_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pack.zip"
    argv = [a.format(snapshot=sample_path, out=out) for a in args]
    done = run_cli(*argv, env={"INSIGHT_LEDGER": str(tmp_path / "ledger.sqlite")})
    assert done.returncode == 2
    repeated = next(a for a in argv if argv.count(a) > 1 or f"{a}=" in " ".join(argv))
    assert done.stderr == f"error: {repeated}: given more than once; give it once\n"
    assert done.stdout == ""
    assert not out.exists()  # nothing written for the person of the last --email alone


def test_options_of_many_values_and_values_like_options_still_work(
    sample_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "findings.json"
    done = run_cli(
        "check", sample_path, "--rule", "RET", "--rule=SAR", "--output", out, "--format", "json"
    )
    assert done.returncode == 1, done.stderr
    assert out.is_file()
    # a value that is written like an option is the option's value, not the option again
    done = run_cli("sar", sample_path, "--user-id", "--user-id", "--out", tmp_path / "p.zip")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.zip").is_file()
    assert "given more than once" not in done.stderr


def test_a_report_parameter_s_value_written_like_an_option_is_a_value(
    sample_path: Path, tmp_path: Path
) -> None:
    """`-p NAME VALUE` is two words after `-p`: a VALUE spelled `--out` is not --out."""
    done = run_cli(
        "report",
        "usage_report",
        "--snapshot",
        sample_path,
        "--out",
        tmp_path / "runs",
        "-p",
        "pseudonym_key_file",
        "--out",
        "--no-pdf",
        "--quiet",
    )
    assert done.returncode == 2
    assert "given more than once" not in done.stderr
    assert "-p pseudonym_key_file" in done.stderr  # refused for what the value is
    assert not (tmp_path / "runs").exists()


def test_the_help_is_shown_whatever_else_was_given(sample_path: Path) -> None:
    done = run_cli("check", sample_path, "--as-of", "2026-01-01", "--as-of", "2026-02-01", "--help")
    assert done.returncode == 0
    assert "--as-of" in done.stdout
