"""URLs of 事業と日程（一覧・編集・イベント・出欠・カレンダー・.ics）."""

from django.urls import path  # noqa: F401

app_name = "program"
urlpatterns: list = []
