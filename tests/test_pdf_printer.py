"""The PDF's printers when Chromium is missing: WeasyPrint installed but unable to load
the Pango library gives a skipped PDF that says why, not a failed report."""

from __future__ import annotations

import importlib.abc
import sys
from pathlib import Path

import pytest

from insight_workbench.reports.pdf import Printed, print_pdf


class PangoMissing(importlib.abc.MetaPathFinder):
    """Imports of WeasyPrint fail as they do where Pango cannot be loaded."""

    def find_spec(self, name: str, *_: object) -> None:
        if name == "weasyprint" or name.startswith("weasyprint."):
            print("WeasyPrint could not import some external libraries.")  # its advice
            raise OSError("cannot load library 'libpango-1.0-0'")


def test_weasyprint_without_pango_skips_the_pdf_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHROMIUM", "no-such-chromium")
    monkeypatch.delenv("INSIGHT_CHROMIUM", raising=False)
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [PangoMissing(), *sys.meta_path])
    html = tmp_path / "report.html"
    html.write_text("<html><body><p>report</p></body></html>", encoding="utf-8")
    printed = print_pdf(html, tmp_path / "report.pdf")
    assert printed == Printed(None, "no Chromium (set CHROMIUM), and WeasyPrint cannot load Pango")
    assert not (tmp_path / "report.pdf").exists()
    assert capsys.readouterr().out == ""  # its advice does not reach the report's output


def test_without_weasyprint_the_pdf_is_skipped_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMIUM", "no-such-chromium")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as where it is not installed
    html = tmp_path / "report.html"
    html.write_text("<html><body><p>report</p></body></html>", encoding="utf-8")
    printed = print_pdf(html, tmp_path / "report.pdf")
    assert printed == Printed(None, "no Chromium (set CHROMIUM) and no WeasyPrint installed")
