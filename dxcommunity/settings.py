"""Settings, read from environment variables (cookiecutter-django style).

DATABASE_URL  default sqlite:///<repo>/db.sqlite3
REDIS_URL     unset: Celery tasks run eagerly in process; set: the Celery broker and result backend
SECRET_KEY    default: an insecure development key, refused when DEBUG is off
ALLOWED_HOSTS comma separated, default "127.0.0.1,localhost"
DEBUG         "1"/"true" to enable, default on for the demo
EMAIL_URL     "console" (default), "locmem", "smtp://user:pass@host:port" or any django-environ e-mail URL
SITE_URL      the address links in e-mails start with, default "http://127.0.0.1:8000"
MEDIA_ROOT    where generated PDFs and uploads live, default <repo>/media
HTTPS_ONLY    default: on when DEBUG is off (SSL redirect, HSTS, Secure cookies, https links in e-mails);
              "0" for a plain-HTTP test setup with DEBUG off
SECURE_PROXY_SSL_HEADER  the header the TLS proxy in front sets to "https" (e.g. "X-Forwarded-Proto");
              unset: the request is https only when it reached gunicorn over TLS
TRUSTED_PROXY_COUNT      how many reverse proxies in front append to X-Forwarded-For, default 0 (the
              header is ignored and the client IP is REMOTE_ADDR)
SECURE_HSTS_SECONDS      default one year when HTTPS_ONLY; 0 turns HSTS off
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true; surrounding blanks ignored)."""
    value = env.str(name, default="").strip()
    if not value:
        return default
    return env.parse_value(value, bool)


def env_int(name: str, default: int) -> int:
    """Read a non-negative integer environment variable; ImproperlyConfigured when it is not one."""
    value = env.str(name, default="").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a non-negative integer, not {value!r}.")
    return int(value)


