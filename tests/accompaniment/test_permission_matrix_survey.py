"""満足度アンケート (namespace ``survey``) × every role × own tenant / other tenant / anonymous.

Objects: cast.company enrolled (leader cast.itc, bank 常陽銀行), session 1 held and logged, the track
completed (final survey open). Who answers: members of cast.company only — supporters who see the track
(coordinator, its ITC, its bank) get 403, everyone else 404. Results: coordinators and ITCs (their own
tracks; another region's ITC sees an empty list), 403 for the rest.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

import accompaniment.survey.urls
from accompaniment.models import AccompanimentTrack
from tests.accompaniment.factories import enroll, log_first_session
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
NONE = {r: 404 for r in ROLES} | {"anonymous": 302}
# cast.company is in 茨城: its regional coordinator sees the track (403: only the company answers); the one
# of 長野 gets 404.
SUPPORTERS = {"coordinator": 403, "regional_coordinator": 403, "itc": 403, "bank_user": 403}
REGIONAL = ("regional_coordinator", "regional_coordinator_nagano")  # results: their region's answers
MEMBERS_403 = {r: 403 for r in ROLES} | {"stranger_coordinator": 404, "anonymous": 302}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "survey:index": ("get", MEMBERS_403 | {"company_user": 200, "other_company_user": 200}),
    "survey:pending": ("get", MEMBERS_403 | {r: 200 for r in ROLES[:-2]}),
    "survey:session": ("get", NONE | SUPPORTERS | {"company_user": 200}),
    "survey:session#post": ("post", NONE | SUPPORTERS | {"company_user": 302}),
    "survey:final": ("get", NONE | SUPPORTERS | {"company_user": 200}),
    "survey:final#post": ("post", NONE | SUPPORTERS | {"company_user": 302}),
    "survey:results": (
        "get",
        MEMBERS_403 | {r: 200 for r in ("coordinator", *REGIONAL, "itc", "itc_nagano")},
    ),
}


def _held(session):
    session.status = "held"
    session.save(update_fields=["status"])
    return session


def _completed(track):
    AccompanimentTrack.objects.filter(pk=track.pk).update(status=AccompanimentTrack.Status.COMPLETED)
    return track


CSRF_POST_URLS: dict[str, Case] = {
    "survey:session": Case(
        "company_user", lambda w: {"pk": _held(w.session).pk}, lambda w: {"satisfaction": "5"}
    ),
    "survey:final": Case(
        "company_user",
        lambda w: {"company_pk": _completed(w.session.track).company_id},
        lambda w: {"satisfaction": "4"},
    ),
}
CSRF_GET_ONLY = {"survey:index", "survey:pending", "survey:results"}
# Pages of one company's objects: 常陽銀行 sees its client's track (403: only the company answers) and gets
# 404 for another bank's client.
BANK_PAGES = {
    "survey:session": ("get", lambda o: {"pk": _held(o.session).pk}, None, 403),
    "survey:session#post": (
        "post",
        lambda o: {"pk": _held(o.session).pk},
        lambda o, c: {"satisfaction": "5"},
        403,
    ),
    "survey:final": ("get", lambda o: {"company_pk": _completed(o.track).company_id}, None, 403),
}
NOT_COMPANY_SCOPED = {"survey:index", "survey:pending", "survey:results"}


def test_matrix_covers_every_url_name():
    names = {f"survey:{p.name}" for p in accompaniment.survey.urls.urlpatterns}
    assert names == {key.split("#")[0] for key in MATRIX}


def _setup(cast) -> dict:
    track = enroll(cast)
    log = log_first_session(cast, track)
    _held(log.session)
    _completed(track)
    return {"session": log.session, "track": track}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    objs = _setup(cast)
    base = name.split("#")[0]
    kwargs = {
        "survey:session": {"pk": objs["session"].pk},
        "survey:final": {"company_pk": cast.company.pk},
    }.get(base, {})
    url = reverse(base, kwargs={"consortium_slug": cast.consortium.slug, **kwargs})
    data = {"satisfaction": "5", "usefulness": "4", "comment": "よかった"}
    check_roles(
        cast,
        f"{method.upper()} {name}",
        expected,
        lambda client, role: call(client, method, url, data),
        roles=ROLES,
    )
