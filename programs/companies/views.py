"""Views of programs: thin, each parses the request, calls one selector or service, renders.

Every view runs under ``/c/<consortium_slug>/`` inside the tenant scope (ConsortiumMiddleware), with
``request.consortium`` and ``request.membership`` set.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules import test_rule

from dxcommunity import access, idempotency, registry
from dxcommunity.access.rules import (
    acts_as_association,
    acts_as_bank,
    acts_as_company,
    acts_as_itc,
    acts_as_secretariat,
    acts_as_vendor,
    sees_every_company_in_full,
)
from dxcommunity.consent import selectors as consent_selectors
from dxcommunity.consent import services as consent
from dxcommunity.consent.forms import CompanyCommentForm
from dxcommunity.tenancy.models import Company, Membership, Region
from dxcommunity.ui.forms import form_add_service_error
from dxcommunity.ui.names import person_name
from programs.companies import selectors, services
from programs.companies.forms import ApplicationForm
from programs.filters import companies_filtered
from programs.models import Participation, Program
from programs.participations.selectors import participation_current, participations_of, program_from_request


def dashboard(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Role-aware home: funnel for coordinators, clients for banks, the journey for a company member."""
    membership: Membership = request.membership
    consortium = request.consortium
    program = selectors.program_current(consortium=consortium)
    visible = access.companies_visible_to(membership=membership)
    context: dict[str, Any] = {"program": program, "role": membership.role}
    if acts_as_secretariat(membership):
        context["funnel"] = selectors.company_stage_counts(companies=visible, program=program)
        context["by_region"] = selectors.company_region_counts(companies=visible)
        context["total"] = visible.count()
        context["recent_applications"] = selectors.applications_recent(membership=membership)
        context["application_count"] = selectors.application_count(program=program) if program else 0
        context["track_alert_count"] = 0
        for found in registry.ask("home.coordinator", membership=membership):
            context.update(found)
    if (acts_as_itc | acts_as_bank | acts_as_association)(membership):
        context["full_ids"] = _fully_visible_ids(membership)
    if acts_as_itc(membership):
        context["companies"] = selectors.companies_with_progress(
            companies=visible.filter(region=membership.region_id)
        )
        context["led_companies"] = selectors.companies_with_progress(
            companies=visible.filter(pk__in=Company.objects.filter(tracks__leader=request.user).values("pk"))
        )
    elif (acts_as_bank | acts_as_association)(membership):
        context["companies"] = selectors.companies_with_progress(companies=visible)
        context["events"] = selectors.events_visible_to(membership=membership, program=program)
    elif acts_as_vendor(membership):
        context["matching_requests"] = []
        for found in registry.ask("home.vendor", membership=membership):
            context.update(found)
    elif acts_as_company(membership):
        company = membership.company
        journey = selectors.company_journey(company=company)
        context["company"] = company
        context["journey"] = journey
        context["steps"] = _company_steps(consortium_slug=consortium_slug, company=company, journey=journey)
    return render(request, "programs/dashboard.html", context)


