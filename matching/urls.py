from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_create, name="request_create"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("solutions/", views.solution_list, name="solution_list"),
]
