"""WSGI entry point (gunicorn dxcommunity.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxcommunity.settings")
application = get_wsgi_application()
