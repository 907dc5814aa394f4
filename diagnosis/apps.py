from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    """DX推進指標 editions (data), self-diagnoses and the advisor session (DX診断アドバイス)."""

    name = "diagnosis"
    verbose_name = _("DX自己診断")

    def ready(self) -> None:
        from diagnosis import hooks

        hooks.register()
