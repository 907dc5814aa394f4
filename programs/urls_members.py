"""URLs of the 'members' namespace, under /c/<consortium_slug>/members/."""

from django.urls import path

from . import views_members

app_name = "members"
urlpatterns = [
    path("", views_members.index, name="index"),
]
