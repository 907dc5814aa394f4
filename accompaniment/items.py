"""Reads of the DX推進指標 items a session log names (``SessionLog.items``): the items offered on the log
form, grouped as the index groups them, and the sessions that worked on given items (the support behind a
change between two diagnoses, asked by diagnosis through the hook ``diagnosis.sessions_by_item``).

Selectors (reads only); the tenant scope must be active, and every lookup also filters on the consortium.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accompaniment.models import AccompanimentSession, SessionLog
from diagnosis.models import IndexEdition, IndexGroup, IndexItem
from diagnosis.selectors import diagnosis_latest_for_company
from dxcommunity.tenancy.models import Company


@dataclass(frozen=True)
class ItemGroup:
    """One IndexGroup of the log form with its items in index order."""

    group: IndexGroup
    items: list[IndexItem]


def session_item_edition(*, company: Company) -> IndexEdition | None:
    """The edition whose items a session log of ``company`` offers: that of the company's latest diagnosis
    (draft or submitted), else the current edition (``IndexEdition.is_current``, the newest if several);
    None when no edition is loaded. One or two queries."""
    latest = diagnosis_latest_for_company(company=company)
    if latest is not None:
        return latest.edition
    return IndexEdition.objects.filter(is_current=True).order_by("-created_at", "-pk").first()


def session_item_groups(*, company: Company, extra_ids: Iterable[int] = ()) -> list[ItemGroup]:
    """The items offered on the session log form, by group (``session_item_edition``), groups and items in
    index order. ``extra_ids``: items already named by the log that are of another edition (the company
    re-diagnosed on a newer one): they are added under their own group so that saving again keeps them.
    [] when there is no edition. Up to three queries."""
    edition = session_item_edition(company=company)
    if edition is None:
        return []
    items = IndexItem.objects.filter(edition=edition)
    extra = set(extra_ids)
    if extra:
        items = items | IndexItem.objects.filter(pk__in=extra)
    groups: dict[int, ItemGroup] = {}
    for item in items.select_related("group").order_by("edition_id", "group__order", "order"):
        groups.setdefault(item.group_id, ItemGroup(group=item.group, items=[])).items.append(item)
    return list(groups.values())


@dataclass(frozen=True)
class SessionRef:
    """A held session that named an item: ``pk`` (of the session), ``number`` 1–10, ``theme`` (in the
    reader's language for a standard theme), ``date``, the track's ``program_name`` and ``program_id``."""

    pk: int
    number: int
    theme: str
    date: dt.date | None
    program_name: str
    program_id: int


def sessions_by_item(
    *, company: Company, start: dt.date, end: dt.date, item_ids: Iterable[int]
) -> dict[int, list[SessionRef]]:
    """{item id: [SessionRef]}: the company's held accompaniment sessions (of any of its tracks) dated
    from ``start`` to ``end`` (both included) whose log names the item, by date then number. Items no
    session named are absent. ONE query, whatever the number of items and sessions.

    Raises ``ValueError`` when ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"sessions_by_item: end {end} is before start {start}")
    ids = list(item_ids)
    if not ids:
        return {}
    links = (
        SessionLog.items.through.objects.filter(
            indexitem_id__in=ids,
            sessionlog__consortium_id=company.consortium_id,
            sessionlog__session__track__company=company,
            sessionlog__session__status=AccompanimentSession.Status.HELD,
            sessionlog__session__date__gte=start,
            sessionlog__session__date__lte=end,
        )
        .select_related("sessionlog__session__track__program")
        .order_by("sessionlog__session__date", "sessionlog__session__number", "sessionlog__session__pk")
    )
    found: dict[int, list[SessionRef]] = {}
    for link in links:
        session = link.sessionlog.session
        program = session.track.program
        found.setdefault(link.indexitem_id, []).append(
            SessionRef(
                pk=session.pk,
                number=session.number,
                theme=session.theme_display,
                date=session.date,
                program_name=f"{program.fiscal_year_label} {program.name}",
                program_id=program.pk,
            )
        )
    return found


def sessions_by_item_hook(
    *,
    company: Company,
    start: dt.date,
    end: dt.date,
    item_ids: Iterable[int],
    membership: Any,
    facts: Any = None,
) -> dict[int, list[SessionRef]]:
    """``diagnosis.sessions_by_item``: ``sessions_by_item`` for a viewer who may see the company's tracks
    (``accompaniment.view_track`` = FULL_READ on the company, decided with ``facts``); {} for others."""
    from dxcommunity.access import AccessLevel, company_access

    if company_access(membership=membership, company=company, facts=facts) < AccessLevel.FULL_READ:
        return {}
    return sessions_by_item(company=company, start=start, end=end, item_ids=item_ids)
