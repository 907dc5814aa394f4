"""CSRF on every POST: each URL pattern that accepts POST refuses a POST without the CSRF token (403)
and writes nothing, for a user who may post there.

The URL patterns are discovered from the resolver (``get_resolver().url_patterns``, walked recursively);
``POST_URLS`` and ``GET_ONLY`` classify each name, and ``test_every_url_name_is_classified`` fails when a
new name is in neither. Admin URLs are classified by a rule (``admin_accepts_post``) since the admin
has a set of names per registered model.

The check happens in ``CsrfViewMiddleware.process_view``, i.e. before the view: the 403 body names CSRF,
which tells it apart from a permission 403.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accompaniment.models import (
    AccompanimentSession,
    AccompanimentTrack,
    DxPlan,
    Homework,
    SessionAttachment,
    SessionLog,
)
from diagnosis.models import Diagnosis
from dxcommunity.accounts.models import Invitation
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Membership
from matching.models import MatchingRequest
from programs.models import Event
from reports.models import GeneratedDocument
from tests.audit.conftest import give_totp
from tests.tables import Case, merged

CHECKED_APPS = (
    "programs",
    "diagnosis",
    "accompaniment",
    "matching",
    "reports",
    "account",
    "mfa",
    "auth",
    "sessions",
)


def walk(patterns, namespace: str | None = None) -> list[tuple[str, URLPattern]]:
    """[(full name "ns:name", pattern)] of every named URL pattern, nested includes included."""
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            found += walk(p.url_patterns, ns)
        elif p.name:
            found.append((f"{namespace}:{p.name}" if namespace else p.name, p))
    return found


def url_names() -> set[str]:
    return {name for name, _p in walk(get_resolver().url_patterns)}


# Every URL name that accepts POST, with a user allowed to post there.
POST_URLS: dict[str, Case] = {
    # programs
    "companies:event_register": Case(
        "company_user", lambda w: {"pk": w.event.pk}, lambda w: {"on_demand": "1"}
    ),
    "companies:application_create": Case(
        "company_user",
        data=lambda w: {
            "applicant_name": "精密 太郎",
            "organization_name": "x",
            "email": "a@example.com",
            "region": w.cast.ibaraki.pk,
        },
    ),
    # diagnosis
    "diagnosis:start": Case("company_user"),
    "diagnosis:edit": Case("company_user", lambda w: {"pk": w.draft.pk}, lambda w: {"action": "save"}),
    "diagnosis:import_xlsx": Case("company_user", lambda w: {"pk": w.draft.pk}),
    "diagnosis:autosave": Case("company_user", lambda w: {"pk": w.draft.pk}),
    "diagnosis:respond": Case("company_user", lambda w: {"pk": w.draft.pk}),
    "diagnosis:reopen": Case("coordinator", lambda w: {"pk": w.submitted.pk}, lambda w: {"reason": "x"}),
    "diagnosis:schedule_advice": Case("coordinator", lambda w: {"pk": w.submitted.pk}),
    "diagnosis:advice": Case(
        "coordinator", lambda w: {"pk": w.submitted.pk}, lambda w: {"held_on": "2022-08-10", "mode": "online"}
    ),
    # accompaniment
    "accompaniment:enroll": Case(
        "coordinator",
        lambda w: {"company_pk": w.cast.other_company.pk},
        lambda w: {"leader": w.cast.itc_nagano.pk},
    ),
    "accompaniment:session_log": Case("itc", lambda w: {"pk": w.session.pk}, lambda w: {"agenda": "x"}),
    "accompaniment:homework_done": Case("itc", lambda w: {"pk": w.homework.pk}, lambda w: {"done": "1"}),
    "accompaniment:template_edit": Case(
        "coordinator", lambda w: {"program_pk": w.cast.program.pk}, lambda w: {"theme_1": "x"}
    ),
    "accompaniment:session_edit": Case(
        "itc",
        lambda w: {"pk": w.session.pk},
        lambda w: {"status": "held", "date": "2022-09-12", "duration_minutes": "120", "mode": "online"},
    ),
    "accompaniment:attachment_upload": Case("itc", lambda w: {"pk": w.session.pk}),
    "accompaniment:attachment_delete": Case("itc", lambda w: {"pk": w.attachment.pk}),
    "accompaniment:log_confirm": Case("company_user", lambda w: {"pk": w.session.pk}),
    "accompaniment:log_comment": Case(
        "company_user", lambda w: {"pk": w.session.pk}, lambda w: {"body": "x"}
    ),
    "plan:edit": Case("itc", lambda w: {"company_pk": w.cast.company.pk}, lambda w: {"mission": "x"}),
    "plan:approve": Case("company_user", lambda w: {"company_pk": w.cast.company.pk}),
    # matching
    "matching:request_create": Case(
        "coordinator",
        data=lambda w: {
            "company": w.cast.company.pk,
            "title": "x",
            "category": "iot",
            "source": "session",
            "vendors": [w.cast.vendor.pk],
        },
    ),
    "matching:request_detail": Case(
        "coordinator", lambda w: {"pk": w.request.pk}, lambda w: {"status": "contract"}
    ),
    # reports
    "documents:request": Case(
        "coordinator", data=lambda w: {"kind": "dx_plan", "company": w.cast.company.pk}
    ),
    "documents:retry": Case("coordinator", lambda w: {"pk": w.document.pk}),
    # members (dxcommunity/accounts/urls.py)
    "members:index": Case("coordinator", data=lambda w: {"email": "new@example.com", "role": "itc"}),
    "members:invitation_revoke": Case("coordinator", lambda w: {"pk": w.invitation.pk}),
    "members:deactivate": Case("coordinator", lambda w: {"pk": w.association_membership.pk}),
    # consent (dxcommunity/consent/urls.py)
    "consent:share": Case(
        "company_user",
        lambda w: {"company_pk": w.cast.company.pk},
        lambda w: {"organization": w.cast.vendor.pk, "subject": "plan"},
    ),
    "consent:revoke": Case("company_user", lambda w: {"pk": w.share.pk}),
    "companies:comment_add": Case(
        "bank_user", lambda w: {"company_pk": w.cast.company.pk}, lambda w: {"body": "x"}
    ),
    # outside the tenant
    "invitation_accept": Case(None, lambda w: {"token": "not-a-real-token"}, tenant=False),
    "set_language": Case("coordinator", data=lambda w: {"language": "en"}, tenant=False),
    # django-allauth (account)
    "account_login": Case(
        None, data=lambda w: {"login": "coordinator@example.com", "password": "x"}, tenant=False
    ),
    "account_logout": Case("coordinator", tenant=False),
    "account_signup": Case(None, data=lambda w: {"email": "n@example.com"}, tenant=False),
    "account_reauthenticate": Case("coordinator", data=lambda w: {"password": "x"}, tenant=False),
    "account_email": Case(
        "coordinator", data=lambda w: {"action_add": "1", "email": "n@example.com"}, tenant=False
    ),
    "account_change_password": Case("coordinator", data=lambda w: {"oldpassword": "x"}, tenant=False),
    "account_set_password": Case("coordinator", data=lambda w: {"password1": "x"}, tenant=False),
    "account_reset_password": Case(None, data=lambda w: {"email": "coordinator@example.com"}, tenant=False),
    "account_confirm_login_code": Case(None, data=lambda w: {"code": "x"}, tenant=False),
    "account_confirm_email": Case(None, lambda w: {"key": "abc:def"}, tenant=False),
    "account_reset_password_from_key": Case(
        None, lambda w: {"uidb36": "1", "key": "set-password"}, lambda w: {"password1": "x"}, tenant=False
    ),
    # django-allauth (mfa)
    "mfa_authenticate": Case(None, data=lambda w: {"code": "123456"}, tenant=False),
    "account_request_reauthentication_code": Case("coordinator", tenant=False),
    "account_confirm_reauthentication_code": Case("coordinator", data=lambda w: {"code": "x"}, tenant=False),
    "mfa_reauthenticate": Case("coordinator", data=lambda w: {"code": "123456"}, tenant=False),
    "mfa_activate_totp": Case("itc", data=lambda w: {"code": "123456"}, tenant=False),
    "mfa_deactivate_totp": Case("coordinator", tenant=False),
    "mfa_generate_recovery_codes": Case("coordinator", tenant=False),
}

# URL names that only read (GET/HEAD); a POST there writes nothing by design.
GET_ONLY: set[str] = {
    "home",
    "companies:home",
    "companies:list",
    "companies:detail",
    "companies:event_list",
    "diagnosis:list",
    "diagnosis:result",
    "diagnosis:export_xlsx",
    "diagnosis:advice_ics",
    "accompaniment:track",
    "plan:detail",
    "plan:versions",
    "plan:compare",
    "accompaniment:alerts",
    "accompaniment:attachment_download",
    "matching:request_list",
    "matching:solution_list",
    "documents:status",
    "documents:download",
    "audit:index",
    "consent:index",
    "consent:company",
    "account_inactive",
    "account_email_verification_sent",
    "account_reset_password_from_key_done",
    "account_reset_password_done",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
}

# Rows of the areas' matrix modules (tests/tables.py).
POST_URLS.update(merged("CSRF_POST_URLS", {}))
GET_ONLY |= merged("CSRF_GET_ONLY", set())

ADMIN_GET_ONLY_SUFFIXES = (
    "_history",
    "index",
    "app_list",
    "jsi18n",
    "view_on_site",
    "autocomplete",
    "password_change_done",
)


def admin_accepts_post(name: str) -> bool:
    """Admin names: login, logout, password change, changelist (actions), add, change, delete and
    simple-history's revert form accept POST; index, app list, history list, i18n, autocomplete do not."""
    return not name.endswith(ADMIN_GET_ONLY_SUFFIXES)


