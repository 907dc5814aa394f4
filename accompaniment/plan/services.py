"""Writes for the DX推進計画書: sections, KPI rows, roadmap rows, versions and approval.

Every save goes through ``plan_save``: it writes what changed and records a ``PlanVersion`` (a JSON
snapshot of sections, KPIs and roadmap, numbered from 1); a save that changes nothing creates no
version. ``plan_approve`` marks the latest version approved. Keyword-only, one transaction each; raises
``PermissionDenied`` (django-rules perms of ``accompaniment.rules``) or ``ValidationError``.

``accompaniment.services.plan_update`` (sections only) calls ``plan_save`` too: there is one write path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.models import DxPlan, PlanKpi, PlanVersion, RoadmapItem
from dxcommunity.concurrency import versioned_save
from dxcommunity.tenancy.models import Company
from programs.models import Participation
from programs.participations.services import participation_advance_stage

PLAN_FIELDS: tuple[str, ...] = tuple(name for name, _n in DxPlan.SECTIONS)
# Sections a session produces must have text before approval (セキュリティ対策 is optional).
PLAN_REQUIRED_FOR_APPROVAL: tuple[str, ...] = tuple(name for name, n in DxPlan.SECTIONS if n is not None)


@dataclass(frozen=True)
class KpiRow:
    """One 目標値 row: name (required), unit, baseline / target (Decimal, ≤ 4 decimals), deadline (date)."""

    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    deadline: dt.date | None = None


@dataclass(frozen=True)
class RoadmapRow:
    """One roadmap row: title, start and end months (first day of the month, end ≥ start), owner."""

    title: str
    start_month: dt.date
    end_month: dt.date
    owner: str = ""


def _dec(value: Decimal | None) -> str:
    """'12.5' for Decimal('12.5000'), '100' for Decimal('1E+2'), '' for None (stable snapshot text)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _snapshot(*, sections: dict[str, str], kpis: list[KpiRow], roadmap: list[RoadmapRow]) -> dict[str, Any]:
    return {
        "sections": {name: sections.get(name, "") for name in PLAN_FIELDS},
        "kpis": [
            {
                "name": k.name,
                "unit": k.unit,
                "baseline": _dec(k.baseline),
                "target": _dec(k.target),
                "deadline": k.deadline.isoformat() if k.deadline else "",
            }
            for k in kpis
        ],
        "roadmap": [
            {
                "title": r.title,
                "start": r.start_month.strftime("%Y-%m"),
                "end": r.end_month.strftime("%Y-%m"),
                "owner": r.owner,
            }
            for r in roadmap
        ],
    }


def plan_rows(*, plan: DxPlan) -> tuple[list[KpiRow], list[RoadmapRow]]:
    """The plan's stored KPI and roadmap rows in their order."""
    kpis = [
        KpiRow(name=k.name, unit=k.unit, baseline=k.baseline, target=k.target, deadline=k.deadline)
        for k in PlanKpi.objects.filter(consortium_id=plan.consortium_id, plan=plan).order_by("order", "id")
    ]
    roadmap = [
        RoadmapRow(title=r.title, start_month=r.start_month, end_month=r.end_month, owner=r.owner)
        for r in RoadmapItem.objects.filter(consortium_id=plan.consortium_id, plan=plan).order_by(
            "order", "start_month", "id"
        )
    ]
    return kpis, roadmap


def plan_snapshot(*, plan: DxPlan) -> dict[str, Any]:
    """The plan as stored now, in the ``PlanVersion.content`` shape:
    {"sections": {field: text}, "kpis": [{name, unit, baseline, target, deadline}], "roadmap":
    [{title, start "YYYY-MM", end "YYYY-MM", owner}]} (numbers as plain decimal strings)."""
    kpis, roadmap = plan_rows(plan=plan)
    return _snapshot(sections={n: getattr(plan, n) for n in PLAN_FIELDS}, kpis=kpis, roadmap=roadmap)


def _require(user: Any, perm: str, company: Company) -> None:
    if not user.has_perm(perm, company):
        raise PermissionDenied


