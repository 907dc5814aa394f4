"""Template filter ``person``: a user's name in Japanese order (姓 名), else the e-mail address."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


def person_name(user: Any) -> str:
    """'伴走 一郎' for last_name='伴走', first_name='一郎'; the e-mail when both are empty."""
    if user is None:
        return ""
    name = f"{user.last_name} {user.first_name}".strip()
    return name or user.email or user.get_username()


@register.filter(name="person")
def person(user: Any) -> str:
    return person_name(user)
