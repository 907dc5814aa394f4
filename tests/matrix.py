"""The role loop of every permission matrix: one test per URL (or URL + method), every role inside it.

``check_roles(cast, label, expected, request)`` asks ``request(client, role)`` for a response once per
role of ``expected`` (``{role: status}``; ``"anonymous"`` is not logged in, any other role is the cast
user of that name), each role with a new test client and inside a savepoint rolled back afterwards, so
every role meets the database as the test set it up (as if it were a test of its own); the cast's objects
are read again after each role. Mismatches are
collected and reported together at the end, one line per (role, expected, got)::

    POST programs:event_edit: 2 of 14 roles wrong
      itc: expected 403, got 200
      anonymous: expected 302, got 200

``check(role, response)`` may add a test of its own per role: it returns a failure text, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.test import Client

from tests.conftest import _CAST

Request = Callable[[Client, str], HttpResponse]
Check = Callable[[str, HttpResponse], "str | None"]


def check_roles(
    cast: Any,
    label: str,
    expected: dict[str, int],
    request: Request,
    *,
    roles: Iterable[str] | None = None,
    check: Check | None = None,
    user: Callable[[str], Any] | None = None,
) -> None:
    """Call ``request`` as every role (default: every key of ``expected``); AssertionError lists the misses.

    ``user(role)`` gives the user to log in as (default: ``getattr(cast, role)``; ``"anonymous"``: none).
    Raises AssertionError with one line per role whose status differs from ``expected[role]`` or whose
    ``check`` returned a text.
    """
    failures: list[str] = []
    roles = list(expected if roles is None else roles)
    for role in roles:
        with transaction.atomic():
            client = Client()
            if role != "anonymous":
                client.force_login(user(role) if user else getattr(cast, role))
            response = request(client, role)
            got = response.status_code
            if got != expected[role]:
                failures.append(f"  {role}: expected {expected[role]}, got {got}")
            elif check is not None and (problem := check(role, response)):
                failures.append(f"  {role}: {problem}")
            transaction.set_rollback(True)
        # The rollback undid the role's writes; objects of the cast it changed in memory (a saved version
        # number, a field set before a save) are read again, as a test of its own would get them.
        vars(cast).update(vars(_CAST.load()))
    assert not failures, f"{label}: {len(failures)} of {len(roles)} roles wrong\n" + "\n".join(failures)


def call(client: Client, method: str, url: str, data: dict | None = None) -> HttpResponse:
    """``client.get(url)`` or ``client.post(url, data)`` (``data`` defaults to an empty body)."""
    if method == "post":
        return client.post(url, data or {})
    return getattr(client, method)(url)
