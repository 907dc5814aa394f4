from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_create, name="request_create"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("solutions/", views.solution_list, name="solution_list"),
    path("solutions/new/", views.solution_create, name="solution_create"),
    path("solutions/<int:pk>/", views.solution_detail, name="solution_detail"),
    path("solutions/<int:pk>/edit/", views.solution_edit, name="solution_edit"),
    path("solutions/<int:pk>/publish/", views.solution_publish, name="solution_publish"),
    path("solutions/<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("solutions/<int:pk>/cases/<int:case_pk>/", views.case_edit, name="case_edit"),
]
