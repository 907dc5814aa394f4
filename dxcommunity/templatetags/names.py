"""Template filter ``person`` (``{% load names %}``): a user's name in Japanese order (姓 名), else the
e-mail address (``dxcommunity.ui.names.person_name``)."""

from __future__ import annotations

from typing import Any

from django import template

from dxcommunity.ui.names import person_name

register = template.Library()


@register.filter(name="person")
def person(user: Any) -> str:
    """``{{ user|person }}`` → '伴走 一郎'; see ``person_name``."""
    return person_name(user)
