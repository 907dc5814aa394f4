"""URLs of 応募・推薦・重複・補欠と支援企業選出検討会・参加条件の確認."""

from django.urls import path  # noqa: F401

app_name = "recruitment"
urlpatterns: list = []
