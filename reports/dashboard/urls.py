"""URLs of 事業ごとのダッシュボード（ファネル・開催状況・満足度）."""

from django.urls import path

from reports.dashboard import views as views_dashboard

app_name = "dashboard"
urlpatterns = [
    path("", views_dashboard.index, name="index"),
    path("programs/<int:program_pk>/", views_dashboard.program, name="program"),
    path("fiscal-years/<int:fiscal_year>/", views_dashboard.fiscal_year, name="fiscal_year"),
]
