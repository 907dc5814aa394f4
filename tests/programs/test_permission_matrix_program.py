"""Every URL of the ``program`` namespace (事業と日程) × every role × own tenant / other tenant / anonymous.

Objects: cast.program; a common (no region) DX seminar next month, each role's user registered for it
(for ``registration_cancel``); a members-only キックオフ連絡会 (``#members_only`` rows: 404 for company
members and vendors). Reading is open to every member; programs are changed by the coordinator only,
events by the coordinator (and the regional coordinator of the event's region, tested in
test_program_events.py; not a column of the cast). Also the CSRF and bank-isolation tables of the namespace.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

import programs.events.urls
from programs.models import Event, SeminarRegistration
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
ALL_MEMBERS = {r: 200 for r in ROLES} | {"stranger_coordinator": 404, "anonymous": 302}
COORDINATOR_ONLY = {r: 403 for r in ROLES} | {
    "coordinator": 200,
    "stranger_coordinator": 404,
    "anonymous": 302,
}
NOT_FOR_COMPANIES_AND_VENDORS = ALL_MEMBERS | {
    r: 404 for r in ("company_user", "other_company_user", "vendor_user", "other_vendor_user")
}


def _posted(expected: dict[str, int]) -> dict[str, int]:
    """A coordinator-only page's statuses for a POST that succeeds with a redirect."""
    return expected | {"coordinator": 302}


# name (#variant) -> (method, expected status per role)
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "programs:list": ("get", ALL_MEMBERS),
    "programs:create": ("get", COORDINATOR_ONLY),
    "programs:calendar_all": ("get", ALL_MEMBERS),
    "programs:detail": ("get", ALL_MEMBERS),
    "programs:edit": ("get", COORDINATOR_ONLY),
    "programs:copy": ("get", COORDINATOR_ONLY),
    "programs:close": ("get", COORDINATOR_ONLY),
    "programs:close#post": ("post", _posted(COORDINATOR_ONLY)),
    "programs:amendment_start": ("get", COORDINATOR_ONLY),
    # No amendment in progress: back to the program list.
    "programs:amendment_end": ("post", _posted(COORDINATOR_ONLY)),
    "programs:calendar": ("get", ALL_MEMBERS),
    "programs:ics": ("get", ALL_MEMBERS),
    # A regional coordinator creates its region's events.
    "programs:event_create": (
        "get",
        COORDINATOR_ONLY | {"regional_coordinator": 200, "regional_coordinator_nagano": 200},
    ),
    "programs:event_detail": ("get", ALL_MEMBERS),
    "programs:event_detail#members_only": ("get", NOT_FOR_COMPANIES_AND_VENDORS),
    "programs:event_edit": ("get", COORDINATOR_ONLY),
    "programs:event_edit#members_only": (
        "get",
        COORDINATOR_ONLY
        | {r: 404 for r in ("company_user", "other_company_user", "vendor_user", "other_vendor_user")},
    ),
    "programs:event_delete": ("get", COORDINATOR_ONLY),
    "programs:event_attendance": ("post", _posted(COORDINATOR_ONLY)),
    "programs:event_ics": ("get", ALL_MEMBERS),
    "programs:event_ics#members_only": ("get", NOT_FOR_COMPANIES_AND_VENDORS),
    # The registrant cancels their own registration (each role's user is registered): redirect.
    "programs:registration_cancel": ("post", {r: 302 for r in ROLES} | {"stranger_coordinator": 404}),
    # Without a registration there is nothing to cancel.
    "programs:registration_cancel#unregistered": ("post", {r: 404 for r in ROLES} | {"anonymous": 302}),
}


def test_every_program_url_is_in_the_matrix():
    names = {f"programs:{p.name}" for p in programs.events.urls.urlpatterns}
    assert names == {key.split("#")[0] for key in MATRIX}


def _event(cast, **kwargs) -> Event:
    starts = timezone.now() + dt.timedelta(days=30)
    return Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=kwargs.pop("kind", Event.Kind.DX_SEMINAR),
        title=kwargs.pop("title", "DXセミナー(1)"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        **kwargs,
    )


