"""Markup and script planted in every text value of a snapshot, and in its snapshot_id,
never run and never load anything: not in a report (each notebook run once), not on
any page of the app in either role (one app start per role, in Chromium)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from planted_markup import build_planted, listener
from plotly.offline import get_plotlyjs
from sample_reports import OTHERS

from insight_workbench.dashboard.navigation import pages_for, url_paths
from insight_workbench.dashboard.roles import ANALYST, DPO
from insight_workbench.reports import MONTHLY_SET
from insight_workbench.reports.report_html import DRAW_CHARTS, content_policy, shared_script_name
from insight_workbench.reports.runner import run_report

# Every notebook of the package: a new one first, then these (explore, run last, is the
# newest run the Reports page opens on).
NOTEBOOKS = [*OTHERS, *MONTHLY_SET, "usage_report", "explore"]
KEY = "planted-markup-test-key-0123456789"
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "xlink:href", "poster", "data", "srcset"}
EXTERNAL = re.compile(r"^\s*(https?:|//|ftp:)", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:)|@import", re.IGNORECASE)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, list[str]]]:
    """The planted snapshot, and the listener its Markdown images point at."""
    with listener() as (port, hits):
        folder = build_planted(tmp_path_factory.mktemp("planted") / "planted", port)
        yield folder, port, hits


@pytest.fixture(scope="module")
def reports(
    planted: tuple[Path, int, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Every report notebook run once on the planted snapshot: name -> its HTML."""
    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSIGHT_PSEUDONYM_KEY", KEY)
        found = {}
        for name in NOTEBOOKS:
            result = run_report(name, planted[0], out)
            assert result.succeeded, result.record["error"]
            found[name] = result.folder / result.record["files"]["html"]
    return found


