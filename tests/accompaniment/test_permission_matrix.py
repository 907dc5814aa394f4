"""Every accompaniment/reports URL × every role × own tenant / other tenant / anonymous (STYLE.md).

A meta-test fails when a URL name of accompaniment or reports is missing from the table.
Objects: cast.company (茨城, 常陽銀行) enrolled with cast.itc as leader and cast.bank assisting, session 1
logged with one homework item; cast.other_company (長野, 八十二銀行) at stage 自己診断提出, not enrolled (for
``enroll``); documents of cast.company (ready with a file, failed).
One test per URL walks all roles and reports every mismatch at once.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

import accompaniment.plan.urls
import accompaniment.urls
import reports.documents.urls
from accompaniment.models import SessionAttachment, SessionLog
from programs.models import Participation
from reports.models import GeneratedDocument
from tests.accompaniment.factories import enroll, log_first_session
from tests.conftest import MATRIX_ROLES
from tests.matrix import call, check_roles
from tests.tables import Case

ROLES = MATRIX_ROLES
NONE = {r: 404 for r in ROLES} | {"anonymous": 302}


def allow(
    status: int, *roles: str, forbidden: tuple[str, ...] = (), forbidden_status: int = 403
) -> dict[str, int]:
    """``status`` for ``roles``, ``forbidden_status`` for ``forbidden`` (visible, not allowed), 404 else."""
    return NONE | {r: forbidden_status for r in forbidden} | {r: status for r in roles}


# Who sees cast.company's track: coordinator, the region's ITC (leader), its bank, its members.
# The association that recommended it sees the company on programs pages, not the track.
# The regional coordinator of 茨城 acts as the coordinator on it; the one of 長野 gets 404.
TRACK_VIEWERS = ("coordinator", "regional_coordinator", "itc", "bank_user", "company_user")
# Members of the consortium other than the coordinator (coordinator-only pages: 403 for them).
NOT_COORDINATOR = tuple(r for r in ROLES if r not in ("coordinator", "stranger_coordinator", "anonymous"))

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # enroll on cast.other_company (長野): itc_nagano, 八十二銀行 and its members see it, may not enroll.
    "accompaniment:enroll": (
        "get",
        allow(
            200,
            "coordinator",
            "regional_coordinator_nagano",
            forbidden=("itc_nagano", "other_bank_user", "other_company_user"),
        ),
    ),
    "accompaniment:track": ("get", allow(200, *TRACK_VIEWERS)),
    "accompaniment:session_log": ("get", allow(200, *TRACK_VIEWERS)),
    "accompaniment:session_log#post": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    "accompaniment:homework_done": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", "company_user", forbidden=("bank_user",)),
    ),
    "accompaniment:template_edit": ("get", allow(200, "coordinator", forbidden=NOT_COORDINATOR)),
    "accompaniment:template_edit#post": ("post", allow(302, "coordinator", forbidden=NOT_COORDINATOR)),
    # Both regional coordinators: the alerts of their own region.
    "accompaniment:alerts": (
        "get",
        allow(
            200,
            "coordinator",
            "regional_coordinator",
            "regional_coordinator_nagano",
            forbidden=NOT_COORDINATOR,
        ),
    ),
    "accompaniment:session_edit": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    "accompaniment:session_edit#post": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    # No file: refused with a message, back to the session page (302).
    "accompaniment:attachment_upload": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    "accompaniment:attachment_download": ("get", allow(200, *TRACK_VIEWERS)),
    # A fresh attachment (uploaded by the ITC) for every role.
    "accompaniment:attachment_delete": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    # The confirmation page of the same.
    "accompaniment:attachment_delete#get": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    # A fresh deleted attachment (uploaded by the ITC) for every role: who may delete may restore.
    "accompaniment:attachment_restore": (
        "post",
        allow(302, "coordinator", "regional_coordinator", "itc", forbidden=("bank_user", "company_user")),
    ),
    "accompaniment:log_confirm": (
        "post",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "accompaniment:log_comment": (
        "post",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "plan:detail": ("get", allow(200, *TRACK_VIEWERS)),
    "plan:versions": ("get", allow(200, *TRACK_VIEWERS)),
    "plan:compare": ("get", allow(200, *TRACK_VIEWERS)),
    "plan:edit": (
        "get",
        allow(200, "coordinator", "regional_coordinator", "itc", "company_user", forbidden=("bank_user",)),
    ),
    "plan:approve": (
        "post",
        allow(302, "company_user", forbidden=("coordinator", "regional_coordinator", "itc", "bank_user")),
    ),
    "documents:request": ("post", allow(302, *TRACK_VIEWERS)),
    "documents:status": ("get", allow(200, *TRACK_VIEWERS)),
    "documents:download": ("get", allow(200, *TRACK_VIEWERS)),
    "documents:retry": ("post", allow(302, *TRACK_VIEWERS)),
}


def test_matrix_covers_every_url_name():
    names = (
        {f"accompaniment:{p.name}" for p in accompaniment.urls.urlpatterns}
        | {f"plan:{p.name}" for p in accompaniment.plan.urls.urlpatterns}
        | {f"documents:{p.name}" for p in reports.documents.urls.urlpatterns}
    )
    assert names == {key.split("#")[0] for key in MATRIX}


def _attachment(cast, session):
    """A PDF attached to ``session`` by the ITC leader."""
    att = SessionAttachment(
        consortium=cast.consortium,
        session=session,
        original_name="議事メモ.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=cast.itc,
    )
    att.file.save("memo.pdf", ContentFile(b"%PDF-1.7 memo"), save=False)
    att.save()
    return att


def _setup(name: str, cast) -> tuple[dict, dict]:
    """URL kwargs and POST data for ``name``."""
    track = enroll(cast)
    log = log_first_session(cast, track)
    cast.other_participation.stage = Participation.Stage.DIAGNOSED
    cast.other_participation.save(update_fields=["stage"])
    ready = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="dx_plan", company=cast.company, status="ready"
    )
    ready.file.save("dx_plan-test.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    failed = GeneratedDocument.objects.create(
        consortium=cast.consortium, kind="dx_plan", company=cast.company, status="failed", error="boom"
    )
    base = name.split("#")[0]
    attachment = _attachment(cast, log.session)
    kwargs = {
        "accompaniment:template_edit": {"program_pk": cast.program.pk},
        "accompaniment:alerts": {},
        "accompaniment:session_edit": {"pk": log.session.pk},
        "accompaniment:attachment_upload": {"pk": log.session.pk},
        "accompaniment:attachment_download": {"pk": attachment.pk},
        "accompaniment:attachment_delete": {"pk": attachment.pk},
        "accompaniment:attachment_restore": {"pk": attachment.pk},
        "accompaniment:log_confirm": {"pk": log.session.pk},
        "accompaniment:log_comment": {"pk": log.session.pk},
        "accompaniment:enroll": {"company_pk": cast.other_company.pk},
        "accompaniment:track": {"company_pk": cast.company.pk},
        "accompaniment:session_log": {"pk": log.session.pk},
        "accompaniment:homework_done": {"pk": log.session.homework.get().pk},
        "plan:detail": {"company_pk": cast.company.pk},
        "plan:versions": {"company_pk": cast.company.pk},
        "plan:compare": {"company_pk": cast.company.pk},
        "plan:edit": {"company_pk": cast.company.pk},
        "plan:approve": {"company_pk": cast.company.pk},
        "documents:request": {},
        "documents:status": {"pk": ready.pk},
        "documents:download": {"pk": ready.pk},
        "documents:retry": {"pk": failed.pk},
    }[base]
    data = {
        "accompaniment:template_edit": {"theme_1": "経営理念、ミッション確認", "roles_1": ["itc_leader"]},
        "accompaniment:session_edit": {
            "status": "planned",
            "date": "2022-09-26",
            "duration_minutes": "120",
            "mode": "online",
        },
        "accompaniment:log_comment": {"body": "確認しました"},
        # The log's version as a form loaded now carries it (each role posts after the one before).
        "accompaniment:session_log": lambda: {
            "date": "2022-09-12",
            "version": str(getattr(SessionLog.objects.filter(pk=log.pk).first(), "version", 0)),
        },
        "accompaniment:homework_done": {"done": "1"},
        "documents:request": {"kind": "progress_report", "company": cast.company.pk},
    }.get(base, {})
    return kwargs, data


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    kwargs, data = _setup(name, cast)
    url = reverse(name.split("#")[0], kwargs={"consortium_slug": cast.consortium.slug, **kwargs})

    def request(client, role):
        url_ = url
        base = name.split("#")[0]
        if base in ("accompaniment:attachment_delete", "accompaniment:attachment_restore"):
            session = SessionLog.objects.get(session__track__company=cast.company).session
            att = _attachment(cast, session)
            if base == "accompaniment:attachment_restore":
                SessionAttachment.objects.filter(pk=att.pk).update(
                    deleted_at=timezone.now(), deleted_by=cast.itc
                )
            url_ = reverse(base, args=[cast.consortium.slug, att.pk])
        return call(client, method, url_, data() if callable(data) else data)

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES)


def test_other_tenant_url_is_404_for_everyone_here(cast, client):
    """cast.company's track under the other consortium's slug: the stranger's tenant has no such company."""
    enroll(cast)
    client.force_login(cast.stranger_coordinator)
    assert client.get(reverse("accompaniment:track", args=["other", cast.company.pk])).status_code == 404
    assert client.get(reverse("plan:detail", args=["other", cast.company.pk])).status_code == 404


# --- rows for the cross-cutting tables (tests/tables.py) ---------------------------------------------------


def _deleted_world_attachment(w) -> dict:
    SessionAttachment.objects.filter(pk=w.attachment.pk).update(deleted_at=timezone.now(), deleted_by=w.itc)
    return {"pk": w.attachment.pk}


CSRF_POST_URLS = {
    "accompaniment:attachment_restore": Case("itc", _deleted_world_attachment),
}
# The bank rule (tests/access/test_bank_isolation.py): the own client's attachment may not be restored by
# a bank (403), another bank's client's is not found (404).
BANK_PAGES = {
    "accompaniment:attachment_restore": ("post", lambda o: {"pk": o.attachment.pk}, lambda o, c: {}, 403),
    "accompaniment:attachment_delete#get": ("get", lambda o: {"pk": o.attachment.pk}, None, 403),
}
