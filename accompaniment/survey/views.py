"""Views of the 満足度アンケート: company members answer after each held session and at the end; coordinators
and ITCs read the results. Thin: the rules are in ``services_survey``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from rules import test_rule

from accompaniment.filters import survey_responses_filtered
from accompaniment.survey import services as survey
from accompaniment.survey.forms import SurveyForm

PAGE_SIZE = 50


@require_safe
def index(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """A company member's surveys: the held sessions (answered or not) and the final survey."""
    if not test_rule("accompaniment.answer_surveys", request.membership):
        raise PermissionDenied
    mine = survey.surveys_for_member(membership=request.membership, user=request.user)
    return render(request, "accompaniment/survey_index.html", {"mine": mine})


@require_safe
def pending(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """htmx fragment for the track page: a prompt when the member has surveys to answer (else empty)."""
    mine = survey.surveys_for_member(membership=request.membership, user=request.user)
    return render(request, "accompaniment/survey_pending.html", {"mine": mine})


def _answer(request, *, template: str, context: dict, existing, save) -> HttpResponse:
    form = SurveyForm(request.POST or None, initial=SurveyForm.initial_from(existing))
    if request.method == "POST" and form.is_valid():
        _response, created = save(form.to_data())
        if created:
            messages.success(request, _("アンケートにご回答いただきありがとうございました。"))
        else:
            messages.success(request, _("アンケートの回答を更新しました。"))
        return redirect("survey:index", request.consortium.slug)
    return render(request, template, {**context, "form": form, "existing": existing})


@require_http_methods(["GET", "POST"])
def session_survey(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The survey after one held session (fields ``satisfaction``, ``usefulness``, ``comment``; button
    「回答する」). A second visit shows the earlier answer to edit."""
    session = survey.session_get_for_answer(membership=request.membership, pk=pk)
    existing = survey.own_session_response(session=session, user=request.user)
    return _answer(
        request,
        template="accompaniment/survey_form.html",
        context={"session": session, "company": session.track.company, "kind": "session"},
        existing=existing,
        save=lambda data: survey.survey_session_answer(session=session, user=request.user, data=data),
    )


@require_http_methods(["GET", "POST"])
def final_survey(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """The final survey (終了時アンケート), open once the track is completed or its 10 sessions are held."""
    track = survey.track_get_for_final(membership=request.membership, company_pk=company_pk)
    existing = survey.own_final_response(track=track, user=request.user)
    return _answer(
        request,
        template="accompaniment/survey_form.html",
        context={"track": track, "company": track.company, "kind": "final"},
        existing=existing,
        save=lambda data: survey.survey_final_answer(track=track, user=request.user, data=data),
    )


@require_safe
def results(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Survey answers with a summary (n, mean, share 4–5): coordinators (regional: their region) and ITCs
    (tracks they lead); GET filters ``program``, ``kind``, ``number``, ``region``, ``page``."""
    filtered = survey_responses_filtered(
        responses=survey.responses_visible_to(membership=request.membership),
        data=request.GET,
        consortium=request.consortium,
    )
    qs, form = filtered.queryset, filtered.form
    summary = qs.aggregate(
        n=Count("pk"), mean=Avg("satisfaction"), satisfied=Count("pk", filter=Q(satisfaction__gte=4))
    )
    summary["satisfied_pct"] = round(100 * summary["satisfied"] / summary["n"], 1) if summary["n"] else None
    summary["mean"] = round(summary["mean"], 1) if summary["mean"] is not None else None
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accompaniment/survey_results.html",
        {
            "form": form,
            "page": page,
            "summary": summary,
            "query": query.urlencode(),
            "show_respondent": test_rule("accompaniment.see_survey_respondents", request.membership),
        },
    )