def _company_steps(*, consortium_slug: str, company: Company, journey: dict) -> list[dict[str, Any]]:
    """The company's journey as steps ``{"label", "done", "url", "post", "action", "note"}``.

    ``url`` None: the step is not reachable yet.
    """
    slug = {"consortium_slug": consortium_slug}
    with_company = {"consortium_slug": consortium_slug, "company_pk": company.pk}
    diagnoses = journey["diagnoses"]
    submitted = next((d for d in diagnoses if d.status == "submitted"), None)
    draft = next((d for d in diagnoses if d.status == "draft"), None)
    advice = getattr(submitted, "advisor_session", None) if submitted else None
    steps: list[dict[str, Any]] = [
        {
            "label": _("セミナーに申し込む"),
            "done": bool(journey["registrations"]),
            "url": reverse("companies:event_list", kwargs=slug),
            "action": _("イベント一覧"),
        },
        {
            "label": _("自己診断に申し込む"),
            "done": journey["application"] is not None,
            "url": reverse("companies:application_create", kwargs=slug),
            "action": _("申込内容") if journey["application"] else _("申し込む"),
        },
    ]
    if submitted:
        steps.append(
            {
                "label": _("DX自己診断を提出する"),
                "done": True,
                "url": reverse("diagnosis:result", kwargs={**slug, "pk": submitted.pk}),
                "action": _("診断結果を見る"),
            }
        )
    elif draft:
        steps.append(
            {
                "label": _("DX自己診断を提出する"),
                "done": False,
                "url": reverse("diagnosis:edit", kwargs={**slug, "pk": draft.pk}),
                "action": _("入力を続ける"),
            }
        )
    else:
        steps.append(
            {
                "label": _("DX自己診断を提出する"),
                "done": False,
                "url": reverse("diagnosis:start", kwargs=slug) if journey["application"] else None,
                "post": True,
                "action": _("自己診断を始める"),
            }
        )
    steps.append(
        {
            "label": _("DX診断アドバイスを受ける"),
            "done": advice is not None,
            "url": reverse("diagnosis:advice", kwargs={**slug, "pk": submitted.pk}) if advice else None,
            "action": _("アドバイスを見る"),
        }
    )
    track = journey["track"]
    steps.append(
        {
            "label": _("伴走支援（10回）"),
            "done": track is not None and journey["sessions_held"] >= 10,
            "url": reverse("accompaniment:track", kwargs=with_company) if track else None,
            "action": _("伴走支援を見る"),
            "note": _("%(n)d / 10 回実施") % {"n": journey["sessions_held"]} if track else "",
        }
    )
    plan = journey["plan"]
    steps.append(
        {
            "label": _("DX推進計画書"),
            "done": plan is not None and plan.status == "approved",
            "url": reverse("plan:detail", kwargs=with_company) if plan or track else None,
            "action": _("計画書を見る"),
            "note": _("完成度 %(p)d%%") % {"p": journey["plan_percent"]} if plan else "",
        }
    )
    return steps


def company_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """Visible companies with their stage; GET filters ``program`` (pk: the companies taking part in it, with
    their stage there; none: every company with its current participation's stage), ``stage``
    (Participation.Stage value) and ``region`` (pk)."""
    membership = request.membership
    regions = Region.objects.filter(consortium=request.consortium).order_by("key")
    program = program_from_request(request)
    filtered = companies_filtered(
        companies=selectors.companies_with_progress(
            companies=access.companies_visible_to(membership=membership), program=program
        ),
        data=request.GET,
        regions=regions,
        programs=Program.objects.filter(consortium=request.consortium).order_by("-fiscal_year", "name"),
    )
    context = {
        "program": program,
        "form": filtered.form,
        "companies": filtered.queryset,
        "full_ids": _fully_visible_ids(membership),
    }
    return render(request, "programs/company_list.html", context)


def _fully_visible_ids(membership: Membership) -> set[int] | None:
    """Ids of the companies seen beyond stage level (main bank, sessions); None = all (coordinators)."""
    if sees_every_company_in_full(membership):
        return None
    from dxcommunity.access import companies_fully_visible_to

    return set(companies_fully_visible_to(membership=membership).values_list("pk", flat=True))


