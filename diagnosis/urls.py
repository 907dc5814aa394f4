"""URLs of diagnosis, under /c/<consortium_slug>/diagnosis/. The names are used by other apps' templates."""

from django.urls import path

from . import views

app_name = "diagnosis"
urlpatterns = [
    path("", views.diagnosis_list, name="list"),
    path("start/", views.diagnosis_start_view, name="start"),
    path("<int:pk>/", views.diagnosis_result, name="result"),
    path("<int:pk>/edit/", views.diagnosis_edit, name="edit"),
    path("<int:pk>/advice/", views.diagnosis_advice, name="advice"),
]
