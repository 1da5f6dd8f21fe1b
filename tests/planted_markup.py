"""A small snapshot whose every text value, and its snapshot_id, carries markup and
script: an HTML image with an event handler, a script element, a Markdown image
fetched from a local listener, a `javascript:` link and an attribute break-out.
Whatever shows it (a report, a page of the app) must show it as text only."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from clock_snapshot import EXPORTED_AT, TABLES

from insight_workbench.loading.manifest import parse_timestamp, write_manifest
from insight_workbench.loading.schema import TABLES as SCHEMA
from insight_workbench.testing import build_snapshot

PLANTED_PATH = "/planted.png"


def payload(port: int) -> str:
    return (
        "<img src=x onerror=alert(1)><script>alert(1)</script>"
        f"![x](http://127.0.0.1:{port}{PLANTED_PATH})[y](javascript:alert(1))"
        '"><svg onload=alert(1)>'
        f'<a href="http://127.0.0.1:{port}/planted-link">l</a> http://127.0.0.1:{port}/planted-bare'
        # Streamlit's own Markdown: a badge, a colour, an icon, an emoji, the logo, an arrow.
        " A:green-badge :red-background[x] :material/check_circle: :smile: :streamlit: -> "
    )


def _plant(tables: dict[str, list[dict[str, Any]]], text: str) -> dict[str, list[dict[str, Any]]]:
    """Append `text` to every id and free-text value (ids alike, so references still hold)."""
    planted = copy.deepcopy(tables)
    for name, rows in planted.items():
        kinds = {c.name: c.type for c in SCHEMA[name].columns}
        for row in rows:
            for column, value in row.items():
                if kinds.get(column) in ("id", "string") and value is not None:
                    row[column] = f"{value}{text}"
    return planted


def _activity() -> dict[str, list[dict[str, Any]]]:
    """A failed-login burst, usage events and user-list views, so every chart is drawn."""
    start = parse_timestamp("2026-11-20T09:00:00Z")
    failed = [
        {
            "login_id": f"F{n}",
            "ts": (start + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
            "user_id": "U5",
            "success": False,
            "ip": "192.0.2.9",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
            "referrer": "https://www.example.org/",
        }
        for n in range(12)
    ]
    events = [
        {
            "event_id": f"E{n}",
            "ts": (start + timedelta(days=n % 5)).isoformat().replace("+00:00", "Z"),
            "user_id": f"U{1 + n % 5}",
            "product": "value_insight",
            "event_type": "report_run",
        }
        for n in range(20)
    ]
    views = [{"view_id": "V1", "ts": EXPORTED_AT, "viewer_user_id": "U5", "org_id": "O1"}]
    return {"logins": failed, "usage_events": events, "admin_views": views}


def build_planted(folder: Path, port: int) -> Path:
    """The clock snapshot plus activity and a de-identified dataset, all of it planted."""
    text = payload(port)
    tables = copy.deepcopy(TABLES)
    for name, rows in _activity().items():
        tables[name] = [*tables.get(name, []), *rows]
    dataset = [
        {"age_band": f"30-39{text}", "region": f"North{text}", "postcode": f"AB1{text}"}
        for _ in range(3)
    ]
    meta = {"kind": "microdata", "quasi_identifiers": ["age_band", "region"]}
    build_snapshot(
        folder,
        _plant(tables, text),
        exported_at=EXPORTED_AT,
        # A file name cannot hold '/': the dataset's name carries what it can.
        deidentified={"survey<img src=x onerror=alert(1)>": (dataset, meta)},
    )
    write_manifest(folder, parse_timestamp(EXPORTED_AT), snapshot_id=f"snapshot{text}")
    return folder


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 (http.server's signature)
        return


@contextmanager
def listener() -> Iterator[tuple[int, list[str]]]:
    """An HTTP server on a free loopback port that records every path asked for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.hits  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