def admin_post_names() -> list[str]:
    return sorted(n for n in url_names() if n.startswith("admin:") and admin_accepts_post(n))


def dummy_kwargs(pattern: URLPattern) -> dict[str, str]:
    """Placeholder values for an admin pattern's arguments (the CSRF check runs before the view)."""
    return {key: "1" for key in pattern.pattern.regex.groupindex}


def test_every_url_name_is_classified():
    missing = sorted(
        n for n in url_names() if not n.startswith("admin:") and n not in POST_URLS and n not in GET_ONLY
    )
    assert missing == [], f"classify these URL names in tests/test_csrf.py: {missing}"
    stale = sorted((set(POST_URLS) | GET_ONLY) - url_names())
    assert stale == [], f"these URL names no longer exist: {stale}"
    assert not set(POST_URLS) & GET_ONLY


def test_the_csrf_middleware_is_installed(settings):
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def snapshot() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for label in CHECKED_APPS
        for m in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def world(cast, index_edition):
    """One row of everything a POST could touch, in consortium ``dx``."""
    w = type("World", (), {})()
    w.cast = cast
    for name in ("coordinator", "itc", "bank_user", "company_user", "vendor_user", "association_user"):
        setattr(w, name, getattr(cast, name))
    give_totp(cast.coordinator)
    c = cast.consortium
    w.event = Event.objects.create(
        consortium=c, program=cast.program, kind="dx_seminar", title="DXセミナー", starts_at=timezone.now()
    )
    w.draft = Diagnosis.objects.create(consortium=c, company=cast.company, edition=index_edition)
    w.submitted = Diagnosis.objects.create(
        consortium=c,
        company=cast.company,
        edition=index_edition,
        status="submitted",
        submitted_at=timezone.now(),
    )
    track = AccompanimentTrack.objects.create(
        consortium=c, company=cast.company, program=cast.program, leader=cast.itc, bank=cast.bank
    )
    w.session = AccompanimentSession.objects.create(
        consortium=c, track=track, number=1, theme="経営理念、ミッション確認"
    )
    w.homework = Homework.objects.create(consortium=c, session=w.session, title="宿題")
    SessionLog.objects.create(consortium=c, session=w.session, author=cast.itc)
    w.attachment = SessionAttachment(
        consortium=c,
        session=w.session,
        original_name="memo.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=cast.itc,
    )
    w.attachment.file.save("memo.pdf", ContentFile(b"%PDF-1.7 memo"), save=True)
    DxPlan.objects.create(consortium=c, company=cast.company, mission="m")
    w.request = MatchingRequest.objects.create(
        consortium=c, company=cast.company, title="需要", category="iot"
    )
    w.request.vendors.set([cast.vendor])
    w.document = GeneratedDocument.objects.create(
        consortium=c, kind="dx_plan", company=cast.company, status="failed", error="boom"
    )
    w.invitation = Invitation.objects.create(
        consortium=c,
        email="invitee@example.com",
        role="itc",
        token_hash="0" * 64,
        invited_by=cast.coordinator,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    w.association_membership = Membership.objects.get(consortium=c, user=cast.association_user)
    w.share = CompanyShare.objects.create(
        consortium=c,
        company=cast.company,
        organization=cast.bank,
        subject="diagnosis",
        granted_by=cast.company_user,
    )
    return w


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def assert_csrf_refused(response) -> None:
    assert response.status_code == 403, response.status_code
    assert b"CSRF" in response.content  # CsrfViewMiddleware's refusal, not a permission 403


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_post_without_csrf_token_is_refused_and_changes_nothing(world, name):
    case = POST_URLS[name]
    kwargs = case.kwargs(world)
    if case.tenant:
        kwargs = {"consortium_slug": "dx", **kwargs}
    path = reverse(name, kwargs=kwargs)
    client = csrf_client(getattr(world, case.who) if case.who else None)
    before = snapshot()
    response = client.post(path, case.data(world))
    assert_csrf_refused(response)
    assert snapshot() == before
    if case.who:
        # Still logged in (a logout without the token did not happen).
        assert "_auth_user_id" in client.session
    if case.tenant:
        # Control: the same user and body with CSRF checks off is let through (not 403, not 404), so the
        # 403 above is the missing token and the table names a user allowed to post there.
        control = Client()
        control.force_login(getattr(world, case.who))
        assert control.post(path, case.data(world)).status_code not in (403, 404, 405)


@pytest.fixture
def staff(cast):
    user = cast.coordinator
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    give_totp(user)
    return user


def test_admin_posts_without_csrf_token_are_refused(staff, world):
    patterns = dict(walk(get_resolver().url_patterns))
    client = csrf_client(staff)
    before = snapshot()
    names = admin_post_names()
    assert "admin:login" in names and "admin:dxcommunity_company_add" in names
    for name in names:
        path = reverse(name, kwargs=dummy_kwargs(patterns[name]))
        response = client.post(path, {"name": "x"})
        assert response.status_code == 403 and b"CSRF" in response.content, name
    assert snapshot() == before
