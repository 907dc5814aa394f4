"""Views of recruitment and selection (応募・推薦・選出検討会・選出結果), under /c/<slug>/recruitment/.

Thin: parse, call one selector or service, render. Who may do what:

- coordinators (the regional coordinator for its own region only): program list, application list and
  its actions, the selection meeting page and its decisions; 403 for other roles;
- bank and association staff with an organization: 企業を推薦 and their OWN organization's recommendations;
- company members: 選出結果 and the confirmation of the participation conditions.

Objects of another program or tenant, or outside a regional coordinator's region: 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from rules import test_rule

from dxcommunity import idempotency
from dxcommunity.access.rules import acts_as_regional_coordinator
from dxcommunity.concurrency import EditConflict
from dxcommunity.edit_conflict import edit_conflict_context
from dxcommunity.tenancy.models import MemberOrganization, Region
from dxcommunity.ui.forms import form_add_service_error
from programs.companies import selectors
from programs.filters import applications_filtered
from programs.models import CompanyApplication, Program
from programs.recruitment import selectors as rsel
from programs.recruitment import services
from programs.recruitment.forms import (
    ConditionsForm,
    RecommendationForm,
    SelectionDecisionForm,
)

Status = CompanyApplication.Status


def _require_coordinator(request: HttpRequest) -> None:
    if not rsel.is_coordinator(request.membership):
        raise PermissionDenied


def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Coordinators: the consortium's programs with application counts and links (応募・選出)."""
    _require_coordinator(request)
    programs = list(Program.objects.filter(consortium=request.consortium).order_by("-fiscal_year", "name"))
    rows = [{"program": p, "counts": rsel.application_counts(program=p)} for p in programs]
    return render(request, "programs/recruitment/index.html", {"rows": rows})


def application_list(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """The program's applications with filters (status, region, source, recommender), counts vs capacity,
    duplicates grouped under their original and the waitlist positions."""
    _require_coordinator(request)
    membership = request.membership
    program = rsel.program_get(membership=membership, pk=program_pk)
    regions = program.regions.order_by("key")
    if acts_as_regional_coordinator(membership):
        regions = regions.filter(pk=membership.region_id)
    organizations = MemberOrganization.objects.filter(
        consortium=request.consortium, recommended_applications__program=program
    ).distinct()
    visible = rsel.applications_visible_to(membership=membership, program=program)
    filtered = applications_filtered(
        applications=visible, data=request.GET, regions=regions, organizations=organizations
    )
    form = filtered.form
    everything = list(visible)  # the duplicates are grouped over every application, filtered or not
    applications = list(filtered.queryset) if filtered.active else everything
    positions = rsel.waitlist_positions(program=program)
    counts = rsel.application_counts(program=program)
    next_in_line = rsel.waitlist_next(program=program) if counts["free"] else None
    for a in applications:
        a.waitlist_position = positions.get(a.pk)
        a.is_next_in_line = next_in_line is not None and a.pk == next_in_line.pk
    return render(
        request,
        "programs/recruitment/application_list.html",
        {
            "program": program,
            "form": form,
            "applications": applications,
            "counts": counts,
            "status_counts": [(label, counts["by_status"].get(value, 0)) for value, label in Status.choices],
            "duplicate_groups": rsel.duplicate_groups(applications=everything),
            "public_url": request.build_absolute_uri(
                reverse("public:apply", kwargs={"tenant_slug": consortium_slug, "program_pk": program.pk})
            ),
        },
    )


ACTIONS = {
    "accept": (services.application_accept, gettext_lazy("「%(name)s」を受け付け、招待メールを送りました。")),
    "reject": (services.application_reject, gettext_lazy("「%(name)s」を対象外にしました。")),
    "restore": (services.application_restore, gettext_lazy("「%(name)s」の取下げを取り消しました。")),
    "promote": (services.application_promote, gettext_lazy("「%(name)s」を補欠から繰り上げました。")),
    "not_duplicate": (
        services.application_not_duplicate,
        gettext_lazy("「%(name)s」を重複ではないとしました。"),
    ),
    "merge": (services.application_merge, gettext_lazy("「%(name)s」を元の応募に統合しました。")),
}


@require_POST
def application_action(
    request: HttpRequest, consortium_slug: str, program_pk: int, pk: int, action: str
) -> HttpResponse:
    """One action on one application (POST): accept (invite), reject, promote, not_duplicate, merge,
    restore (undo a withdrawal). Each service checks the actor's permission; an unknown action is a 404.
    Withdrawing has its own view (``application_withdraw``), which asks first."""
    _require_coordinator(request)
    if action not in ACTIONS:
        raise Http404("No such action.")
    program = rsel.program_get(membership=request.membership, pk=program_pk)
    application = rsel.application_get_for_manager(membership=request.membership, program=program, pk=pk)
    service, message = ACTIONS[action]
    kwargs: dict[str, Any] = {"application": application, "actor": request.user}
    if action == "accept":
        kwargs["base_url"] = request.build_absolute_uri("/").rstrip("/")
    try:
        service(**kwargs)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(message) % {"name": application.company_name})
    return redirect("recruitment:application_list", consortium_slug=consortium_slug, program_pk=program.pk)


