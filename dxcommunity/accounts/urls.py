"""URLs of the 'members' namespace, under /c/<consortium_slug>/members/."""

from django.urls import path

from dxcommunity.accounts import views as views_members

app_name = "members"
urlpatterns = [
    path("", views_members.index, name="index"),
    path("invitations/<int:pk>/revoke/", views_members.invitation_revoke, name="invitation_revoke"),
    path("<int:pk>/deactivate/", views_members.membership_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views_members.membership_reactivate, name="reactivate"),
]
