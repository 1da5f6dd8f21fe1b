"""The pages of the app, their sections, and which role is offered each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from insight_workbench.dashboard.roles import ANALYST, DPO


@dataclass(frozen=True)
class PageSpec:
    section: str
    path: str  # relative to app.py (not `pages/`: that name turns on Streamlit's older mode)
    title: str
    icon: str
    roles: tuple[str, ...]

    @property
    def url_path(self) -> str:
        """The page's address: `retention` for `app_pages/retention.py`."""
        return Path(self.path).stem


BOTH = (DPO, ANALYST)
PAGES = (
    PageSpec("Overview", "app_pages/overview.py", "Overview", ":material/dashboard:", BOTH),
    PageSpec("Compliance", "app_pages/retention.py", "Retention", ":material/auto_delete:", (DPO,)),
    PageSpec(
        "Compliance",
        "app_pages/subject_requests.py",
        "Subject requests",
        ":material/assignment_ind:",
        (DPO,),
    ),
    PageSpec(
        "Compliance",
        "app_pages/deidentification.py",
        "De-identification",
        ":material/visibility_off:",
        (DPO,),
    ),
    PageSpec(
        "Compliance", "app_pages/access.py", "Access monitoring", ":material/lock_person:", (DPO,)
    ),
    PageSpec(
        "Compliance",
        "app_pages/communications.py",
        "Communications and third parties",
        ":material/mail:",
        (DPO,),
    ),
    PageSpec("Analytics", "app_pages/usage.py", "Usage", ":material/monitoring:", BOTH),
    PageSpec("Reports", "app_pages/reports.py", "Reports", ":material/description:", (DPO,)),
    PageSpec("Reports", "app_pages/audit_log.py", "Audit log", ":material/history:", (DPO,)),
)


def pages_for(role: str) -> list[PageSpec]:
    """The pages offered to `role`; the others are not even registered."""
    return [page for page in PAGES if role in page.roles]


# The page every role opens on: its address is `/`, as the app's address contract has it
# (so `/usage` is Usage for an analyst too, and a link means the same page for both).
START = "app_pages/overview.py"


def refused_for(role: str) -> list[PageSpec]:
    """The pages not offered to `role`: their addresses answer "not available"."""
    return [page for page in PAGES if role not in page.roles]


def url_paths() -> dict[str, str]:
    """Page path -> address (the start page is `""`, the app's root)."""
    return {p.path: "" if p.path == START else p.url_path for p in PAGES}
