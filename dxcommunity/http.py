"""Request helpers shared by the apps: the client's IP address behind the reverse proxies we run."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str) -> str | None:
    """``value`` as a normalised IP address string, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address: str (IPv4 or IPv6, normalised), "unknown" when none can be found.

    With ``TRUSTED_PROXY_COUNT`` = n > 0 (n reverse proxies of ours, each appending the address it saw
    to ``X-Forwarded-For``) the n-th entry from the right is the client: anything left of it was sent by
    the client and may be forged. With 0 (the default), or a header shorter than n (the request did not
    come through our proxies), the header is ignored and ``REMOTE_ADDR`` is used.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if count > 0 and forwarded:
        entries = [entry for entry in forwarded.split(",") if entry.strip()]
        if len(entries) >= count:
            ip = _clean(entries[-count])
            if ip:
                return ip
    return _clean(request.META.get("REMOTE_ADDR", "")) or "unknown"