@require_http_methods(["GET", "POST"])
def application_withdraw(
    request: HttpRequest, consortium_slug: str, program_pk: int, pk: int
) -> HttpResponse:
    """取下げ. GET: what withdrawing does (button 「取り下げる」); POST: withdraw, suggest the next waitlisted
    application when a place frees. Undone by 「取下げを取り消す」 on the list (action ``restore``)."""
    _require_coordinator(request)
    program = rsel.program_get(membership=request.membership, pk=program_pk)
    application = rsel.application_get_for_manager(membership=request.membership, program=program, pk=pk)
    back = redirect("recruitment:application_list", consortium_slug=consortium_slug, program_pk=program.pk)
    if request.method == "GET":
        if application.status in (Status.WITHDRAWN, Status.REJECTED):
            messages.info(
                request,
                _("この応募は「%(status)s」のため、この操作はできません。")
                % {"status": application.get_status_display()},
            )
            return back
        return render(
            request,
            "programs/recruitment/application_withdraw.html",
            {"program": program, "application": application},
        )
    try:
        _application, suggestion = services.application_withdraw(application=application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    messages.success(
        request,
        _("「%(name)s」を取下げにしました。一覧の「取下げを取り消す」で元に戻せます。")
        % {"name": application.company_name},
    )
    if suggestion is not None:
        messages.info(
            request,
            _("枠が空きました。補欠の先頭は「%(name)s」です。繰り上げる場合は「繰り上げ」を押してください。")
            % {"name": suggestion.company_name},
        )
    return back


def _decision_initial(app_pk: int, decision: Any, meetings: list) -> dict[str, Any]:
    """A row form's values as stored (``version`` 0 while the company has no decision)."""
    initial: dict[str, Any] = {"application": app_pk, "version": 0}
    if decision is not None:
        initial |= {
            "decision": decision.decision,
            "reasons": decision.reasons,
            "commitment_rating": decision.commitment_rating,
            "team_rating": decision.team_rating,
            "meeting": decision.meeting_id,
            "version": decision.version,
        }
    elif len(meetings) == 1:
        initial["meeting"] = meetings[0].pk
    return initial


def _board_context(
    request: HttpRequest,
    program: Program,
    forms: dict[int, Any] | None = None,
    conflicts: dict[int, dict] | None = None,
) -> dict:
    """The board; ``forms`` / ``conflicts``: {application pk: bound form / edit_conflict} of the row
    just posted."""
    board = rsel.selection_board(membership=request.membership, program=program)
    meetings = board["meetings"]
    for row in board["rows"]:
        app = row["application"]
        row["form"] = (forms or {}).get(app.pk) or SelectionDecisionForm(
            initial=_decision_initial(app.pk, row["decision"], meetings),
            meetings=meetings,
            auto_id=f"id_%s_{app.pk}",
        )
        row["edit_conflict"] = (conflicts or {}).get(app.pk)
    return {"program": program, **board}


def selection(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """支援企業選出検討会: applicants side by side with diagnosis means, advice, commitment, team, ratings,
    and a decision form per company; the summary (伴走 / マッチング / 不選出 / 補欠 vs 募集N社, by region)."""
    _require_coordinator(request)
    program = rsel.program_get(membership=request.membership, pk=program_pk)
    return render(request, "programs/recruitment/selection.html", _board_context(request, program))


@require_POST
@vary_on_headers("HX-Request")  # htmx gets the row, a plain POST a redirect or the page
def decision_save(request: HttpRequest, consortium_slug: str, program_pk: int) -> HttpResponse:
    """Save one row's decision. htmx: answers with the row (and the summary, out of band); plain POST:
    back to the page (or the page with the row's errors)."""
    _require_coordinator(request)
    program = rsel.program_get(membership=request.membership, pk=program_pk)
    try:
        app_pk = int(request.POST.get("application", ""))
    except ValueError:
        raise Http404("No such application.") from None
    application = rsel.application_get_for_manager(membership=request.membership, program=program, pk=app_pk)
    form = SelectionDecisionForm(
        request.POST,
        meetings=rsel.selection_meetings(program=program),
        auto_id=f"id_%s_{application.pk}",
    )
    saved = False
    conflict: dict = {}
    if form.is_valid():
        try:
            services.selection_decide(
                program=program,
                application=application,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
                commitment_rating=form.cleaned_data["commitment_rating"],
                team_rating=form.cleaned_data["team_rating"],
                meeting=form.cleaned_data["meeting"],
                version=form.cleaned_data["version"],
            )
            saved = True
        except ValidationError as exc:
            form_add_service_error(form, exc)
        except EditConflict as exc:
            meetings = rsel.selection_meetings(program=program)
            conflict = edit_conflict_context(
                form=form,
                conflict=exc,
                theirs=_decision_initial(application.pk, exc.current, meetings),
                reload_url=reverse("recruitment:selection", args=[consortium_slug, program.pk])
                + f"#app-{application.pk}",
            )["edit_conflict"]
    htmx = bool(request.htmx)
    if saved and not htmx:
        messages.success(
            request, _("「%(name)s」の選出結果を保存しました。") % {"name": application.company_name}
        )
        return redirect(
            reverse(
                "recruitment:selection", kwargs={"consortium_slug": consortium_slug, "program_pk": program.pk}
            )
            + f"#app-{application.pk}"
        )
    context = _board_context(
        request,
        program,
        forms=None if saved else {application.pk: form},
        conflicts={application.pk: conflict} if conflict else None,
    )
    if htmx:
        # 200 even on a conflict: htmx swaps only successful answers, and the row shows the conflict.
        row = next(r for r in context["rows"] if r["application"].pk == application.pk)
        return render(
            request,
            "programs/recruitment/_selection_row_response.html",
            {**context, "row": row, "saved": saved},
        )
    return render(request, "programs/recruitment/selection.html", context, status=409 if conflict else 200)


def recommend(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """企業を推薦 (bank / association staff) and the list of their OWN organization's recommendations."""
    membership = request.membership
    if not rsel.is_recommender(membership):
        raise PermissionDenied
    program = selectors.program_current(consortium=request.consortium)
    regions = program.regions.order_by("key") if program else Region.objects.none()
    form = RecommendationForm(request.POST or None, regions=regions)
    if request.method == "POST" and program is not None and form.is_valid():
        try:
            services.recommendation_submit(
                program=program,
                user=request.user,
                data=form.cleaned_data,
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(
                request, _("「%(name)s」を推薦しました。") % {"name": form.cleaned_data["company_name"]}
            )
            return redirect("recruitment:recommend", consortium_slug=consortium_slug)
    return render(
        request,
        "programs/recruitment/recommend.html",
        {
            "program": program,
            "form": form,
            "recommendations": rsel.recommendations_of(membership=membership),
        },
    )


def _my_selection_page(request: HttpRequest, forms: dict[int, ConditionsForm] | None = None) -> HttpResponse:
    decisions = rsel.decisions_for_company_member(membership=request.membership)
    for d in decisions:
        d.form = (forms or {}).get(d.pk) or ConditionsForm(
            initial={
                "executive_participant": d.executive_participant,
                "staff_participant": d.staff_participant,
                "attends_all_sessions": d.attends_all_sessions,
            },
            auto_id=f"id_%s_{d.pk}",
        )
    return render(
        request,
        "programs/recruitment/my_selection.html",
        {"decisions": decisions, "company": request.membership.company},
        status=400 if forms else 200,
    )


def my_selection(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """選出結果 of the member's own company and, for 伴走支援, the participation conditions to confirm."""
    if not test_rule("programs.view_own_selection", request.membership):
        raise PermissionDenied
    return _my_selection_page(request)


@require_POST
def conditions_confirm(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Confirm the participation conditions of one decision of the member's own company (404 otherwise)."""
    membership = request.membership
    if not test_rule("programs.view_own_selection", membership):
        raise PermissionDenied
    decision = rsel.decision_get_for_company_member(membership=membership, pk=pk)
    form = ConditionsForm(request.POST, auto_id=f"id_%s_{decision.pk}")
    if form.is_valid():
        try:
            services.selection_confirm_conditions(decision=decision, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("参加条件を確認しました。伴走支援の開始をお待ちください。"))
            return redirect("recruitment:my_selection", consortium_slug=consortium_slug)
    return _my_selection_page(request, forms={decision.pk: form})
