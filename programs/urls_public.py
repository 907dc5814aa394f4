"""URLs of アカウントなしで使う公開ページ（公開応募フォーム）."""

from django.urls import path  # noqa: F401

app_name = "public"
urlpatterns: list = []
