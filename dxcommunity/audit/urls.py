"""URLs of the 'audit' namespace, under /c/<consortium_slug>/audit/. Read-only: GET (and HEAD) only."""

from django.urls import path

from dxcommunity.audit import views as views_audit

app_name = "audit"
urlpatterns = [
    path("", views_audit.index, name="index"),
]
