"""Consent to the privacy notice (PIPL art. 14, 29): who agreed to which version, when, where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("App (API)")


class ConsentRecord(models.Model):
    """One decision on one version of the notice: agreed, or declined (and withdrawn).

    Rows are only ever added: the account's current answer is on `User.privacy_notice_version`,
    the history here is the evidence of when and where it was given.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="consent_records",
    )
    version = models.CharField(_("notice version"), max_length=64)
    agreed = models.BooleanField(_("agreed"))
    at = models.DateTimeField(_("at"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=4, choices=ConsentChannel.choices, default=ConsentChannel.WEB
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"], name="consent_user_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version} {'+' if self.agreed else '-'}"
