"""URLs of the DX推進計画書 (under /c/<slug>/accompaniment/, as the track's pages)."""

from django.urls import path

from accompaniment.plan import views

app_name = "plan"
urlpatterns = [
    path("companies/<int:company_pk>/plan/", views.plan, name="detail"),
    path("companies/<int:company_pk>/plan/edit/", views.plan_edit, name="edit"),
    path("companies/<int:company_pk>/plan/approve/", views.plan_approve, name="approve"),
    path("companies/<int:company_pk>/plan/versions/", views.plan_versions, name="versions"),
    path("companies/<int:company_pk>/plan/compare/", views.plan_compare, name="compare"),
]
