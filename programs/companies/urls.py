"""URLs of the consortium home and the company pages (支援先企業, with its history across program years),
with the company-side seminar list and 自己診断申し込み."""

from django.urls import path

from programs.companies import history, views

app_name = "companies"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("companies/", views.company_list, name="list"),
    path("companies/<int:pk>/", views.company_detail, name="detail"),
    path("companies/<int:pk>/history/", history.company_history, name="history"),
    path("companies/<int:company_pk>/comments/", views.comment_add, name="comment_add"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/register/", views.event_register, name="event_register"),
    path("apply/", views.application_create, name="application_create"),
]
