"""Which host names the workbench answers to (against DNS rebinding).

A page loaded from an attacker's name that resolves to 127.0.0.1 talks to the
workbench as if it were local. Streamlit refuses such a websocket itself when
`server.allowedHosts` is set; the app checks the session's `Host` and `Origin`
again, before any page content, against the same list, so that a missing or
`*` list never opens the workbench to any name:

- local mode (no sign-in): the configured names, else only `localhost` and
  `127.0.0.1`;
- with sign-in: the configured names, else nothing (the operator must name the
  workbench's host).

Ports are ignored; `*.example.org` matches any subdomain of example.org.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

LOCAL_HOSTS = ("localhost", "127.0.0.1")
ANY = "*"


def allowed_hosts(configured: Iterable[str] | None, signed_in_mode: bool) -> tuple[str, ...]:
    """The names to answer: `server.allowedHosts` without `*`, else the mode's default."""
    names = tuple(
        cleaned for name in configured or () if (cleaned := _clean(name)) and cleaned != ANY
    )
    if names:
        return names
    return () if signed_in_mode else LOCAL_HOSTS


def host_name(host_header: str | None) -> str | None:
    """`Host` header -> lowercased name without port; None when it is not a plain host."""
    if not host_header:
        return None
    return _hostname(f"//{host_header.strip()}")


def origin_name(origin: str) -> str | None:
    """`Origin` header -> lowercased host name; None for `null` or anything malformed."""
    return _hostname(origin.strip())


def is_allowed(name: str | None, allowed: Iterable[str]) -> bool:
    if not name:
        return False
    for pattern in allowed:
        if pattern.startswith("*."):
            if name.endswith(pattern[1:]) and len(name) > len(pattern) - 1:
                return True
        elif name == pattern:
            return True
    return False


def refused(headers: Mapping[str, str], allowed: Iterable[str]) -> bool:
    """Whether a session's handshake headers name a host (or origin) not allowed.
    No `Origin` is accepted: browsers always send one, and only browsers rebind."""
    allowed = tuple(allowed)
    if not is_allowed(host_name(headers.get("Host")), allowed):
        return True
    origin = headers.get("Origin")
    return origin is not None and not is_allowed(origin_name(origin), allowed)


def _clean(name: str) -> str:
    return name.strip().lower().rstrip(".")


def _hostname(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return _clean(parts.hostname) if parts.hostname else None
