"""gunicorn settings, read by gunicorn from the working directory (/app in the image).

The command line (Dockerfile CMD, docker-compose.yml) gives bind, workers and timeout. This file only
removes gunicorn's own ``Server: gunicorn`` response header: gunicorn has no setting for it and writes it
before the application's headers (gunicorn.http.wsgi.Response.default_headers), so the method that
writes the status line and default headers is wrapped to leave that one out.
"""

from gunicorn.http import wsgi


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_default_headers = wsgi.Response.default_headers
wsgi.Response.default_headers = _default_headers_without_server
