"""URLs of generated documents (PDF): request, status (htmx polling), download, retry."""

from django.urls import path

from reports.documents import views

app_name = "documents"
urlpatterns = [
    path("request/", views.document_request, name="request"),
    path("<int:pk>/status/", views.document_status, name="status"),
    path("<int:pk>/download/", views.document_download, name="download"),
    path("<int:pk>/retry/", views.document_retry, name="retry"),
]
