"""URLs of 実績報告書（.xlsx / PDF）と一覧の .xlsx 出力."""

from django.urls import path

from reports.results import views

app_name = "results"
urlpatterns = [
    path("", views.results_index, name="index"),
    path("report.xlsx", views.results_xlsx, name="xlsx"),
    path("pdf/", views.results_pdf_request, name="pdf_request"),
    path("export/companies.xlsx", views.export_companies, name="export_companies"),
    path("export/sessions.xlsx", views.export_sessions, name="export_sessions"),
    path("export/diagnoses.xlsx", views.export_diagnoses, name="export_diagnoses"),
]
