"""Reporting once: what a university sends to its province, and what a province received.

A university's instance keeps an outbox of its daily reports' counts (`Dispatch`), one row
per version of a day's report, sent at least once and recognisable when repeated. A
province's instance knows its member universities (`Member`, each a unit of its tree with
the key it signs with) and keeps a `Receipt` of every report received, by which a repeat gets
the same answer and writes nothing.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DispatchState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Received by the province")
    SUPERSEDED = "superseded", _("Replaced by a later version before it was sent")
    REFUSED = "refused", _("Refused by the province")


class Dispatch(models.Model):
    """One version of the university's daily report, on its way to the province."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        help_text=_("The province takes a repeat of the same key once."),
    )
    report = models.ForeignKey(
        "reports.DailyReport",
        verbose_name=_("daily report"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="dispatches",
    )
    day = models.DateField(_("day"))
    version = models.PositiveIntegerField(_("version"))
    payload = models.JSONField(_("what is sent"))
    state = models.CharField(
        _("state"), max_length=12, choices=DispatchState.choices, default=DispatchState.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the next attempt may start: after a failure the backoff, while one is under way its
    # lease (a worker that dies mid-send leaves the row to be tried again once it runs out).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("report to the province")
        verbose_name_plural = _("reports to the province")
        ordering = ["-day", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["day", "version"], name="dispatch_version_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="dispatch_pending",
            )
        ]

    def __str__(self) -> str:
        return self.key


class Member(models.Model):
    """A university that reports to this province: a unit of the province's tree and its key."""

    unit = models.OneToOneField(
        "org.Unit",
        verbose_name=_("university"),
        on_delete=models.PROTECT,
        related_name="province_member",
    )
    # Kept as given: the province must compute the same signature as the university.
    key = models.CharField(_("shared key"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member university")
        verbose_name_plural = _("member universities")
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return str(self.unit)


class ReceiptOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    SUPERSEDED = "superseded", _("Older than the version held")


class Receipt(models.Model):
    """One report received from a member, with the answer given (a repeat gets it again)."""

    member = models.ForeignKey(
        Member, verbose_name=_("member university"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    day = models.DateField(_("day"))
    version = models.PositiveIntegerField(_("version"))
    digest = models.CharField(_("digest of the report"), max_length=64)
    outcome = models.CharField(
        pgettext_lazy("province receipt", "outcome"), max_length=12, choices=ReceiptOutcome.choices
    )
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    answer = models.JSONField(_("answer"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("report received")
        verbose_name_plural = _("reports received")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "day", "version"], name="receipt_version_once"
            ),
        ]

    def __str__(self) -> str:
        return self.key
