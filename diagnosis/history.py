"""The diagnosis part of the company's history page (``companies:history``, hook ``companies.history``).

Every diagnosis of the company with its group means and its DX診断アドバイス, and the re-diagnosis across
years (T0 → T1): two submitted diagnoses of the same edition compared item by item, each changed item with
the accompaniment sessions between them that worked on it. The sessions come from the higher layer through
the hook ``diagnosis.sessions_by_item`` (accompaniment provides it; see ``sessions_for_changes``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diagnosis.models import Diagnosis, IndexGroup
from diagnosis.results.changes import ItemPairChange, diagnosis_item_changes
from diagnosis.selectors import diagnosis_group_means
from dxcommunity import registry

CHOICE_ERRORS = {
    "required": gettext_lazy("比較する自己診断を選んでください。"),
    "invalid_choice": gettext_lazy("この企業の提出済みの自己診断から選んでください（指定: %(value)s）。"),
}


class DiagnosisPairForm(forms.Form):
    """GET ``a`` and ``b``: pks of two of the company's submitted diagnoses to compare (A → B).

    The choices are the diagnoses given (no query); a pk that is not one of them, or twice the same
    diagnosis, is an error on the form.
    """

    a = forms.TypedChoiceField(label=gettext_lazy("比較元（A）"), coerce=int, error_messages=CHOICE_ERRORS)
    b = forms.TypedChoiceField(label=gettext_lazy("比較先（B）"), coerce=int, error_messages=CHOICE_ERRORS)

    def __init__(self, *args: Any, diagnoses: list[Diagnosis], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(d.pk, diagnosis_label(d)) for d in diagnoses]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("a") is not None and cleaned.get("a") == cleaned.get("b"):
            raise ValidationError(_("異なる2つの自己診断を選んでください。"), code="same")
        return cleaned


def diagnosis_label(diagnosis: Diagnosis) -> str:
    """「2023-08-10 提出 · 令和5年度 ○○事業 · DX推進指標 2019」 (the program part only when it has one)."""
    when = diagnosis.submitted_at or diagnosis.created_at
    parts = [_("%(date)s 提出") % {"date": timezone.localtime(when).strftime("%Y-%m-%d")}]
    participation = diagnosis.participation
    if participation is not None:
        program = participation.program
        parts.append(f"{program.fiscal_year_label} {program.name}")
    parts.append(diagnosis.edition.name)
    return " · ".join(parts)


def _day(diagnosis: Diagnosis):
    return timezone.localdate(diagnosis.submitted_at or diagnosis.created_at)


def _default_pair(submitted: list[Diagnosis]) -> tuple[Diagnosis, Diagnosis] | None:
    """The latest submitted diagnosis and the first one of the same edition (None: no second one)."""
    if not submitted:
        return None
    latest = submitted[-1]
    first = next(d for d in submitted if d.edition_id == latest.edition_id)
    return None if first.pk == latest.pk else (first, latest)


def sessions_for_changes(
    *, company: Any, a: Diagnosis, b: Diagnosis, rows: list[ItemPairChange], membership: Any, facts: Any
) -> dict[int, list[Any]]:
    """{item id: [session]} for the changed items of ``rows``: the accompaniment sessions of the company
    held between the two diagnoses' submission days (both included) whose log named the item.

    Asked of the hook ``diagnosis.sessions_by_item(company=, start=, end=, item_ids=, membership=, facts=)``
    (one provider, accompaniment; {} without one). A session is whatever the provider returns; the
    template reads ``pk``, ``number``, ``theme``, ``date`` and ``program_name``.
    """
    item_ids = [r.item.pk for r in rows if r.changed]
    if not item_ids:
        return {}
    start, end = sorted((_day(a), _day(b)))
    found = registry.ask_one(
        "diagnosis.sessions_by_item",
        company=company,
        start=start,
        end=end,
        item_ids=item_ids,
        membership=membership,
        facts=facts,
        default={},
    )
    return found or {}


def _comparison(
    *, company: Any, submitted: list[Diagnosis], params: QueryDict, membership: Any, facts: Any
) -> dict[str, Any]:
    """The comparison box: the form, A and B, the rows with their sessions, or why there is none."""
    bound = "a" in params or "b" in params
    form = DiagnosisPairForm(params if bound else None, diagnoses=submitted)
    out: dict[str, Any] = {"form": form, "a": None, "b": None, "rows": [], "changed": 0, "note": ""}
    if bound:
        if not form.is_valid():
            return out
        by_pk = {d.pk: d for d in submitted}
        pair = (by_pk[form.cleaned_data["a"]], by_pk[form.cleaned_data["b"]])
    else:
        pair = _default_pair(submitted)
        if pair is None:
            out["note"] = _("同じ版の提出済みの自己診断が2件以上になると、項目ごとの変化を比較できます。")
            return out
        form.initial = {"a": pair[0].pk, "b": pair[1].pk}
    a, b = pair
    out.update(a=a, b=b)
    try:
        changes = diagnosis_item_changes(a=a, b=b)
    except ValidationError as exc:
        form.add_error(None, exc)
        return out
    sessions = sessions_for_changes(
        company=company, a=a, b=b, rows=changes, membership=membership, facts=facts
    )
    out["rows"] = [{"change": c, "sessions": sessions.get(c.item.pk, [])} for c in changes]
    out["changed"] = sum(1 for c in changes if c.changed)
    return out


def company_history_context(
    *, company: Any, membership: Any, full: bool, facts: Any = None, params: QueryDict | None = None, **_: Any
) -> dict[str, Any]:
    """Context of templates/diagnosis/_history.html; {} hides the part (a viewer below FULL_READ).

    Keys: ``diagnoses`` ([{"diagnosis", "means": [{"group", "current", "target"}], "advice":
    AdvisorSession | None}], oldest first), ``groups`` ([IndexGroup] of the editions used) and
    ``comparison`` ({"form": DiagnosisPairForm, "a", "b": Diagnosis | None, "rows": [{"change":
    ItemPairChange, "sessions": [...]}], "changed": int, "note": str}). Means: ``diagnosis_group_means``
    (Decimal, 2 places). Six queries whatever the number of diagnoses and items.
    """
    if not full:
        return {}
    params = params if params is not None else QueryDict()
    diagnoses = list(
        Diagnosis.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("edition", "participation__program", "advisor_session__advisor")
        .order_by("created_at", "pk")
    )
    means = diagnosis_group_means(
        diagnosis_ids=[d.pk for d in diagnoses], consortium_id=company.consortium_id
    )
    groups = list(
        IndexGroup.objects.filter(edition__in={d.edition_id for d in diagnoses}).order_by("edition", "order")
    )
    rows = []
    for d in diagnoses:
        own = means.get(d.pk, {})
        rows.append(
            {
                "diagnosis": d,
                "means": [
                    {"group": g, **own.get(g.key, {"current": None, "target": None})}
                    for g in groups
                    if g.edition_id == d.edition_id
                ],
                "advice": getattr(d, "advisor_session", None),
            }
        )
    submitted = [d for d in diagnoses if d.status == Diagnosis.Status.SUBMITTED]
    return {
        "diagnoses": rows,
        "groups": groups,
        "comparison": _comparison(
            company=company, submitted=submitted, params=params, membership=membership, facts=facts
        ),
    }


def company_history(**kwargs: Any) -> tuple[str, str, dict[str, Any]] | None:
    """The part for the history page (hook ``companies.history``): ``("diagnosis", template name,
    context)``, or None when ``company_history_context`` hides it."""
    context = company_history_context(**kwargs)
    return ("diagnosis", "diagnosis/_history.html", context) if context else None
