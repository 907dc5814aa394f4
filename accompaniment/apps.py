from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccompanimentConfig(AppConfig):
    """The 10-session accompaniment track (伴走支援), session logs, homework and the DX推進計画書."""

    name = "accompaniment"
    verbose_name = _("伴走支援")

    def ready(self) -> None:
        from accompaniment import hooks

        hooks.register()
