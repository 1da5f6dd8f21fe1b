"""Every report notebook run on the committed sample, as `insight-workbench report`
runs them, for the test files that read what the runs leave (the `sample_reports`
fixture of tests/conftest.py: once per test process).

The runs go into one reports folder, with a pseudonymisation key, a signing key and a
ledger that starts empty: the monthly set with `--all` first (so the compliance pack's
trend is the run the audits recorded), then the usage report, the explore starter
(without its PDF: no test reads it), any other notebook, and retention_audit a second
time (so its summary has an earlier run to compare with). The files sharing these runs
only read them: a test that changes a run works on a copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cli_runner import run_cli
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from insight_workbench.reports.notebooks import MONTHLY_SET, NOTEBOOKS_DIR
from insight_workbench.reports.signing import KEY_VARIABLE

PSEUDONYM_KEY = "report-test-key-0123456789abcdef"
# Any other notebook of the package runs too, after these: a new one is tested unasked.
OTHERS = sorted(
    p.stem
    for p in NOTEBOOKS_DIR.glob("*.ipynb")
    if p.stem not in (*MONTHLY_SET, "usage_report", "explore")
)
COMMANDS = (
    ("--all",),
    ("usage_report",),
    ("explore", "--no-pdf"),
    *((name,) for name in OTHERS),
    ("retention_audit",),
)


@dataclass(frozen=True)
class SampleReports:
    out: Path  # the reports folder
    ledger: Path  # the SQLite ledger the runs were recorded in
    keys: dict[str, Path]  # private, public (its half), other_public (another key's)
    home: Path  # the runs' home folder: nothing may be left in it

    def runs(self, notebook: str) -> list[Path]:
        """The run folders of one notebook, oldest first."""
        return sorted(p.parent for p in (self.out / notebook).glob("*/run.json"))

    def first_runs(self) -> dict[str, Path]:
        """Each notebook's first run."""
        return {p.name: self.runs(p.name)[0] for p in sorted(self.out.iterdir()) if p.is_dir()}


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    return key


def write_public(key: Ed25519PrivateKey, path: Path) -> Path:
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.write_bytes(pem)
    return path


def signing_keys(folder: Path) -> dict[str, Path]:
    signing = write_key(folder / "signing.pem")
    other = write_key(folder / "other.pem")
    return {
        "private": folder / "signing.pem",
        "public": write_public(signing, folder / "signing.pub"),
        "other_public": write_public(other, folder / "other.pub"),
    }


def run_sample_reports(sample: Path, folder: Path) -> SampleReports:
    """Run COMMANDS on `sample` into `folder`/reports; each must succeed."""
    (folder / "keys").mkdir()
    keys = signing_keys(folder / "keys")
    reports = SampleReports(folder / "reports", folder / "ledger.sqlite", keys, folder / "home")
    reports.home.mkdir()
    moved = ("IPYTHONDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
    env = {
        **{name: value for name, value in os.environ.items() if name not in moved},
        "HOME": str(reports.home),
        "INSIGHT_PSEUDONYM_KEY": PSEUDONYM_KEY,
        KEY_VARIABLE: str(keys["private"]),
        "INSIGHT_LEDGER": str(reports.ledger),
    }
    for command in COMMANDS:
        done = run_cli("report", *command, "--snapshot", sample, "--out", reports.out, env=env)
        assert done.returncode == 0, done.stderr
    return reports
