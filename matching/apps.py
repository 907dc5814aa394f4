from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """Matching (マッチング支援): solutions, company needs, vendors' answers."""

    name = "matching"
    verbose_name = _("マッチング")

    def ready(self) -> None:
        from matching import hooks

        hooks.register()
