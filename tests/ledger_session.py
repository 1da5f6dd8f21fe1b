"""One app session writing to the ledger, for the concurrency test: run as a script.

    python tests/ledger_session.py LEDGER STOP_FILE NAME

Appends audit entries, and a decision after every second one, as fast as the ledger
takes them, until STOP_FILE exists (and at least ten entries were written). Prints how
many entries and decisions it wrote.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from insight_workbench.ledger import audit_trail, chain
from insight_workbench.ledger.database import open_ledger, writing
from insight_workbench.ledger.tables import decisions


def main(setting: str, stop: Path, name: str) -> None:
    ledger = open_ledger(setting)
    written = made = 0
    while written < 10 or not stop.exists():
        keys = [f"page:{name}", f"org:O{written}"]
        audit_trail.log(ledger, f"{name}@example.org", "dpo", "page_view", keys, "S")
        written += 1
        if written % 2 == 0:
            with writing(ledger) as connection:
                fields = {"rule": "RET-001", "key": f"org:O{written}", "action": "acknowledge"}
                chain.append(connection, decisions, {**fields, "by": name, "at": "2026-01-01"})
            made += 1
        time.sleep(0.02)  # an app session is not a tight loop: leave the checks CPU
    print(written, made)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
