"""A PDF beside the HTML report: printed by headless Chromium, else by WeasyPrint.

Chromium is the one named by `CHROMIUM` or `INSIGHT_CHROMIUM` (a path or a command
name), else the first of `chromium-headless-shell`, `chromium`, `chromium-browser`,
`google-chrome` on the PATH.
It prints the report file as a reader's browser would, with the report's print
stylesheet, and without the browser's own header and footer (which would show the
file's path). Without either printer the run still succeeds: `print_pdf` says why
the PDF was skipped.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

VARIABLES = ("CHROMIUM", "INSIGHT_CHROMIUM")
# Chromium's headless shell prints the same PDF for about a third of the CPU of the
# whole browser (which starts its window machinery even when headless): it comes first.
COMMANDS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 120
# Headless Chromium still builds the address bar's suggestion popups, each a page in a
# renderer of its own, for every window it opens: without them a print takes about a
# fifth less CPU. Chromium ignores a feature name it does not know.
UNUSED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
QUIET = [
    f"--disable-features={','.join(UNUSED_FEATURES)}",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",
]


@dataclass(frozen=True)
class Printed:
    """The PDF's path, or why there is none."""

    pdf: Path | None
    skipped: str | None = None


def find_chromium(env: Mapping[str, str] = os.environ) -> str | None:
    """The Chromium to print with, or None."""
    for variable in VARIABLES:
        if env.get(variable, "").strip():
            return shutil.which(env[variable].strip())
    return next((found for name in COMMANDS if (found := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path) -> Printed:
    """Print `html` to `pdf`: Chromium first, WeasyPrint next, else skipped (with why)."""
    chromium = find_chromium()
    if chromium is not None:
        return _chromium(chromium, html, pdf)
    try:
        # WeasyPrint prints advice on stdout when the Pango library will not load.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint
    except ImportError:
        return Printed(None, "no Chromium (set CHROMIUM) and no WeasyPrint installed")
    except OSError:  # installed, but the Pango library it draws text with is missing
        return Printed(None, "no Chromium (set CHROMIUM), and WeasyPrint cannot load Pango")
    try:
        weasyprint.HTML(filename=str(html)).write_pdf(str(pdf))
    except Exception as error:  # WeasyPrint's own errors have no common base
        return Printed(None, f"WeasyPrint failed ({type(error).__name__})")
    return Printed(pdf)


def _chromium(chromium: str, html: Path, pdf: Path) -> Printed:
    # Chromium refuses to start as root with its sandbox on (containers, CI runners).
    sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="insight-print-", ignore_cleanup_errors=True) as tmp:
        command = [
            chromium,
            *QUIET,
            *sandbox,
            f"--user-data-dir={tmp}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command,
                # its crash reports and caches go to the throw-away profile, not $HOME
                env={**os.environ, "XDG_CONFIG_HOME": tmp, "XDG_CACHE_HOME": tmp},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pdf.unlink(missing_ok=True)
            return Printed(None, f"Chromium did not finish within {TIMEOUT_SECONDS} s")
        except OSError as error:
            return Printed(None, f"Chromium would not start ({error.strerror})")
    if not pdf.is_file() or not whole_pdf(pdf.read_bytes()):
        pdf.unlink(missing_ok=True)
        return Printed(None, "Chromium wrote no PDF")
    if done.returncode != 0:  # it failed after writing: the file may not be what was asked
        pdf.unlink()
        return Printed(None, f"Chromium failed (exit code {done.returncode})")
    return Printed(pdf)


def whole_pdf(data: bytes) -> bool:
    """Whether `data` is a PDF written to its end: its header, and its end-of-file marker
    as the last line (a printer that stopped half-way, or a full disk, leaves no marker)."""
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