def company_detail(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """The company hub: header with the stage steps, then each app's panel.

    Apps: diagnosis, accompaniment, matching.

    What is shown follows ``dxcommunity.access``: a viewer at STAGE level sees the header (name, region,
    industry) and the stage only, plus links to what the company shared with its organization; the panels,
    the main bank and the recommender need FULL_READ. Bank comments: see ``company_comments_visible_to``.

    Panel contract: ``<app>.panels.company_panel_context(company=, membership=)`` returns a dict ({} hides
    the panel); ``templates/<app>/_company_panel.html`` is rendered with that dict's keys at top level AND the
    whole dict as ``panel``, plus ``company`` and the usual request context.
    """
    company = access.company_get_visible(membership=request.membership, pk=pk)
    return company_detail_response(
        request, consortium_slug, company=company, program=program_from_request(request)
    )


def company_detail_response(
    request: HttpRequest,
    consortium_slug: str,
    *,
    company: Company,
    comment_form=None,
    status: int = 200,
    program: Program | None = None,
) -> HttpResponse:
    """The company page for a company already known to be visible (``company_get_visible``), looking at
    its participation in ``program`` (None: its current one): the header lists every participation as a
    tab, and the stage steps and panels are those of the participation shown.

    ``comment_form``: a bound ``CompanyCommentForm`` with errors to show again (consent:comment_add).
    """
    from dxcommunity.access import AccessLevel, CompanyFacts, company_access
    from dxcommunity.consent.forms import CompanyCommentForm

    membership = request.membership
    facts = CompanyFacts(company)
    full = company_access(membership=membership, company=company, facts=facts) >= AccessLevel.FULL_READ
    panels = []
    participations = list(participations_of(company=company))
    participation = participation_current(company=company, program=program)
    if program is not None and participation is None:
        raise Http404("The company does not take part in this program.")
    company.current_participation = participation
    asked = {"company": company, "membership": membership, "participation": participation}
    for found in registry.ask("companies.panel", **asked) if full else ():
        if found:
            app, template, panel = found
            html = render_to_string(template, {**panel, "panel": panel, "company": company}, request=request)
            panels.append({"app": app, "html": html})
    shared: list[dict[str, Any]] = []
    if not full:
        shared = _shared_links(
            consortium_slug=consortium_slug, company=company, membership=membership, facts=facts
        )
    index = participation.stage_index if participation else -1
    stages = [
        {"label": label, "done": i < index, "current": i == index}
        for i, (_value, label) in enumerate(Participation.Stage.choices)
    ]
    can_comment = request.user.has_perm("programs.comment_company", company)
    return render(
        request,
        "programs/company_detail.html",
        {
            "company": company,
            "participation": participation,
            "participations": participations,
            "stages": stages,
            "panels": panels,
            "full": full,
            "shared": shared,
            "comments": consent_selectors.company_comments_visible_to(membership=membership, company=company),
            "comment_form": (comment_form or CompanyCommentForm()) if can_comment else None,
            "can_view_consent": request.user.has_perm("programs.view_consent", company),
        },
        status=status,
    )


def _shared_links(
    *, consortium_slug: str, company: Company, membership: Membership, facts
) -> list[dict[str, Any]]:
    """Links to the company's diagnosis / plan that it shared with the viewer's organization."""

    links: list[dict[str, Any]] = []
    for found in registry.ask(
        "companies.shared_link",
        consortium_slug=consortium_slug,
        company=company,
        membership=membership,
        facts=facts,
    ):
        if found:
            links.append(found)
    return links


def event_list(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """The events of the open programs (several may run at once; GET ``program``: one of them) with the
    user's own registration (申込済 / キャンセル待ち N番目) and a 「申し込む」 button per open event; links
    to the calendar and each event's page. Without an open program, the current program's."""
    from programs.events.selectors import event_is_over, on_demand_available, registrations_by_event

    membership = request.membership
    program = program_from_request(request)
    programs = [program] if program else list(selectors.programs_open(consortium=request.consortium))
    if not programs:
        program = selectors.program_current(consortium=request.consortium)
        programs = [program] if program else []
    events = sorted(
        (e for p in programs for e in selectors.events_visible_to(membership=membership, program=p)),
        key=lambda e: (e.starts_at, e.pk),
    )
    program = program or (programs[0] if len(programs) == 1 else None)
    mine = registrations_by_event(consortium=request.consortium, email=request.user.email)
    for event in events:
        event.mine = mine.get(event.pk)
        event.is_registered = event.mine is not None
        event.on_demand_available = on_demand_available(event)
        event.registrable = event.registration_open and (
            not event_is_over(event) or event.on_demand_available
        )
    return render(
        request,
        "programs/event_list.html",
        {"program": program, "events": events, "can_register": True},
    )


@require_POST
def event_register(request: HttpRequest, consortium_slug: str, pk: int) -> HttpResponse:
    """Register the logged-in member (name and email from the account) for an event.

    Company members register for their company; the others under their organization's name. Members-only
    events are 404 for company members and vendors. A live registration over capacity goes on the
    waitlist and the message gives its place. ``next`` (a local path) is where to go back to.
    """
    from django.utils.http import url_has_allowed_host_and_scheme

    from programs.events import services as services_program

    membership = request.membership
    event = selectors.event_get_visible(membership=membership, pk=pk)
    company = membership.company if acts_as_company(membership) else None
    try:
        result = services_program.seminar_register(
            event=event,
            name=person_name(request.user),
            email=request.user.email,
            company=company,
            organization_name=membership.organization.name if membership.organization_id else "",
            on_demand=request.POST.get("on_demand") == "1",
            members_only_ok=company is None and not acts_as_vendor(membership),
            user=request.user,
            idempotency_key=idempotency.key_from(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.position is not None:
            messages.warning(
                request,
                _("「%(event)s」は満席のため、キャンセル待ち（%(n)d番目）で受け付けました。")
                % {"event": event.title, "n": result.position},
            )
        elif result.registration.on_demand:
            messages.success(
                request, _("「%(event)s」にオンデマンド視聴で申し込みました。") % {"event": event.title}
            )
        else:
            messages.success(request, _("「%(event)s」に申し込みました。") % {"event": event.title})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("companies:event_list", consortium_slug=consortium_slug)


def application_create(request: HttpRequest, consortium_slug: str) -> HttpResponse:
    """自己診断申し込み by a company member for a program: GET/POST ``program`` (pk), by default the open
    program the company takes part in, else the consortium's current one (``program_current``). One per
    company per program; the company's participation in it moves to APPLIED; refused after the program's
    自己診断期間 (the form shows why and keeps what was typed)."""
    membership = request.membership
    if not test_rule("programs.apply_for_diagnosis", membership):
        raise PermissionDenied
    company = membership.company
    program = program_from_request(request)
    if program is None:
        current = participation_current(company=company)
        program = (
            current.program
            if current is not None and not current.program.is_closed
            else selectors.program_current(consortium=request.consortium)
        )
    if program is None:
        messages.error(request, _("申し込み受付中の事業がありません。"))
        return redirect("companies:home", consortium_slug=consortium_slug)
    regions = (
        program.regions.all()
        if program.regions.exists()
        else Region.objects.filter(consortium=request.consortium)
    )
    existing = selectors.application_for(program=program, company=company)
    if request.method == "POST":
        form = ApplicationForm(request.POST, regions=regions)
        if form.is_valid():
            try:
                services.application_submit(
                    program=program,
                    company=company,
                    user=request.user,
                    idempotency_key=idempotency.key_from(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form_add_service_error(form, exc)
            else:
                messages.success(request, _("自己診断に申し込みました。事務局からの連絡をお待ちください。"))
                return redirect("companies:home", consortium_slug=consortium_slug)
    else:
        form = ApplicationForm(
            regions=regions,
            initial={
                "applicant_name": person_name(request.user) if request.user.last_name else "",
                "organization_name": company.name,
                "email": request.user.email,
                "region": company.region_id,
            },
        )
    return render(
        request,
        "programs/application_form.html",
        {
            "form": form,
            "program": program,
            "existing": existing,
            "open_programs": selectors.programs_open(consortium=request.consortium),
        },
    )


@require_POST
def comment_add(request: HttpRequest, consortium_slug: str, company_pk: int) -> HttpResponse:
    """POST ``body``: a bank user's own comment on the company page (button 「コメントを追加」)."""
    company = access.company_get_visible(
        membership=request.membership, pk=company_pk, perm="programs.comment_company", user=request.user
    )
    form = CompanyCommentForm(request.POST)
    if form.is_valid():
        try:
            consent.company_comment_add(
                company=company,
                user=request.user,
                body=form.cleaned_data["body"],
                idempotency_key=idempotency.key_from(request),
            )
        except ValidationError as exc:
            form_add_service_error(form, exc)
        else:
            messages.success(request, _("コメントを追加しました。"))
            return redirect("companies:detail", consortium_slug=consortium_slug, pk=company.pk)
    # The company page again with what was typed and the error next to the field.
    return company_detail_response(request, consortium_slug, company=company, comment_form=form, status=400)
