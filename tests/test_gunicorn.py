"""The production server as deployed: gunicorn with 3 workers, DEBUG off, behind a TLS proxy (simulated by
sending X-Forwarded-Proto: https). Measures what a single process cannot show: the failed-login limit
holds across workers, the response headers, and the container health check."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "victim@example.jp", "right-pass-8g4k"
ATTEMPTS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn (3 workers, this repo's gunicorn.conf.py) on a migrated SQLite file; yields (url, env)."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "HTTPS_ONLY"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        DEBUG="0",
        SECRET_KEY="gunicorn-test-secret-kV9qL2mX7rT4wZ1bN6cH3jP0dS5fG8yA",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        MEDIA_ROOT=str(tmp / "media"),
        PORT=str(port),
    )
    python = str(VENV_BIN / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True, timeout=600)
    create = (
        "from django.contrib.auth import get_user_model; from allauth.account.models import EmailAddress; "
        f"u = get_user_model().objects.create_user('victim', '{EMAIL}', '{PASSWORD}'); "
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)"
    )
    subprocess.run([python, "manage.py", "shell", "-v0", "-c", create], cwd=REPO, env=env, check=True)
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "dxcommunity.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read()}")
            try:
                _open(url + "/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        booted = 0
        while booted < 3 and process.poll() is None:  # every worker is serving before the test counts
            line = process.stderr.readline()
            booted += "Booting worker" in line
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 30):
    """(status, headers, body), redirects not followed; a new connection each time, so that any of the
    workers may answer."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def _through_proxy(url: str) -> dict:
    origin = url.replace("http://", "https://")
    return {"X-Forwarded-Proto": "https", "Accept-Language": "en", "Origin": origin, "Referer": origin + "/"}


def test_failed_logins_are_counted_across_the_workers(server):
    """5 wrong passwords per account per 5 minutes (ACCOUNT_RATE_LIMITS), whichever worker answers."""
    url, _env = server
    login = url + "/accounts/login/"
    checked = refused = 0
    for i in range(ATTEMPTS):
        status, headers, page = _open(login, headers=_through_proxy(url))
        assert status == 200
        cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "login": EMAIL, "password": f"wrong-{i}"}
        )
        status, _headers, page = _open(
            login, data=body.encode(), headers={**_through_proxy(url), "Cookie": f"csrftoken={cookie}"}
        )
        assert status == 200
        if "Too many failed login attempts" in page:
            refused += 1
        elif "not correct" in page:
            checked += 1
    assert (checked, refused) == (5, ATTEMPTS - 5)


def test_response_headers_with_debug_off(server):
    url, _env = server
    status, headers, _page = _open(url + "/accounts/login/", headers=_through_proxy(url))
    assert status == 200
    assert "Server" not in headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    cookie = headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    plain = _open(url + "/accounts/login/")  # plain http, not through the TLS proxy
    assert plain[0] == 301 and plain[1]["Location"].startswith("https://127.0.0.1")
    assert "Server" not in plain[1]


def _healthcheck(env: dict, **override: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/healthcheck.py"],
        cwd=REPO,
        env={**env, **override},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_healthcheck_passes_when_all_answer(server):
    _url, env = server
    result = _healthcheck(env)
    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_when_postgresql_is_unreachable(server):
    _url, env = server
    result = _healthcheck(env, DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/dxcommunity")
    assert result.returncode == 1
    assert "unhealthy: database:" in result.stderr


def test_healthcheck_fails_when_redis_is_unreachable(server):
    _url, env = server
    result = _healthcheck(env, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    assert result.returncode == 1
    assert "unhealthy: redis:" in result.stderr


def test_healthcheck_fails_when_gunicorn_does_not_answer(server):
    _url, env = server
    result = _healthcheck(env, PORT=str(_free_port()))
    assert result.returncode == 1
    assert "unhealthy: web:" in result.stderr
