from django.apps import AppConfig


class DxcommunityConfig(AppConfig):
    """Cross-app plumbing: tenancy, the Celery app, shared template tags."""

    name = "dxcommunity"
    verbose_name = "dxcommunity"

    def ready(self) -> None:
        from dxcommunity.tenancy.models import close_exists_gap

        close_exists_gap()
