"""Container health check of the web service: the database, Redis and gunicorn all answer.

1. the database of DATABASE_URL answers ``SELECT 1`` (through Django's settings, 5 s connect timeout);
2. when REDIS_URL is set, Redis answers PING (the cache and the Celery broker live there);
3. GET /accounts/login/ through gunicorn on 127.0.0.1:$PORT (default 8000) answers 200. The request
   carries the first concrete name of ALLOWED_HOSTS as its Host header, and, when SECURE_PROXY_SSL_HEADER
   names the TLS proxy's header, that header set to "https" (as the proxy would), so that the SSL
   redirect does not answer instead of the page.

Exit 0 when all pass; otherwise 1, with one "unhealthy: <check>: <reason>" line per failed check on
stderr.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, when run as a script

PORT = os.environ.get("PORT", "8000")
TIMEOUT = 5  # seconds, per check


def host_header() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def check_database() -> str | None:
    """None when the default database answers ``SELECT 1``, else the reason."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxcommunity.settings")
    try:
        import django

        django.setup()
        from django.db import connection

        if connection.vendor == "postgresql":
            connection.settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = TIMEOUT
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach it is "unhealthy", with its message
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def check_redis() -> str | None:
    """None when REDIS_URL is unset or Redis answers PING, else the reason."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        client.ping()
        client.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer to judge, not to follow
        return None


def check_web() -> str | None:
    """None when gunicorn answers the login page with 200, else the reason."""
    headers = {"Host": host_header()}
    proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
    if proxy_header:
        headers[proxy_header] = "https"
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/accounts/login/", headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        return str(exc)
    return None if status == 200 else f"HTTP {status}"


CHECKS = {"database": check_database, "redis": check_redis, "web": check_web}


def main() -> int:
    failed = 0
    for name, check in CHECKS.items():
        reason = check()
        if reason is not None:
            print(f"unhealthy: {name}: {reason}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
