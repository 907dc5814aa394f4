"""Firing requests at once: each from its own thread, test client and database connection.

``on_postgres`` marks a test that needs real concurrent transactions: it runs when DATABASE_URL is
PostgreSQL (as in CI) and is skipped on SQLite, whose writers lock the whole database file (the requests
would wait for each other instead of racing). Use it with ``@pytest.mark.django_db(transaction=True)`` so
that the fixtures' rows are committed and visible to the requests' connections.

``post_together(client_a, client_b, url=..., data=...)`` sends the same POST from every client at the same
moment (a barrier releases the threads together) and returns the responses in client order. The clients
do not re-raise server errors: a 500 comes back as a response with status 500, so a test can assert it.

``meet_at(Model, "full_clean")`` makes the race certain instead of likely: every request waits at that
call (just before its write) until the other one gets there too. Without a guard both requests pass their
checks and write; with a guard (a row lock, the unique key) the second one waits before that point, so
the first one goes on alone after ``timeout`` seconds (a rendezvous, not an assertion on time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial, wraps
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
on_postgres = pytest.mark.skipif(
    not POSTGRES,
    reason="concurrent requests need PostgreSQL (DATABASE_URL=postgres://…): SQLite serialises the writers",
)


def logged_in_client(user: Any) -> Client:
    """A test client logged in as ``user`` that answers a server error with a 500 response."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Call every ``calls[i]()`` in its own thread, released together; their results in order.

    An exception in a call is returned in its place (the test asserts on it). Each thread closes its
    database connection at the end.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def post_together(
    *clients: Client, url: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
) -> list[Any]:
    """POST ``data`` to ``url`` from every client at once; the responses in client order.

    ``data`` may be a callable returning a fresh dict per request (needed for file uploads, which are
    read once).
    """
    make = data if callable(data) else (lambda: dict(data))
    bodies = [make() for _c in clients]
    return run_together(*[partial(c.post, url, body) for c, body in zip(clients, bodies, strict=True)])


@contextmanager
def meet_at(owner: Any, name: str, *, parties: int = 2, timeout: float = 3.0) -> Iterator[None]:
    """Within the block, ``owner.name(...)`` first waits (up to ``timeout`` s) until ``parties`` threads
    are at it, then runs as usual. See the module docstring."""
    barrier = threading.Barrier(parties)
    original = getattr(owner, name)

    @wraps(original)
    def waiting(*args: Any, **kwargs: Any) -> Any:
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass  # the other request is held by a lock (or done): go on alone
        return original(*args, **kwargs)

    with mock.patch.object(owner, name, waiting):
        yield
