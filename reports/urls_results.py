"""URLs of 実績報告書（.xlsx / PDF）と一覧の .xlsx 出力."""

from django.urls import path  # noqa: F401

app_name = "results"
urlpatterns: list = []
