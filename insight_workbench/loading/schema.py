"""The tables of a snapshot, as `docs/snapshot-format.md` declares them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

PRODUCTS = ("local_insight", "community_insight", "value_insight")
CREDENTIAL_PATTERN = re.compile(r"password|passwd|secret|token", re.IGNORECASE)


def is_credential(column: str) -> bool:
    """True for credential material, which is never loaded into a queryable table."""
    return bool(CREDENTIAL_PATTERN.search(column))


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # id | string | enum | timestamp | date | bool
    required: bool = True
    values: tuple[str, ...] = ()  # the allowed values of an enum
    optional: bool = False  # the column may be absent from the file
    # (column, values): the column is required when that other column has one of these values
    required_when: tuple[str, tuple[str, ...]] | None = None
    # an email address unique trimmed and lower-cased: a later repeat is quarantined
    unique_email: bool = False
    # another timestamp column this one may not be before (the row is quarantined)
    not_before: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    optional: bool = False  # the table may be absent from the snapshot
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> parent table
    # Its rows are personal data of the user this column names ("Personal data of a
    # user" in the rules): the users row and every row carrying the user's id.
    user_column: str | None = None
    row_order: tuple[str, ...] = ()  # how a user's rows are listed to them (packs)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SQL_TYPES = {
    "id": "VARCHAR",
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "DATE",
    "bool": "BOOLEAN",
}


class _ColumnOptions(TypedDict, total=False):
    """`Column`'s keyword fields besides the name, type and values."""

    required: bool
    optional: bool
    required_when: tuple[str, tuple[str, ...]] | None
    unique_email: bool
    not_before: str | None


def _enum(name: str, values: tuple[str, ...], **kw: Unpack[_ColumnOptions]) -> Column:
    return Column(name, "enum", values=values, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "organisations",
            (
                Column("org_id", "id"),
                Column("name", "string"),
                _enum("product", PRODUCTS),
                _enum("status", ("demo", "trial", "active", "closed")),
                Column("created_at", "timestamp"),
                Column("subscription_start", "date", required=False),
                Column(
                    "closed_at", "timestamp", required=False, required_when=("status", ("closed",))
                ),
                Column(
                    "last_contact_at",
                    "timestamp",
                    required=False,
                    required_when=("status", ("demo", "trial")),
                ),
            ),
            primary_key="org_id",
        ),
        Table(
            "users",
            (
                Column("user_id", "id"),
                Column("org_id", "id"),
                Column("name", "string"),
                Column("email", "string", unique_email=True),
                Column("telephone", "string", required=False),
                _enum("role", ("user", "group_admin")),
                Column("created_at", "timestamp"),
                Column("deleted_at", "timestamp", required=False),
            ),
            primary_key="user_id",
            foreign_keys={"org_id": "organisations"},
            user_column="user_id",
            row_order=("user_id",),
        ),
        Table(
            "logins",
            (
                Column("login_id", "id"),
                Column("ts", "timestamp"),
                Column("user_id", "id", required=False),
                Column("success", "bool"),
                Column("ip", "string"),
                Column("user_agent", "string", required=False),
                Column("referrer", "string", required=False),
            ),
            primary_key="login_id",
            foreign_keys={"user_id": "users"},
            user_column="user_id",
            row_order=("ts", "login_id"),
        ),
        Table(
            "usage_events",
            (
                Column("event_id", "id"),
                Column("ts", "timestamp"),
                Column("user_id", "id"),
                _enum("product", PRODUCTS),
                Column("event_type", "string"),
            ),
            primary_key="event_id",
            foreign_keys={"user_id": "users"},
            user_column="user_id",
            row_order=("ts", "event_id"),
        ),
        Table(
            "communications",
            (
                Column("message_id", "id"),
                Column("user_id", "id"),
                Column("sent_at", "timestamp"),
                _enum(
                    "category",
                    (
                        "technical",
                        "administrative",
                        "billing",
                        "service_notice",
                        "product_update",
                        "promotional",
                    ),
                ),
            ),
            primary_key="message_id",
            foreign_keys={"user_id": "users"},
            user_column="user_id",
            row_order=("sent_at", "message_id"),
        ),
        Table(
            "preferences",
            (
                Column("user_id", "id"),
                Column("changed_at", "timestamp"),
                _enum("category", ("product_update", "promotional")),
                Column("opted_out", "bool"),
                _enum("channel", ("unsubscribe_link", "support_request", "settings")),
            ),
            foreign_keys={"user_id": "users"},
            user_column="user_id",
            row_order=("changed_at", "category", "channel"),
        ),
        Table(
            "subject_requests",
            (
                Column("request_id", "id"),
                Column("received_at", "timestamp"),
                Column("requester_email", "string"),
                Column("user_id", "id", required=False),
                _enum("type", ("access", "confirmation", "erasure", "rectification")),
                _enum("status", ("open", "completed", "refused", "withdrawn")),
                Column(
                    "completed_at",
                    "timestamp",
                    required=False,
                    required_when=("status", ("completed",)),
                ),
                Column("extended", "bool"),
                Column("clock_started_at", "timestamp", required=False, optional=True),
                Column("clarification_requested_at", "timestamp", required=False, optional=True),
                Column(
                    "clarification_received_at",
                    "timestamp",
                    required=False,
                    optional=True,
                    not_before="clarification_requested_at",
                ),
            ),
            primary_key="request_id",
            foreign_keys={"user_id": "users"},
        ),
        Table(
            "processors",
            (
                Column("processor_id", "id"),
                Column("name", "string"),
                Column("service", "string"),
                Column("data_categories", "string"),
                Column("contract_start", "date"),
                Column("assessment_date", "date", required=False),
                Column("last_review_date", "date", required=False),
            ),
            primary_key="processor_id",
        ),
        Table(
            "admin_views",
            (
                Column("view_id", "id"),
                Column("ts", "timestamp"),
                Column("viewer_user_id", "id"),
                Column("org_id", "id"),
            ),
            primary_key="view_id",
            optional=True,
            foreign_keys={"viewer_user_id": "users", "org_id": "organisations"},
            user_column="viewer_user_id",
            row_order=("ts", "view_id"),
        ),
    )
}

# The tables of a user's personal data, in schema order, with the column naming the user.
PERSONAL_DATA_TABLES: dict[str, str] = {
    t.name: t.user_column for t in TABLES.values() if t.user_column is not None
}
