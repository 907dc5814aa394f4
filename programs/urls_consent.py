"""URLs of the 'consent' namespace, under /c/<consortium_slug>/consent/."""

from django.urls import path

from . import views_consent

app_name = "consent"
urlpatterns = [
    path("", views_consent.index, name="index"),
]
