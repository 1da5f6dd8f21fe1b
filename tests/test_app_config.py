"""The app's Streamlit settings: no built-in table export, which would not neutralise
formulas (the app's own downloads go through the workbench's CSV writer)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_built_in_table_download_is_off() -> None:
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True
    # the option still exists in the installed Streamlit (an upgrade that dropped it
    # would silently bring the unescaped download back)
    assert "client.disableDataExport" in config.get_config_options()
