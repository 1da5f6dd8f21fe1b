"""Whether a text is an IP address, as DEID-001 reads one: one definition for the DEID
rules' SQL (`deidentification.text_functions`) and the loader's look at a dataset's
header row (`loading.data_headers`)."""

from __future__ import annotations

import ipaddress


def is_ip_address(text: str | None) -> bool:
    """True when `text` is exactly an IPv4 or IPv6 address (Python's `ipaddress`), or an
    IPv4 address whose numbers are padded with zeros, alone or ending an IPv6 address."""
    if text is None:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return _padded_ipv4(text) or _ipv6_with_padded_ipv4(text)
    return True


def _padded_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(
        0 < len(part) <= 3 and part.isascii() and part.isdigit() and int(part) <= 255
        for part in parts
    )


def _ipv6_with_padded_ipv4(text: str) -> bool:
    """An IPv6 address whose IPv4 tail is padded (Python refuses the zeros there)."""
    head, colon, tail = text.rpartition(":")
    if not colon or not _padded_ipv4(tail):
        return False
    unpadded = ".".join(str(int(part)) for part in tail.split("."))
    try:
        ipaddress.IPv6Address(f"{head}:{unpadded}")
    except ValueError:
        return False
    return True