def _record_version(*, plan: DxPlan, user: Any, content: dict[str, Any]) -> PlanVersion | None:
    """A new version with ``content`` unless the latest version already has exactly it."""
    latest = (
        PlanVersion.objects.filter(consortium_id=plan.consortium_id, plan=plan).order_by("-number").first()
    )
    if latest is not None and latest.content == content:
        return None
    number = (latest.number if latest else 0) + 1
    version = PlanVersion(
        consortium_id=plan.consortium_id,
        plan=plan,
        number=number,
        content=content,
        saved_by=user if getattr(user, "pk", None) else None,
    )
    version.full_clean(exclude=["plan", "saved_by"])
    version.save()
    return version


@transaction.atomic
def plan_save(
    *,
    plan: DxPlan,
    user: Any,
    sections: dict[str, str],
    kpis: list[KpiRow] | None = None,
    roadmap: list[RoadmapRow] | None = None,
    version: int | None = None,
) -> PlanVersion | None:
    """Save the plan's sections ({DxPlan field: text}; unknown keys ignored, missing keys unchanged) and,
    when given, replace its KPI rows and roadmap rows (in the given order). Returns the new PlanVersion,
    or None when nothing changed (no write, no version).

    Editing an approved plan returns it to draft (the approved version stays marked).
    ``version``: the plan's ``version`` the user's form was loaded with (it covers the KPI and roadmap
    rows too); None for callers without a form (no check).
    Raises PermissionDenied unless ``accompaniment.edit_plan``; ValidationError for a too long text, a KPI
    without a name, or a roadmap row ending before it starts; ``EditConflict`` (nothing written) when
    someone saved the plan since ``version``.
    """
    _require(user, "accompaniment.edit_plan", plan.company)
    plan = DxPlan.objects.select_for_update().get(consortium_id=plan.consortium_id, pk=plan.pk)
    stored_kpis, stored_roadmap = plan_rows(plan=plan)
    new_sections = {
        n: (sections[n] or "").strip() if n in sections else getattr(plan, n) for n in PLAN_FIELDS
    }
    new_kpis = stored_kpis if kpis is None else list(kpis)
    new_roadmap = stored_roadmap if roadmap is None else list(roadmap)
    for k in new_kpis:
        if not k.name.strip():
            raise ValidationError({"kpis": _("指標名を入力してください。")})
    for r in new_roadmap:
        if r.end_month < r.start_month:
            raise ValidationError({"roadmap": _("終了月は開始月以降にしてください。")})
    before = _snapshot(
        sections={n: getattr(plan, n) for n in PLAN_FIELDS}, kpis=stored_kpis, roadmap=stored_roadmap
    )
    after = _snapshot(sections=new_sections, kpis=new_kpis, roadmap=new_roadmap)
    if before == after:
        return None
    changed = [n for n in PLAN_FIELDS if new_sections[n] != getattr(plan, n)]
    for n in changed:
        setattr(plan, n, new_sections[n])
    update_fields = [*changed, "updated_at"]
    if plan.status == DxPlan.Status.APPROVED:
        plan.status = DxPlan.Status.DRAFT
        plan.approved_at = None
        update_fields += ["status", "approved_at"]
    plan.full_clean(exclude=["company", "version"])
    versioned_save(instance=plan, version=version, update_fields=update_fields)
    if after["kpis"] != before["kpis"]:
        PlanKpi.objects.filter(consortium_id=plan.consortium_id, plan=plan).delete()
        for i, k in enumerate(new_kpis):
            row = PlanKpi(
                consortium_id=plan.consortium_id,
                plan=plan,
                name=k.name.strip(),
                unit=k.unit.strip(),
                baseline=k.baseline,
                target=k.target,
                deadline=k.deadline,
                order=i,
            )
            row.full_clean(exclude=["plan"])
            row.save()
    if after["roadmap"] != before["roadmap"]:
        RoadmapItem.objects.filter(consortium_id=plan.consortium_id, plan=plan).delete()
        for i, r in enumerate(new_roadmap):
            item = RoadmapItem(
                consortium_id=plan.consortium_id,
                plan=plan,
                title=r.title.strip(),
                start_month=r.start_month.replace(day=1),
                end_month=r.end_month.replace(day=1),
                owner=r.owner.strip(),
                order=i,
            )
            item.full_clean(exclude=["plan"])
            item.save()
    return _record_version(plan=plan, user=user, content=after)