def env_float(name: str, default: float) -> float:
    """Read a number of seconds (or any float) from the environment; empty or unset gives ``default``."""
    value = env.str(name, default="").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_csv(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list; blanks around items and empty items are dropped."""
    return [item.strip() for item in env.str(name, default=default).split(",") if item.strip()]


# The short e-mail URLs this project has always accepted, as django-environ schemes.
EMAIL_URL_ALIASES = {"console": "consolemail://", "locmem": "memorymail://"}


def email_settings(url: str) -> dict:
    """The EMAIL_* settings for an EMAIL_URL (django-environ's ``email_url_config``).

    ``url``: "console", "locmem", "smtp://user:pass@host:port" (user and password percent-encoded),
    "smtp+tls://…" (TLS forced) or any other scheme django-environ knows ("smtps", "smtp+ssl",
    "filemail", "dummymail", …). An SMTP URL without host or port means localhost:587, and port 587 turns
    STARTTLS on. ImproperlyConfigured for an unknown scheme.
    """
    config = environ.Env.email_url_config(EMAIL_URL_ALIASES.get(url.strip(), url.strip()))
    if config["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        return {"EMAIL_BACKEND": config["EMAIL_BACKEND"]}
    config["EMAIL_HOST"] = config["EMAIL_HOST"] or "localhost"
    config["EMAIL_PORT"] = config["EMAIL_PORT"] or 587
    config["EMAIL_HOST_USER"] = config["EMAIL_HOST_USER"] or ""
    config["EMAIL_HOST_PASSWORD"] = config["EMAIL_HOST_PASSWORD"] or ""
    if not config.get("EMAIL_USE_SSL"):
        config["EMAIL_USE_TLS"] = bool(config.get("EMAIL_USE_TLS")) or config["EMAIL_PORT"] == 587
    config.pop("EMAIL_FILE_PATH", None)
    if not config.get("OPTIONS"):
        config.pop("OPTIONS", None)
    return config


def cache_settings(redis_url: str, table: str) -> dict:
    """The default cache (django-environ's ``cache_url_config``): Redis at ``redis_url`` when it is set,
    else the database table ``table`` (created by migrate), which is culled only past 100 000 entries."""
    if redis_url:
        return {**environ.Env.cache_url_config(redis_url), "KEY_PREFIX": "dxcommunity"}
    # Django culls a third of the table past MAX_ENTRIES (default 300): someone typing many made-up
    # e-mail addresses could then push another account's failed-login count out of the cache.
    config = environ.Env.cache_url_config(f"dbcache://{table}")
    return {**config, "OPTIONS": {**config.get("OPTIONS", {}), "MAX_ENTRIES": 100_000}}


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "insecure-dev-key-only-for-the-local-demo"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_csv("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_csv("CSRF_TRUSTED_ORIGINS")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "dxcommunity.accounts.admin_site.AdminConfig",  # django.contrib.admin with a staff + TOTP only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "dxcommunity",
    "programs",
    "diagnosis",
    "accompaniment",
    "matching",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "dxcommunity.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: true for requests htmx sends
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dxcommunity.tenancy.middleware.ConsortiumMiddleware",
    "dxcommunity.accounts.mfa.CoordinatorMfaMiddleware",  # inside the tenant: needs request.membership
    # The 409 page of a write to a closed program, the coordinator's amendment (needs request.membership).
    "programs.middleware.ProgramClosedMiddleware",
]

ROOT_URLCONF = "dxcommunity.urls"
WSGI_APPLICATION = "dxcommunity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dxcommunity.tenancy.middleware.consortium_context",
                "programs.middleware.program_amendment_context",
            ],
        },
    },
]

# An empty DATABASE_URL counts as unset; CONN_MAX_AGE (seconds) may be given in the URL's query.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every process (the gunicorn workers, restarts): allauth's failed-login and TOTP rate limits,
# the TOTP replay guard and the public application form's limit live there. Redis when REDIS_URL is set,
# otherwise a table in the database (CACHE_TABLE, created by migrate: programs/migrations).
CACHE_TABLE = "dxcommunity_cache"
REDIS_URL = env.str("REDIS_URL", default="").strip()
CACHES = {"default": cache_settings(REDIS_URL, CACHE_TABLE)}

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Accounts (django-allauth). Nobody signs up on their own: people come in by invitation
# (dxcommunity.accounts.adapters.AccountAdapter.is_open_for_signup is False;
# dxcommunity.accounts.invitations).
ACCOUNT_ADAPTER = "dxcommunity.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# A password reset reaches only verified addresses; an address of another account or of an open invitation
# cannot be added (dxcommunity.accounts.allauth_forms). Enumeration prevention (allauth's default) stays on.
ACCOUNT_FORMS = {
    "reset_password": "dxcommunity.accounts.allauth_forms.ResetPasswordForm",
    "add_email": "dxcommunity.accounts.allauth_forms.AddEmailForm",
}
ACCOUNT_PREVENT_ENUMERATION = True
# Failed logins: 10 a minute per IP address, 5 per 5 minutes per account (the email typed), after which
# the login form refuses even the right password until the window has passed.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Wrong TOTP / recovery codes: 5 per 5 minutes per user, and nothing per IP address (an office behind one
# address must not be locked out by one person's typos); dxcommunity.accounts.mfa_forms applies it.
MFA_RATE_LIMITS = {"code_failed": "5/5m/user"}
MFA_FORMS = {
    "authenticate": "dxcommunity.accounts.mfa_forms.AuthenticateForm",
    "reauthenticate": "dxcommunity.accounts.mfa_forms.ReauthenticateForm",
    "activate_totp": "dxcommunity.accounts.mfa_forms.ActivateTOTPForm",
}
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day, in seconds
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
ACCOUNT_SESSION_REMEMBER = False  # no "remember me": every session ends with the browser or after 8 h
SESSION_COOKIE_HTTPONLY = True

# HTTPS: on by default in production (DEBUG off); HTTPS_ONLY=0 for a plain-HTTP test setup.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS_ONLY else "http"  # links in allauth's e-mails
# Behind a TLS-terminating proxy: the header it sets (and overwrites) to "https", e.g. X-Forwarded-Proto.
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
# Client IP (rate limits): X-Forwarded-For is read only when this many proxies of ours append to it
# (dxcommunity.http.client_ip); 0 = REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from our own origin only, no
# inline <script> or on*= handlers (JS lives in static/js), no <style> elements (CSS in static/css).
# style="" attributes are allowed (style-src-attr): the templates set computed bar widths and a few
# one-off margins that way; unlike <style> elements they cannot carry selectors, so they cannot be used
# to read the page. img data: is the TOTP QR code of allauth's activation page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no page uses (dxcommunity.middleware.PermissionsPolicyMiddleware). A photo taken for a
# session log goes through <input type=file>, which needs no camera permission.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# MFA: TOTP (authenticator app) and recovery codes; required for coordinators (dxcommunity.accounts.mfa)
# and for the
# admin (dxcommunity.accounts.admin_site), offered to everyone on the account page (mfa_index).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "dxcommunity"
MFA_TOTP_TOLERANCE = 1  # accept the previous and next 30 s code too (phone clocks drift)
INVITATION_TTL_DAYS = 7  # an invitation link expires this many days after it was sent

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Diagnosis Excel upload (diagnosis/excel/workbook.py): file size, and the sum of its zip members once
# inflated.
DIAGNOSIS_XLSX_MAX_BYTES = 5 * 1024 * 1024
DIAGNOSIS_XLSX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
# Session log attachments (accompaniment): largest accepted file, in bytes.
ACCOMPANIMENT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# Celery: JSON only, hard time limits, late acks so that a killed worker's task is redelivered.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged message (its worker died) back after visibility_timeout: just above the
# hard time limit plus the render claim's margin (reports.tasks.claim_timeout = limit + 60 s), so the
# redelivered run finds the dead worker's claim stale. Short socket timeouts: a request whose broker is
# down gives up within about a second (the document row waits, the sweep sends it later).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 90,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
# Celery beat (make worker runs it inside the worker, -B): the sweep of generated documents re-sends
# queued ones whose message was lost and reclaims renders of dead workers
# (reports.documents.services.document_sweep).
# DXC_DOCUMENT_SWEEP_INTERVAL (seconds, default 60); DXC_DOCUMENT_REQUEUE_AFTER: a document still queued
# this many seconds after its message was sent (or after it was created, when the broker was down) is
# sent again (default 300); DOCUMENT_MAX_ATTEMPTS: renders that never finish are given up (failed) after
# this many claims.
DOCUMENT_REQUEUE_AFTER = env_float("DXC_DOCUMENT_REQUEUE_AFTER", 300)
DOCUMENT_MAX_ATTEMPTS = 3
CELERY_BEAT_SCHEDULE = {
    "reports-sweep-documents": {
        "task": "reports.tasks.sweep_documents",
        "schedule": env_float("DXC_DOCUMENT_SWEEP_INTERVAL", 60),
        "options": {"expires": 50},
    },
    # The idempotency keys of create forms (dxcommunity.idempotency) are kept SUBMISSION_KEY_DAYS days.
    "dxcommunity-prune-submission-keys": {
        "task": "dxcommunity.tasks.prune_submission_keys",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
}
SUBMISSION_KEY_DAYS = env_int("DXC_SUBMISSION_KEY_DAYS", 30)
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME",
    default=str(Path(env.str("TMPDIR", default="") or "/tmp") / "dxcommunity-celerybeat"),
)

# django-environ's idiom (vars().update(env.email_url())): EMAIL_BACKEND, and for SMTP EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL.
vars().update(email_settings(env.str("EMAIL_URL", default="console")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dxcommunity <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