class Elements(HTMLParser):
    """Every element of a document with its attributes, and each script's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if tag in ("script", "style"):
            self._open = (tag, attributes)

    def handle_data(self, data: str) -> None:
        if self._open and self._open[0] == "script":
            self.scripts.append((self._open[1], data))
        elif self._open:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._open = None


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    elements.close()
    return elements


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_report_runs_only_the_workbench_s_scripts(reports: dict[str, Path], name: str) -> None:
    html = reports[name].read_text(encoding="utf-8")
    document = parse(html)
    charts = [attrs for attrs, _ in document.scripts if attrs.get("type") == "application/json"]
    others = [
        (attrs, text) for attrs, text in document.scripts if attrs.get("type") != "application/json"
    ]
    assert charts, "every report here draws at least one chart"
    # plotly.js once, from the reports folder's shared copy, then our drawing script
    assert others == [({}, DRAW_CHARTS)]
    loaded = [a for tag, a in document.tags if tag == "script" and "src" in a]
    assert loaded == [{"src": f"../../{shared_script_name()}"}]
    shared = reports[name].parents[2] / shared_script_name()
    assert shared.read_text(encoding="utf-8") == get_plotlyjs()
    for attrs, text in document.scripts:
        if attrs.get("type") == "application/json":
            assert set(attrs) == {"type", "data-chart"}
            assert "<" not in text
            assert isinstance(json.loads(text), dict)
    policy = [a for t, a in document.tags if t == "meta" and "http-equiv" in a]
    expected = content_policy([DRAW_CHARTS], own_files=True)
    assert policy == [{"http-equiv": "Content-Security-Policy", "content": expected}]
    assert document.tags[:3] == [
        ("html", {"lang": "en"}),
        ("head", {}),
        ("meta", {"charset": "utf-8"}),
    ]
    assert document.tags[3][1].get("http-equiv") == "Content-Security-Policy"  # before all else


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_report_has_no_handler_link_or_outside_address(
    reports: dict[str, Path], name: str, planted: tuple[Path, int, list[str]]
) -> None:
    html = reports[name].read_text(encoding="utf-8")
    document = parse(html)
    for tag, attributes in document.tags:
        assert tag not in ("a", "iframe", "object", "embed", "form", "base", "link", "use")
        if tag == "svg":  # only the workbench's own static copies of its charts, for print
            assert attributes.get("class") == "static-chart"
        for attribute, value in attributes.items():
            assert not attribute.startswith("on"), (tag, attribute)
            assert "javascript:" not in value.replace(" ", "").lower(), (tag, attribute)
            if attribute in URL_ATTRIBUTES:
                assert not EXTERNAL.match(value), (tag, attribute)
            if attribute == "style":
                assert not CSS_URL.search(value)
        if tag == "img":
            assert attributes.get("src", "").startswith("data:image/")
    assert not any(CSS_URL.search(style) for style in document.styles)
    # The planted values are there, as text.
    assert "snapshot&lt;img src=x onerror=alert(1)&gt;" in html
    ours = html.replace(get_plotlyjs(), "")  # the bundle itself mentions both, unused
    assert "require" not in ours
    assert "mathjax" not in ours.lower()
    assert not planted[2]


@pytest.mark.browser
@pytest.mark.parametrize("role", [DPO, ANALYST])
def test_no_page_runs_or_fetches_planted_markup(
    role: str,
    planted: tuple[Path, int, list[str]],
    reports: dict[str, Path],
    browser: Any,
) -> None:
    from streamlit_server import EXCEPTION, follow_nav, open_page, serve

    snapshot, port, hits = planted
    reports_dir = next(iter(reports.values())).parents[2]
    env = {
        "INSIGHT_ROLE": role,
        "INSIGHT_SNAPSHOT": str(snapshot),
        "INSIGHT_PSEUDONYM_KEY": KEY,
        "INSIGHT_REPORTS_DIR": str(reports_dir),
    }
    dialogs: list[str] = []
    planted_requests: list[str] = []
    elsewhere: list[str] = []  # any request to another host than the app's (a font, an icon)
    with serve(env) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        context.on(
            "request",
            lambda request: (
                planted_requests.append(request.url)
                if f":{port}" in request.url or "planted" in request.url
                else None
            ),
        )
        context.on(
            "request",
            lambda request: (
                elsewhere.append(request.url)
                if urlsplit(request.url).scheme not in ("data", "blob")
                and urlsplit(request.url).netloc != urlsplit(base).netloc
                else None
            ),
        )
        tab = context.new_page()
        addresses = url_paths()  # the start page is the app's root
        # The first page from its address, the others from the sidebar in the same session
        # (loading the app afresh for each would cost the browser seconds more per page).
        for number, spec in enumerate(pages_for(role)):
            url = f"{base}/{addresses[spec.path]}"
            if number == 0:
                open_page(tab, url, spec.title)
            else:
                follow_nav(tab, spec.title, url)
            assert tab.locator(EXCEPTION).count() == 0, spec.title
            # No planted address became a link: not in text, headings or chart labels.
            links = tab.evaluate(
                "() => [...document.querySelectorAll('a')].map(a => [a.getAttribute('href')"
                " || a.getAttribute('xlink:href') || '', a.parentElement.outerHTML.slice(0, 300)])"
            )
            bad = [h for h in links if "planted" in h[0] or h[0].startswith("javascript")]
            assert bad == [], (spec.title, bad)
            # The sidebar names the planted snapshot_id, as text.
            sidebar = tab.locator('[data-testid="stSidebar"]').inner_text().replace("\u2060", "")
            assert "onerror=alert(1)" in sidebar
            assert "A:green-badge :red-background[x] :material/check_circle: :smile:" in sidebar
            # No value became a badge, a colour, an icon, an emoji or the logo.
            made = tab.evaluate(
                "() => document.querySelectorAll('.stMarkdownBadge, .stMarkdownColoredText, "
                '.stMarkdownColoredBackground, [data-testid="stMarkdownContainer"] '
                'span[role="img"], [data-testid="stMarkdownContainer"] img\').length'
            )
            assert made == 0, spec.title
            if spec.path == "app_pages/reports.py":
                _show_a_report(tab)
        context.close()
    assert dialogs == []
    assert planted_requests == []
    assert elsewhere == []
    assert hits == []


def _show_a_report(tab: Any) -> None:
    """The newest report, shown in the page: its charts draw in a frame that cannot
    reach the app's page."""
    tab.get_by_text("Show the report here").click()
    outer = tab.frame_locator("iframe").first
    inner = outer.frame_locator('iframe[sandbox="allow-scripts"]')
    inner.locator("svg.main-svg").first.wait_for(timeout=60_000)
    frame = next(f for f in tab.frames if f.url == "about:srcdoc" and f.parent_frame.parent_frame)
    reach = frame.evaluate(
        "() => { try { return window.parent.document.title; } catch (e) { return 'blocked'; } }"
    )
    assert reach == "blocked"
    assert frame.evaluate("() => window.origin") == "null"
    # Any handler planted in the report (an image's onerror, onload) has run once both
    # frames have loaded: the load event waits for every image and frame.
    for shown in (frame, frame.parent_frame):
        shown.wait_for_function("document.readyState === 'complete'", timeout=60_000)
