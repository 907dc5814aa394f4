"""URLs of 事業ごとのダッシュボード（ファネル・開催状況・満足度）."""

from django.urls import path  # noqa: F401

app_name = "dashboard"
urlpatterns: list = []
