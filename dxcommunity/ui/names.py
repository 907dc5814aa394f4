"""Person names as the app shows them: Japanese order, family name first."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


def person_name(user: Any) -> str:
    """'伴走 一郎' for last_name='伴走', first_name='一郎'; the e-mail address when both are empty, then the
    username; "" for None. ``user``: any object with ``last_name``, ``first_name``, ``email`` (a User)."""
    if user is None:
        return ""
    name = f"{user.last_name or ''} {user.first_name or ''}".strip()
    if name:
        return name
    return user.email or (user.get_username() if hasattr(user, "get_username") else "")


def person_with_organization(user: Any, organization: str | None) -> str:
    """「姓 名（組織）」 for a choice list; the bare name when ``organization`` is empty."""
    name = person_name(user)
    if not organization:
        return name
    return gettext("%(name)s（%(organization)s）") % {"name": name, "organization": organization}