@transaction.atomic
def plan_approve(*, plan: DxPlan, user: Any) -> PlanVersion:
    """The company approves the latest version of its DX推進計画書: that PlanVersion gets is_approved, the
    plan status approved (approved_at now), the company stage → PLAN_COMPLETED. When the stored plan differs
    from the latest version (edited through the older sections-only service), a version is recorded first.
    Returns the approved version.

    Raises PermissionDenied unless a member of the company (``accompaniment.approve_plan``); ValidationError
    (``__all__``) when already approved or a section of the 10 sessions is empty (the message names them).
    """
    _require(user, "accompaniment.approve_plan", plan.company)
    plan = DxPlan.objects.select_for_update().get(consortium_id=plan.consortium_id, pk=plan.pk)
    if plan.status == DxPlan.Status.APPROVED:
        raise ValidationError(_("この計画書はすでに承認されています。"))
    missing = [
        str(DxPlan._meta.get_field(n).verbose_name)
        for n in PLAN_REQUIRED_FOR_APPROVAL
        if not getattr(plan, n).strip()
    ]
    if missing:
        raise ValidationError(_("未記入の項目があります: %(sections)s") % {"sections": "、".join(missing)})
    _record_version(plan=plan, user=user, content=plan_snapshot(plan=plan))
    version = (
        PlanVersion.objects.filter(consortium_id=plan.consortium_id, plan=plan).order_by("-number").first()
    )
    version.is_approved = True
    version.save(update_fields=["is_approved", "updated_at"])
    plan.status = DxPlan.Status.APPROVED
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_at", "updated_at"])
    participation_advance_stage(participation=plan.participation, stage=Participation.Stage.PLAN_COMPLETED)
    return version


def plan_rows_text(*, kpis: list[KpiRow], roadmap: list[RoadmapRow]) -> dict[str, str]:
    """KPI and roadmap rows as the lines the compare page shows: {"kpis": text, "roadmap": text}, one
    line per row (「名｜単位｜現状 → 目標｜期限」, 「項目｜開始〜終了｜担当」); a read, pure."""
    content = _snapshot(sections={}, kpis=kpis, roadmap=roadmap)
    return {"kpis": _kpi_lines(content), "roadmap": _roadmap_lines(content)}


def plan_versions(*, plan: DxPlan) -> list[PlanVersion]:
    """The plan's versions, newest first (saved_by joined)."""
    return list(
        PlanVersion.objects.filter(consortium_id=plan.consortium_id, plan=plan)
        .select_related("saved_by")
        .order_by("-number")
    )


def _kpi_lines(content: dict[str, Any]) -> str:
    return "\n".join(
        f"{k['name']}｜{k['unit']}｜{k['baseline']} → {k['target']}｜{k['deadline']}"
        for k in content.get("kpis", [])
    )


def _roadmap_lines(content: dict[str, Any]) -> str:
    return "\n".join(
        f"{r['title']}｜{r['start']}〜{r['end']}｜{r['owner']}" for r in content.get("roadmap", [])
    )


def _line_diff(a: str, b: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Line diff (difflib): ([(kind, line)] for a, [(kind, line)] for b), kind "same" / "del" / "ins".
    Texts stay plain: the template escapes them."""
    import difflib

    a_lines, b_lines = a.splitlines(), b.splitlines()
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a_lines, b=b_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            left += [("same", line) for line in a_lines[i1:i2]]
            right += [("same", line) for line in b_lines[j1:j2]]
        else:
            left += [("del", line) for line in a_lines[i1:i2]]
            right += [("ins", line) for line in b_lines[j1:j2]]
    return left, right


def plan_versions_compare(*, a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Side-by-side rows of two ``PlanVersion.content`` dicts: one per section, then KPIs and roadmap:
    [{"label": str, "changed": bool, "a": [(kind, line)], "b": [(kind, line)]}] (a read; pure)."""
    rows = []
    pairs = [
        (
            str(DxPlan._meta.get_field(n).verbose_name),
            a.get("sections", {}).get(n, ""),
            b.get("sections", {}).get(n, ""),
        )
        for n in PLAN_FIELDS
    ]
    pairs.append((_("目標値（KPI）一覧"), _kpi_lines(a), _kpi_lines(b)))
    pairs.append((_("ロードマップ"), _roadmap_lines(a), _roadmap_lines(b)))
    for label, text_a, text_b in pairs:
        left, right = _line_diff(text_a, text_b)
        rows.append({"label": label, "changed": text_a != text_b, "a": left, "b": right})
    return rows
