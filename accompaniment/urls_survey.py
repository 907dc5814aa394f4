"""URLs of 満足度アンケート（各回・終了時）."""

from django.urls import path  # noqa: F401

app_name = "survey"
urlpatterns: list = []
