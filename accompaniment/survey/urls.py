"""URLs of 満足度アンケート（各回・終了時）."""

from django.urls import path

from accompaniment.survey import views as views_survey

app_name = "survey"
urlpatterns = [
    path("", views_survey.index, name="index"),
    path("pending/", views_survey.pending, name="pending"),
    path("sessions/<int:pk>/", views_survey.session_survey, name="session"),
    path("companies/<int:company_pk>/final/", views_survey.final_survey, name="final"),
    path("results/", views_survey.results, name="results"),
]
