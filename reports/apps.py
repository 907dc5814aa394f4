from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Generated documents (PDF plans, progress reports) rendered in the background."""

    name = "reports"
    verbose_name = _("帳票")

    def ready(self) -> None:
        from reports import hooks

        hooks.register()
