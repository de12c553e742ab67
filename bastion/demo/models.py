"""The demo accounts: which logins `bastion demo` printed, so a second run can print them again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoAccount(models.Model):
    """One login per kind of user of the demo university; all share the demo password."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    kind = models.CharField(_("kind"), max_length=32, unique=True)
    username = models.CharField(_("username"), max_length=150)
    duty = models.CharField(_("responsible for"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.username}"
