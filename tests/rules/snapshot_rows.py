"""Rows for rule tests: every required column filled, the interesting ones as arguments."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]
CREATED = "2025-01-01T00:00:00Z"


def org(org_id: str, status: str = "active", **values: Any) -> Row:
    return {
        "org_id": org_id,
        "name": f"Org {org_id}",
        "product": "local_insight",
        "status": status,
        "created_at": CREATED,
        **values,
    }


def user(user_id: str, org_id: str = "O1", **values: Any) -> Row:
    return {
        "user_id": user_id,
        "org_id": org_id,
        "name": "Ann Lee",
        "email": f"{user_id.lower()}@example.org",
        "role": "user",
        "created_at": CREATED,
        **values,
    }


def login(
    login_id: str, user_id: str | None, ts: str = "2026-05-01T09:00:00Z", success: bool = True
) -> Row:
    return {
        "login_id": login_id,
        "ts": ts,
        "user_id": user_id,
        "success": success,
        "ip": "192.0.2.10",
    }


def event(event_id: str, user_id: str, ts: str = "2026-05-01T09:05:00Z") -> Row:
    return {
        "event_id": event_id,
        "ts": ts,
        "user_id": user_id,
        "product": "local_insight",
        "event_type": "page_view",
    }


def message(message_id: str, user_id: str, sent_at: str, category: str = "promotional") -> Row:
    return {"message_id": message_id, "user_id": user_id, "sent_at": sent_at, "category": category}


def preference(
    user_id: str,
    changed_at: str,
    opted_out: bool,
    category: str = "promotional",
    channel: str = "unsubscribe_link",
) -> Row:
    return {
        "user_id": user_id,
        "changed_at": changed_at,
        "category": category,
        "opted_out": opted_out,
        "channel": channel,
    }


def view(view_id: str, viewer: str, org_id: str = "O1") -> Row:
    return {
        "view_id": view_id,
        "ts": "2026-05-01T10:00:00Z",
        "viewer_user_id": viewer,
        "org_id": org_id,
    }


def request(request_id: str, received_at: str, status: str = "open", **values: Any) -> Row:
    return {
        "request_id": request_id,
        "received_at": received_at,
        "requester_email": "someone@example.org",
        "type": values.pop("type", "access"),
        "status": status,
        "extended": values.pop("extended", False),
        **values,
    }


def processor(processor_id: str, contract_start: str, **values: Any) -> Row:
    return {
        "processor_id": processor_id,
        "name": f"Supplier {processor_id}",
        "service": "hosting",
        "data_categories": "name;email",
        "contract_start": contract_start,
        **values,
    }
