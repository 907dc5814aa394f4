"""Container health check of the web service: GET the login page through gunicorn on 127.0.0.1:8000.

The request carries the first concrete name of ALLOWED_HOSTS as its Host header, so that the check passes
with production host names too. Exit 0 when the page answers 200, 1 otherwise.
"""

import os
import sys
import urllib.request

PORT = os.environ.get("PORT", "8000")


def host_header() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/accounts/login/", headers={"Host": host_header()}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
