# dxcommunity production image: gunicorn for the web service, the same image runs the Celery worker.
#   docker build -t dxcommunity .        (docker compose up -d builds it too; see README.md)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    MEDIA_ROOT=/app/media

# WeasyPrint needs Pango; the DX推進計画書 PDFs need a Japanese font (Noto CJK) found through fontconfig.
# gettext compiles the English translations at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/* \
    && fc-list :lang=ja family | grep -q . \
    && useradd --system --uid 1000 --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (a layer that only changes with pyproject.toml and uv.lock), installed from the lock:
# exact versions with their hashes (uv export --locked fails when the lock no longer matches
# pyproject.toml). The project itself runs from /app, so that BASE_DIR (templates, static, locale) is /app.
COPY pyproject.toml uv.lock ./
RUN UV_VERSION=$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;}' uv.lock) \
    && pip install "uv==${UV_VERSION}" \
    && uv export --locked --no-dev --format requirements-txt --output-file /tmp/requirements.txt \
    && pip install --no-deps --require-hashes -r /tmp/requirements.txt \
    && pip uninstall -y uv \
    && rm /tmp/requirements.txt

COPY . .

# Static files (WhiteNoise serves them, compressed) and translations, with throwaway build-time settings.
RUN DEBUG=0 SECRET_KEY=build-time-only python manage.py collectstatic --noinput -v 0 \
    && if find . -name '*.po' -not -path './.venv/*' | grep -q .; then \
        DEBUG=0 SECRET_KEY=build-time-only python manage.py compilemessages -v 0; fi \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app
EXPOSE 8000

# The web service (compose overrides the command to migrate first; the worker runs celery instead).
CMD ["gunicorn", "dxcommunity.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