def _kwargs(key: str, cast, role: str) -> dict:
    name, _sep, variant = key.partition("#")
    if name in (
        "programs:detail",
        "programs:edit",
        "programs:copy",
        "programs:close",
        "programs:amendment_start",
        "programs:calendar",
        "programs:ics",
    ):
        return {"pk": cast.program.pk}
    if name == "programs:event_create":
        return {"program_pk": cast.program.pk}
    if name.startswith("programs:event_") or name == "programs:registration_cancel":
        if variant == "members_only":
            event = _event(cast, kind=Event.Kind.KICKOFF, title="キックオフ連絡会", members_only=True)
        else:
            event = _event(cast)
        registered = role not in ("anonymous", "stranger_coordinator") and variant != "unregistered"
        if name == "programs:registration_cancel" and registered:
            SeminarRegistration.objects.create(
                consortium=cast.consortium, event=event, name="x", email=getattr(cast, role).email
            )
        return {"pk": event.pk}
    return {}


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_permission_matrix(cast, key):
    method, expected = MATRIX[key]

    def request(client, role):
        kwargs = {"consortium_slug": cast.consortium.slug, **_kwargs(key, cast, role)}
        return call(client, method, reverse(key.split("#")[0], kwargs=kwargs))

    check_roles(cast, f"{method.upper()} {key}", expected, request, roles=ROLES)


# --- CSRF (tests/test_csrf.py) and bank isolation (tests/access/test_bank_isolation.py) ---------------


def _csrf_event(w) -> dict:
    return {"pk": w.event.pk}


def _csrf_registration(w) -> dict:
    SeminarRegistration.objects.get_or_create(
        consortium=w.cast.consortium, event=w.event, email=w.company_user.email, defaults={"name": "x"}
    )
    return {"pk": w.event.pk}


CSRF_POST_URLS: dict[str, Case] = {
    "programs:create": Case(
        "coordinator", data=lambda w: {"name": "令和5年度", "fiscal_year": "2023", "capacity": "16"}
    ),
    "programs:edit": Case(
        "coordinator",
        lambda w: {"pk": w.cast.program.pk},
        lambda w: {"name": "x", "fiscal_year": "2022", "capacity": "16"},
    ),
    "programs:copy": Case(
        "coordinator",
        lambda w: {"pk": w.cast.program.pk},
        lambda w: {"name": "令和5年度 コピー", "fiscal_year": "2023"},
    ),
    "programs:close": Case("coordinator", lambda w: {"pk": w.cast.program.pk}),
    # The program is open: the form says so (200), nothing is started.
    "programs:amendment_start": Case(
        "coordinator", lambda w: {"pk": w.cast.program.pk}, lambda w: {"reason": "誤記の訂正"}
    ),
    "programs:amendment_end": Case("coordinator"),
    "programs:event_create": Case(
        "coordinator",
        lambda w: {"program_pk": w.cast.program.pk},
        lambda w: {
            "kind": "dx_seminar",
            "title": "x",
            "on_demand_from": "2026-12-01",
            "on_demand_until": "2026-12-31",
        },
    ),
    "programs:event_edit": Case(
        "coordinator",
        _csrf_event,
        lambda w: {"kind": "dx_seminar", "title": "x", "date": "2026-12-01", "start_time": "14:00"},
    ),
    "programs:event_delete": Case("coordinator", _csrf_event),
    "programs:event_attendance": Case("coordinator", _csrf_event, lambda w: {"attended": []}),
    "programs:registration_cancel": Case("company_user", _csrf_registration),
}
CSRF_GET_ONLY: set[str] = {
    "programs:list",
    "programs:calendar_all",
    "programs:detail",
    "programs:calendar",
    "programs:ics",
    "programs:event_detail",
    "programs:event_ics",
}
# No page of this namespace is one company's: programs and events belong to the consortium.
BANK_PAGES: dict = {}
NOT_COMPANY_SCOPED: set[str] = {f"programs:{p.name}" for p in programs.events.urls.urlpatterns}
