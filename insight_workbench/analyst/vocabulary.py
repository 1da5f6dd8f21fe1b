"""The closed vocabularies of the analyst data: every text value an analyst can see.

A snapshot's text columns are free text, whatever the export format intends: an
event type `export:someone@example.com`, a referrer on an organisation's own
website, a home-made user agent. Before anything is stored in the analyst
database, each text value is mapped onto one of the fixed lists below, and
anything not on its list becomes the list's "other" bucket. An analyst can
therefore only ever see a value written here, never one copied from the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from insight_workbench.loading.schema import PRODUCTS as PRODUCTS  # a vocabulary too
from insight_workbench.loading.schema import TABLES

OTHER = "other"  # the bucket of every lower-case vocabulary
OTHER_FAMILY = "Other"  # the bucket of browser and OS families (ua-parser's own spelling)
DIRECT = "direct"  # a login with no referrer

# What people do in the products: the event types the platform records.
EVENT_TYPES = (
    "page_view",
    "report_run",
    "map_view",
    "indicator_search",
    "area_profile",
    "value_calculation",
    "dashboard_view",
    "download",
)

STATUSES = TABLES["organisations"].column("status").values
ROLES = TABLES["users"].column("role").values

# Browser and operating-system families as ua-parser names them; the common ones only.
BROWSER_FAMILIES = (
    "Chrome",
    "Chrome Mobile",
    "Chrome Mobile iOS",
    "Chrome Mobile WebView",
    "Chromium",
    "Edge",
    "Edge Mobile",
    "Firefox",
    "Firefox Mobile",
    "Firefox iOS",
    "Safari",
    "Mobile Safari",
    "Mobile Safari UI/WKWebView",
    "Samsung Internet",
    "Opera",
    "Opera Mobile",
    "IE",
    "Vivaldi",
)
OS_FAMILIES = (
    "Windows",
    "Mac OS X",
    "iOS",
    "Android",
    "Linux",
    "Ubuntu",
    "Chrome OS",
    "Fedora",
    "Debian",
)

# Referring sites open to everyone (search engines, social and mail services). Any
# other site, an organisation's own or an intranet, is named by nobody: "other".
REFERRER_DOMAINS = (
    "google.com",
    "google.co.uk",
    "bing.com",
    "duckduckgo.com",
    "yahoo.com",
    "search.yahoo.com",
    "uk.search.yahoo.com",
    "ecosia.org",
    "linkedin.com",
    "facebook.com",
    "x.com",
    "twitter.com",
    "t.co",
    "youtube.com",
    "teams.microsoft.com",
    "outlook.office.com",
    "outlook.live.com",
    "mail.google.com",
    "gov.uk",
)

# Every vocabulary with its bucket, by the analyst column it closes.
VOCABULARIES: dict[str, tuple[tuple[str, ...], str]] = {
    "product": (PRODUCTS, OTHER),
    "status": (STATUSES, OTHER),
    "role": (ROLES, OTHER),
    "event_type": (EVENT_TYPES, OTHER),
    "browser_family": (BROWSER_FAMILIES, OTHER_FAMILY),
    "os_family": (OS_FAMILIES, OTHER_FAMILY),
    "referrer_domain": ((*REFERRER_DOMAINS, DIRECT), OTHER),
}


def closed(value: str | None, vocabulary: Iterable[str], other: str = OTHER) -> str:
    """`value` when it is a word of `vocabulary`, else `other`."""
    return value if value is not None and value in tuple(vocabulary) else other


def allowed(column: str) -> frozenset[str]:
    """Every value `column` of the analyst data can hold, its bucket included."""
    words, other = VOCABULARIES[column]
    return frozenset((*words, other))
