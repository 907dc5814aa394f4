"""Helpers for the tests of concurrent edits (optimistic locking): two browsers, the form's version."""

from __future__ import annotations

import re

from django.test import Client

_VERSION = re.compile(r'<input type="hidden" name="version" value="(\d+)"')


def browser(user) -> Client:
    """A separate test client (its own session and cookies) logged in as ``user``."""
    c = Client()
    c.force_login(user)
    return c


def form_version(response) -> str:
    """The ``version`` hidden field of the (single) edit form on the page; fails when there is none."""
    found = _VERSION.findall(response.content.decode())
    assert len(found) == 1, f"expected one version field, found {found}"
    return found[0]


def with_version(data: dict, record) -> dict:
    """``data`` plus the record's stored ``version``, as a form loaded now would send it."""
    return {**data, "version": str(type(record)._base_manager.get(pk=record.pk).version)}
