"""Root URLs. Everything of a consortium lives under /c/<consortium_slug>/ (the tenant is in the URL)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from dxcommunity.accounts.views import invitation_accept
from dxcommunity.tenancy.middleware import home_redirect

consortium_urls = [
    path("", include("programs.companies.urls")),
    path("diagnosis/", include("diagnosis.urls")),
    path("accompaniment/", include("accompaniment.urls")),
    path("accompaniment/", include("accompaniment.plan.urls")),
    path("matching/", include("matching.urls")),
    path("documents/", include("reports.documents.urls")),
    path("members/", include("dxcommunity.accounts.urls")),
    path("consent/", include("dxcommunity.consent.urls")),
    path("audit/", include("dxcommunity.audit.urls")),
    path("programs/", include("programs.events.urls")),
    path("recruitment/", include("programs.recruitment.urls")),
    path("dashboard/", include("reports.dashboard.urls")),
    path("results/", include("reports.results.urls")),
    path("survey/", include("accompaniment.survey.urls")),
]

urlpatterns = [
    path("", home_redirect, name="home"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("c/<slug:consortium_slug>/", include(consortium_urls)),
    # Pages without an account (the public application form): outside the tenant middleware's login rule.
    path("public/", include("programs.recruitment.public_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
