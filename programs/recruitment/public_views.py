"""Pages without an account: the public application form (公開応募フォーム) of a program.

These URLs live outside ``/c/<consortium_slug>/`` (no login, no tenant middleware): each view looks the
consortium up from ``tenant_slug`` and runs its queries AND its rendering inside
``django_scopes.scope(consortium=...)``. An unknown consortium or program, or a program of another
consortium under this slug, is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django_scopes import scope

from dxcommunity import idempotency
from dxcommunity.http import client_ip
from dxcommunity.tenancy.models import Consortium
from dxcommunity.ui.forms import form_add_service_error
from programs.recruitment import selectors, services
from programs.recruitment.forms import CompanyApplicationForm


def _consortium(tenant_slug: str) -> Consortium:
    consortium = Consortium.objects.filter(slug=tenant_slug).first()
    if consortium is None:
        raise Http404("No such consortium.")
    return consortium


@csrf_protect
def apply(request: HttpRequest, tenant_slug: str, program_pk: int) -> HttpResponse:
    """GET: the form (or 「募集期間外」 when closed); POST: validate, rate-limit, record, go to thanks.

    Bad input shows the form again with what was typed. A filled honeypot goes to the thank-you page
    without recording anything. More than ``PUBLIC_FORM_RATE`` submissions per IP in the window: 429.
    """
    consortium = _consortium(tenant_slug)
    with scope(consortium=consortium):
        program = selectors.public_program_get(tenant_slug=tenant_slug, program_pk=program_pk)
        context = {"program": program, "tenant": consortium}
        if not selectors.public_form_is_open(program=program, today=timezone.localdate()):
            return render(request, "programs/public/closed.html", context)
        regions = program.regions.order_by("key")
        status = 200
        if request.method == "POST":
            form = CompanyApplicationForm(request.POST, regions=regions)
            if form.is_bot:
                return redirect("public:thanks", tenant_slug=tenant_slug, program_pk=program.pk)
            limit, window = services.PUBLIC_FORM_RATE
            if services.rate_limit_exceeded(
                key=f"public_apply:{client_ip(request)}", limit=limit, window=window
            ):
                form.is_valid()
                form.add_error(
                    None, _("短時間に多くの送信がありました。しばらく時間をおいてから送信してください。")
                )
                status = 429
            elif form.is_valid():
                try:
                    services.application_submit(
                        program=program, data=form.cleaned_data, idempotency_key=idempotency.key_from(request)
                    )
                except ValidationError as exc:
                    form_add_service_error(form, exc)
                else:
                    return redirect("public:thanks", tenant_slug=tenant_slug, program_pk=program.pk)
        else:
            form = CompanyApplicationForm(regions=regions)
        context["form"] = form
        return render(request, "programs/public/apply.html", context, status=status)


def thanks(request: HttpRequest, tenant_slug: str, program_pk: int) -> HttpResponse:
    """The same thank-you text for every submission (it never says whether the company applied before)."""
    consortium = _consortium(tenant_slug)
    with scope(consortium=consortium):
        program = selectors.public_program_get(tenant_slug=tenant_slug, program_pk=program_pk)
        return render(request, "programs/public/thanks.html", {"program": program, "tenant": consortium})
