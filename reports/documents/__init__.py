"""Generated documents (PDF via Celery + WeasyPrint): request, status, download, retry, the sweep."""
