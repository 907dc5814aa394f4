from django.urls import path

from programs import views

app_name = "programs"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/register/", views.event_register, name="event_register"),
    path("apply/", views.application_create, name="application_create"),
]
