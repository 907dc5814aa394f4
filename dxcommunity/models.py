"""The base layer's rows. Its packages define them (tenancy, accounts, consent); importing them here registers
them with the ``dxcommunity`` app. Defined here: the submissions already handled (idempotency keys of create
forms)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dxcommunity.accounts.models import Invitation  # noqa: F401
from dxcommunity.consent.models import AccessLog, CompanyComment, CompanyShare  # noqa: F401
from dxcommunity.tenancy.models import (  # noqa: F401
    Company,
    Consortium,
    MemberOrganization,
    Membership,
    Region,
    TenantModel,
)


class SubmissionKey(TenantModel):
    """A create form already handled: the one-time key the form carried and the row that POST created.

    ``scope`` names the service (e.g. "matching.request_create"); ``key`` is the form's hidden
    ``idempotency_key`` (``dxcommunity.idempotency.new_key``). A second POST with the same key gets the
    row of ``content_type`` / ``object_id`` back instead of a second one.
    """

    scope = models.CharField(_("処理"), max_length=100)
    key = models.CharField(_("送信キー"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("送信キー")
        verbose_name_plural = _("送信キー")
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "scope", "key"], name="dxcommunity_submissionkey_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
