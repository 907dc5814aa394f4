"""Reads of participations (参加: one company in one program)."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery

from dxcommunity.tenancy.models import Company
from programs.models import Participation, Program


def participations_of(*, company: Company) -> QuerySet[Participation]:
    """The company's participations, oldest program first (fiscal year, then program name), with the
    program and the previous participation's program loaded."""
    return (
        Participation.objects.filter(consortium=company.consortium_id, company=company)
        .select_related("program", "previous__program")
        .order_by("program__fiscal_year", "program__name", "pk")
    )


def _current_order() -> list:
    # Open programs before closed ones, then the newest fiscal year, then the newest participation.
    return [F("program__closed_at").asc(nulls_first=True), "-program__fiscal_year", "-pk"]


def participation_current(*, company: Company, program: Program | None = None) -> Participation | None:
    """The participation a company page looks at: the one in ``program`` when given (None if the company
    is not in it), else the company's participation in an open program of the latest fiscal year, else
    its latest participation; None for a company in no program. One query."""
    qs = Participation.objects.filter(consortium=company.consortium_id, company=company).select_related(
        "program"
    )
    if program is not None:
        return qs.filter(program=program).first()
    return qs.order_by(*_current_order()).first()


def participation_current_pk(*, company_pk: int, consortium_id: int, program_pk: int | None = None):
    """pk of ``participation_current`` for a company given by pk (None when there is none)."""
    qs = Participation.objects.filter(consortium=consortium_id, company=company_pk)
    if program_pk is not None:
        qs = qs.filter(program=program_pk)
    return qs.order_by(*_current_order()).values_list("pk", flat=True).first()


def current_participation_subquery(*, program: Program | None = None) -> Subquery:
    """A Subquery for ``Company`` annotations: the pk of the company's participation in ``program``, or of
    its current participation (``participation_current``) when ``program`` is None; NULL without one."""
    qs = Participation.objects.filter(company=OuterRef("pk"))
    if program is not None:
        qs = qs.filter(program=program)
    return Subquery(qs.order_by(*_current_order()).values("pk")[:1])


def stage_subquery(*, program: Program | None = None) -> Subquery:
    """A Subquery for ``Company`` annotations: the stage (``Participation.Stage`` value) of the company's
    participation in ``program``, or of its current participation (``participation_current``) when
    ``program`` is None; NULL for a company without one."""
    qs = Participation.objects.filter(company=OuterRef("pk"))
    if program is not None:
        qs = qs.filter(program=program)
    return Subquery(qs.order_by(*_current_order()).values("stage")[:1])


def companies_with_stage(
    *, companies: QuerySet[Company], program: Program | None = None
) -> QuerySet[Company]:
    """``companies`` annotated with ``stage`` (``stage_subquery``); in ``program`` only when given."""
    qs = companies.annotate(stage=stage_subquery(program=program))
    if program is not None:
        qs = qs.filter(participations__program=program)
    return qs


def stage_label(value: str | None) -> str:
    """The display label of a ``Participation.Stage`` value ('' for None or an unknown value)."""
    return str(dict(Participation.Stage.choices).get(value, "")) if value else ""


def program_from_request(request) -> Program | None:
    """The program a page was asked about: GET or POST ``program`` (pk of a program of
    ``request.consortium``); None when absent or blank. Raises Http404 for a pk that is not a number or
    not a program of the consortium."""
    from django.http import Http404

    raw = (request.POST.get("program") if request.method == "POST" else None) or request.GET.get("program")
    if not raw:
        return None
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404("No such program.") from None
    program = Program.objects.filter(consortium=request.consortium, pk=pk).first()
    if program is None:
        raise Http404("No such program.")
    return program
