"""Root URLs. Everything of a consortium lives under /c/<consortium_slug>/ (the tenant is in the URL)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from programs.views_members import invitation_accept

from dxcommunity.tenancy import home_redirect

consortium_urls = [
    path("", include("programs.urls")),
    path("diagnosis/", include("diagnosis.urls")),
    path("accompaniment/", include("accompaniment.urls")),
    path("matching/", include("matching.urls")),
    path("reports/", include("reports.urls")),
    path("members/", include("programs.urls_members")),
    path("consent/", include("programs.urls_consent")),
    path("audit/", include("programs.urls_audit")),
    path("programs/", include("programs.urls_program")),
    path("recruitment/", include("programs.urls_recruitment")),
    path("dashboard/", include("reports.urls_dashboard")),
    path("results/", include("reports.urls_results")),
    path("survey/", include("accompaniment.urls_survey")),
]

urlpatterns = [
    path("", home_redirect, name="home"),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("c/<slug:consortium_slug>/", include(consortium_urls)),
    # Pages without an account (the public application form): outside the tenant middleware's login rule.
    path("public/", include("programs.urls_public")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
