from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("documents/request/", views.document_request, name="document_request"),
    path("documents/<int:pk>/status/", views.document_status, name="document_status"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/retry/", views.document_retry, name="document_retry"),
]
