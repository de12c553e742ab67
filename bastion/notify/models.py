"""The outbox: every message Bastion sends, once, through a channel (see notify.channels)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one recipient through one channel; `key` makes sending idempotent."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(
        _("deduplication key"),
        max_length=200,
        unique=True,
        help_text=_("The same key is never sent twice, whichever worker tries."),
    )
    channel = models.CharField(_("channel"), max_length=20)
    recipient = models.ForeignKey(
        "org.Person",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt may start: after a failure the backoff, while one is under way
    # its lease (a worker that dies mid-send is retried once the lease runs out).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="notification_pending")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.subject}"

    @property
    def is_failed(self) -> bool:
        return self.sent_at is None and bool(self.error)
