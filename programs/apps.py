from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Consortia, member organizations, memberships, programs, events, companies, applications."""

    name = "programs"
    verbose_name = _("プログラム")

    def ready(self) -> None:
        from programs import closing  # noqa: F401 — registers the closed-program guard of programs' models
