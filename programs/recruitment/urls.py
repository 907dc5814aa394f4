"""URLs of 応募・推薦・重複・補欠と支援企業選出検討会・参加条件の確認 (/c/<slug>/recruitment/)."""

from django.urls import path

from programs.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("", views.index, name="index"),
    path("programs/<int:program_pk>/applications/", views.application_list, name="application_list"),
    # Before the generic action: withdrawing asks first (GET), then withdraws (POST).
    path(
        "programs/<int:program_pk>/applications/<int:pk>/withdraw/",
        views.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "programs/<int:program_pk>/applications/<int:pk>/<slug:action>/",
        views.application_action,
        name="application_action",
    ),
    path("programs/<int:program_pk>/selection/", views.selection, name="selection"),
    path("programs/<int:program_pk>/selection/decide/", views.decision_save, name="decision_save"),
    path("recommend/", views.recommend, name="recommend"),
    path("my-selection/", views.my_selection, name="my_selection"),
    path("my-selection/<int:pk>/confirm/", views.conditions_confirm, name="conditions_confirm"),
]
