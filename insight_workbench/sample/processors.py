"""The third-party processors register: assessed and reviewed providers, and planted lapses."""

from __future__ import annotations

from insight_workbench.sample.writer import Plants

PROCESSOR_COLUMNS = (
    "processor_id",
    "name",
    "service",
    "data_categories",
    "contract_start",
    "assessment_date",
    "last_review_date",
)
# (name, service, data categories, contract start, assessment, last review, findings)
PROCESSORS: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "Northgate Cloud Hosting Ltd",
        "hosting",
        "name;email;telephone;ip;usage",
        "2021-03-01",
        "2021-02-10",
        "2026-03-15",
        (),
    ),
    ("Mailroute Ltd", "email_delivery", "name;email", "2022-01-10", "2021-12-01", "2026-01-20", ()),
    ("Helpdeskly Ltd", "support_desk", "name;email;telephone", "2023-05-01", "", "", ("TPP-001",)),
    (
        "Paybridge Payments Ltd",
        "payments",
        "name;email;billing",
        "2022-09-01",
        "2022-10-15",
        "2026-02-01",
        ("TPP-001",),
    ),
    (
        "Backupvault Ltd",
        "backup",
        "name;email;telephone;ip;usage",
        "2020-06-01",
        "2020-05-20",
        "2025-11-27",
        ("TPP-002",),
    ),
    ("Statlytics Ltd", "analytics", "usage;ip", "2024-02-01", "2024-01-10", "2025-11-28", ()),
    ("Signwell Ltd", "e_signature", "name;email", "2026-03-01", "2026-03-01", "", ()),
    ("Texthub Ltd", "sms", "telephone", "2021-09-01", "", "2024-06-01", ("TPP-001", "TPP-002")),
    ("Crmly Ltd", "crm", "name;email;telephone", "2023-01-15", "2022-12-01", "2026-06-30", ()),
    ("Scanguard Ltd", "security_monitoring", "ip;usage", "2026-01-05", "2025-12-10", "", ()),
)
DUPLICATED = 8  # Crmly's row is exported twice: the second copy is quarantined


def processor_rows(plants: Plants) -> tuple[list[list[str]], dict[int, str]]:
    rows = []
    for n, (name, service, cats, start, assessed, reviewed, rules) in enumerate(PROCESSORS):
        processor_id = f"P{n + 1:03d}"
        rows.append([processor_id, name, service, cats, start, assessed, reviewed])
        for rule in rules:
            plants.add(rule, f"processor:{processor_id}")
    rows.append(list(rows[DUPLICATED]))
    return rows, {len(rows) - 1: "DQ-001"}
