"""Settings read from the environment (dxcommunity/settings.py).

Each case imports the settings module in a fresh interpreter with a controlled environment, because the
module is evaluated once per process and the test process has already loaded it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Prints the settings the tests look at as JSON; exits 3 with the exception name on ImproperlyConfigured.
PROBE = """
import json, sys
from django.core.exceptions import ImproperlyConfigured
try:
    from dxcommunity import settings as s
except ImproperlyConfigured as exc:
    print(json.dumps({"error": "ImproperlyConfigured", "message": str(exc)}))
    sys.exit(3)
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_RESULT_BACKEND": s.CELERY_RESULT_BACKEND,
    "DB_ENGINE": db["ENGINE"],
    "DB_NAME": str(db["NAME"]),
    "DB_HOST": db.get("HOST", ""),
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": getattr(s, "EMAIL_HOST", None),
    "EMAIL_PORT": getattr(s, "EMAIL_PORT", None),
    "EMAIL_HOST_USER": getattr(s, "EMAIL_HOST_USER", None),
    "EMAIL_HOST_PASSWORD": getattr(s, "EMAIL_HOST_PASSWORD", None),
    "EMAIL_USE_TLS": getattr(s, "EMAIL_USE_TLS", None),
    "EMAIL_USE_SSL": getattr(s, "EMAIL_USE_SSL", None),
    "SITE_URL": s.SITE_URL,
    "DB_CONN_MAX_AGE": db["CONN_MAX_AGE"],
    "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "STATICFILES_BACKEND": s.STORAGES["staticfiles"]["BACKEND"],
    "LOG_LEVEL": s.LOGGING["root"]["level"],
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"]["LOCATION"],
    "CACHE_MAX_ENTRIES": s.CACHES["default"].get("OPTIONS", {}).get("MAX_ENTRIES"),
    "CACHE_KEY_PREFIX": s.CACHES["default"].get("KEY_PREFIX"),
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL": s.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
    "ALLAUTH_TRUSTED_PROXY_COUNT": s.ALLAUTH_TRUSTED_PROXY_COUNT,
}))
"""

# Variables the settings read; the probe starts from none of them so that the host's environment
# (CI sets DATABASE_URL and REDIS_URL) does not leak into the case.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "EMAIL_URL",
    "MEDIA_ROOT",
    "CSRF_TRUSTED_ORIGINS",
    "LOG_LEVEL",
    "DJANGO_SETTINGS_MODULE",
    "HTTPS_ONLY",
    "SECURE_PROXY_SSL_HEADER",
    "TRUSTED_PROXY_COUNT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
)


def load_settings(**env: str) -> tuple[int, dict]:
    """Import dxcommunity.settings in a subprocess with ``env`` on top of a cleaned environment.

    Returns (exit code, the probe's JSON output).
    """
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_are_the_local_demo():
    code, s = load_settings()

    assert code == 0
    assert s["DEBUG"] is True
    assert s["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB_NAME"] == str(REPO / "db.sqlite3")
    assert s["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["MEDIA_ROOT"] == str(REPO / "media")
    assert s["LOG_LEVEL"] == "INFO"


def test_without_redis_url_tasks_run_eagerly_in_process():
    code, s = load_settings()

    assert code == 0
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True
    assert s["CELERY_BROKER_URL"] == "memory://"
    assert s["CELERY_RESULT_BACKEND"] is None


def test_with_redis_url_tasks_go_to_the_broker():
    code, s = load_settings(REDIS_URL="redis://redis:6379/0")

    assert code == 0
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False
    assert s["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert s["CELERY_RESULT_BACKEND"] == "redis://redis:6379/0"


@pytest.mark.parametrize("debug", ["0", "false", "no", "off"])
def test_debug_off_without_secret_key_is_refused(debug):
    code, s = load_settings(DEBUG=debug)

    assert code == 3
    assert s["error"] == "ImproperlyConfigured"
    assert "SECRET_KEY" in s["message"]


def test_debug_off_with_secret_key_is_production():
    code, s = load_settings(
        DEBUG="0",
        SECRET_KEY="a-real-secret-from-the-environment",
        ALLOWED_HOSTS="dx.example.jp, www.dx.example.jp",
        CSRF_TRUSTED_ORIGINS="https://dx.example.jp",
        DATABASE_URL="postgres://dx:pw@db:5432/dxcommunity",
        MEDIA_ROOT="/srv/media",
        LOG_LEVEL="WARNING",
    )

    assert code == 0
    assert s["DEBUG"] is False
    assert s["SECRET_KEY"] == "a-real-secret-from-the-environment"
    assert s["ALLOWED_HOSTS"] == ["dx.example.jp", "www.dx.example.jp"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://dx.example.jp"]
    assert s["DB_ENGINE"] == "django.db.backends.postgresql"
    assert (s["DB_NAME"], s["DB_HOST"]) == ("dxcommunity", "db")
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedStaticFilesStorage"
    assert s["MEDIA_ROOT"] == "/srv/media"
    assert s["LOG_LEVEL"] == "WARNING"


def test_smtp_email_url_is_parsed():
    code, s = load_settings(EMAIL_URL="smtp://mailer:p%40ss@mail.example.jp:587")

    assert code == 0
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"]) == ("mail.example.jp", 587)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("mailer", "p@ss")


def test_smtp_email_url_defaults_to_port_587_with_starttls():
    code, s = load_settings(EMAIL_URL="smtp://mail.example.jp")

    assert code == 0
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == ("mail.example.jp", 587, True)
    assert (s["EMAIL_HOST_USER"], s["EMAIL_HOST_PASSWORD"]) == ("", "")


def test_smtp_email_url_on_port_25_is_plain_unless_tls_is_asked_for():
    code, plain = load_settings(EMAIL_URL="smtp://mail.example.jp:25")
    code_tls, tls = load_settings(EMAIL_URL="smtp+tls://mail.example.jp:25")

    assert (code, code_tls) == (0, 0)
    assert (plain["EMAIL_PORT"], plain["EMAIL_USE_TLS"]) == (25, False)
    assert (tls["EMAIL_PORT"], tls["EMAIL_USE_TLS"]) == (25, True)


def test_smtp_ssl_email_url_uses_implicit_tls():
    code, s = load_settings(EMAIL_URL="smtp+ssl://mailer:secret@mail.example.jp:465")

    assert code == 0
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_PORT"], s["EMAIL_USE_SSL"], s["EMAIL_USE_TLS"]) == (465, True, None)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console", "django.core.mail.backends.console.EmailBackend"),
        ("consolemail://", "django.core.mail.backends.console.EmailBackend"),
        ("locmem", "django.core.mail.backends.locmem.EmailBackend"),
        ("memorymail://", "django.core.mail.backends.locmem.EmailBackend"),
    ],
)
def test_short_and_django_environ_email_urls_name_a_backend(url, backend):
    code, s = load_settings(EMAIL_URL=url)

    assert code == 0
    assert s["EMAIL_BACKEND"] == backend
    assert s["EMAIL_HOST"] is None  # no SMTP settings for a backend that sends nothing


def test_an_unknown_email_url_scheme_is_refused():
    code, s = load_settings(EMAIL_URL="pigeon://loft")

    assert code == 3
    assert "pigeon" in s["message"]


def test_site_url_defaults_to_the_local_demo_and_loses_its_trailing_slash():
    assert load_settings()[1]["SITE_URL"] == "http://127.0.0.1:8000"
    assert load_settings(SITE_URL="https://dx.example.jp/")[1]["SITE_URL"] == "https://dx.example.jp"


def test_database_url_connections_are_kept_a_minute_unless_the_url_says_otherwise():
    assert load_settings()[1]["DB_CONN_MAX_AGE"] == 60
    code, s = load_settings(DATABASE_URL="postgres://dx:pw@db:5432/dxcommunity?conn_max_age=0")
    assert (code, s["DB_CONN_MAX_AGE"], s["DB_NAME"]) == (0, 0, "dxcommunity")


def test_without_redis_the_cache_is_the_database_table():
    code, s = load_settings()

    assert code == 0
    assert s["CACHE_BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert s["CACHE_LOCATION"] == "dxcommunity_cache"
    assert s["CACHE_MAX_ENTRIES"] >= 100_000  # not culled by a flood of made-up login names


def test_with_redis_url_the_cache_is_redis():
    code, s = load_settings(REDIS_URL="redis://redis:6379/0")

    assert code == 0
    assert s["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s["CACHE_LOCATION"] == "redis://redis:6379/0"
    assert s["CACHE_KEY_PREFIX"] == "dxcommunity"


def test_a_tls_redis_url_with_a_password_is_parsed_into_the_cache():
    code, s = load_settings(REDIS_URL="rediss://:secret@redis.example.jp:6380/2")

    assert code == 0
    assert s["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s["CACHE_LOCATION"] == "rediss://:secret@redis.example.jp:6380/2"
    assert s["CELERY_BROKER_URL"] == "rediss://:secret@redis.example.jp:6380/2"


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "a-real-secret-from-the-environment"}


def test_production_is_https_only_by_default():
    code, s = load_settings(**PRODUCTION)

    assert code == 0
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert s["TRUSTED_PROXY_COUNT"] == 0


def test_https_only_off_for_a_plain_http_test_setup():
    code, s = load_settings(**PRODUCTION, HTTPS_ONLY="0")

    assert code == 0
    assert s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False
    assert s["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "http"


def test_the_demo_is_plain_http():
    code, s = load_settings()

    assert code == 0
    assert (s["SECURE_SSL_REDIRECT"], s["SECURE_HSTS_SECONDS"], s["SESSION_COOKIE_SECURE"]) == (
        False,
        0,
        False,
    )


def test_behind_the_tls_proxy():
    code, s = load_settings(
        **PRODUCTION, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", TRUSTED_PROXY_COUNT="1"
    )

    assert code == 0
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["TRUSTED_PROXY_COUNT"] == 1 and s["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1


def test_a_bad_trusted_proxy_count_is_refused():
    code, s = load_settings(TRUSTED_PROXY_COUNT="one")

    assert code == 3
    assert "TRUSTED_PROXY_COUNT" in s["message"]
