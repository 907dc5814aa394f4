"""What diagnosis tells the lower layers (``dxcommunity.registry``), registered in ``DiagnosisConfig.ready``.

- access: the DX診断アドバイザー of a diagnosis and the advisor who recorded a DX診断アドバイス are assigned
to
  the company;
- the company page: the diagnosis panel, the link to a shared diagnosis, the diagnoses on the company's home;
- the company's history page: its diagnoses, advice and the re-diagnosis comparison (``diagnosis.history``);
- the 支援企業選出検討会 board: the applicants' diagnoses and group means.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from diagnosis.models import AdvisorSession, Diagnosis
from dxcommunity import registry


def assigned_users(company, memo: dict[str, Any]) -> set[int]:
    """Ids of the company's DX診断アドバイザー and of the advisors who recorded its advice (2 queries)."""
    cid = company.consortium_id
    ids = set(
        Diagnosis.objects.filter(consortium_id=cid, company=company, advisor__isnull=False).values_list(
            "advisor_id", flat=True
        )
    )
    ids.update(
        AdvisorSession.objects.filter(consortium_id=cid, company=company).values_list("advisor_id", flat=True)
    )
    return ids


def assigned_users_q(user_id: int) -> Q:
    """Companies whose diagnosis ``user_id`` advises or whose advice ``user_id`` recorded (Q on Company)."""
    return Q(pk__in=Diagnosis.objects.filter(advisor=user_id).values("company")) | Q(
        pk__in=AdvisorSession.objects.filter(advisor=user_id).values("company")
    )


def journey(*, company, participation=None) -> dict[str, Any]:
    """The diagnoses of the company's participation (None: all the company's) for its home page:
    ``{"diagnoses": [Diagnosis newest first]}``."""
    qs = Diagnosis.objects.filter(company=company)
    if participation is not None:
        qs = qs.filter(participation=participation)
    return {"diagnoses": list(qs.order_by("-created_at"))}


def shared_link(*, consortium_slug: str, company, membership, facts) -> dict[str, str] | None:
    """The link to the company's latest diagnosis when it shares its diagnosis with the viewer, else None."""
    from diagnosis.selectors import diagnosis_latest_for_company
    from dxcommunity.access import Subject, can_see_subject

    if not can_see_subject(membership=membership, company=company, subject=Subject.DIAGNOSIS, facts=facts):
        return None
    diagnosis = diagnosis_latest_for_company(company=company)
    if diagnosis is None:
        return None
    return {
        "label": _("DX自己診断 結果"),
        "url": reverse("diagnosis:result", kwargs={"consortium_slug": consortium_slug, "pk": diagnosis.pk}),
    }


def register() -> None:
    """Register the providers above (idempotent)."""
    from diagnosis import history, panels
    from diagnosis.selectors import selection_diagnosis_summaries

    registry.provide("access.assigned_users", assigned_users)
    registry.provide("access.assigned_users_q", assigned_users_q)
    registry.provide("companies.journey", journey)
    registry.provide("companies.shared_link", shared_link)
    registry.provide("companies.panel", panels.company_panel)
    registry.provide("companies.history", history.company_history)
    registry.provide("selection.diagnosis_summaries", selection_diagnosis_summaries)
    _guard_closed_programs()


def _guard_closed_programs() -> None:
    """Diagnoses of a closed program's participations are read-only (``programs.closing``)."""
    from diagnosis.models import AdvisorItemNote, DiagnosisAnswer, DiagnosisIndicator, DiagnosisReopening
    from programs.closing import guard_register

    def of_diagnosis(d):
        return d.participation.program_id if d.participation_id else None

    guard_register(Diagnosis, of_diagnosis)
    guard_register(AdvisorSession, lambda a: of_diagnosis(a.diagnosis))
    for model in (DiagnosisAnswer, DiagnosisIndicator, DiagnosisReopening):
        guard_register(model, lambda row: of_diagnosis(row.diagnosis))
    guard_register(AdvisorItemNote, lambda n: of_diagnosis(n.advisor_session.diagnosis))
