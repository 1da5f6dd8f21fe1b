"""The PDF's printers: when Chromium is missing, WeasyPrint installed but unable to load
the Pango library gives a skipped PDF that says why, not a failed report; a printer that
stops half-way or fails leaves no PDF."""

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


STAND_IN = """#!{python}
# A printer that writes what it is told to the --print-to-pdf path, then exits.
import os, sys
path = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--print-to-pdf="))
with open(path, "wb") as out:
    out.write(os.environb[b"PRINTED"])
sys.exit(int(os.environ["EXIT_CODE"]))
"""
WHOLE = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.mark.parametrize(
    ("printed", "code", "skipped"),
    [
        (WHOLE[:20], 0, "Chromium wrote no PDF"),  # stopped half-way (a full disk)
        (b"", 0, "Chromium wrote no PDF"),
        (b"<html>not a pdf</html>", 0, "Chromium wrote no PDF"),
        (WHOLE, 1, "Chromium failed (exit code 1)"),  # failed after writing
        (WHOLE, 0, None),
        (WHOLE.rstrip(b"\n"), 0, None),  # the marker with no line end after it
    ],
)
def test_only_a_whole_pdf_from_a_printer_that_succeeded_is_kept(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    printed: bytes,
    code: int,
    skipped: str | None,
) -> None:
    printer = tmp_path / "chromium"
    printer.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    printer.chmod(0o755)
    monkeypatch.setenv("CHROMIUM", str(printer))
    monkeypatch.setenv("PRINTED", printed.decode("latin-1"))
    monkeypatch.setenv("EXIT_CODE", str(code))
    html = tmp_path / "report.html"
    html.write_text("<html><body><p>report</p></body></html>", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    result = print_pdf(html, pdf)
    if skipped is None:
        assert result == Printed(pdf)
        assert pdf.read_bytes() == printed
    else:
        assert result == Printed(None, skipped)
        assert not pdf.exists()
