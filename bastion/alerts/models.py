"""Alerts (预警): something abnormal about a person that one owner answers for until closed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")


class Alert(models.Model):
    """One abnormal fact about one person, raised by a rule (`kind`, see alerts.rules)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=32)
    severity = models.CharField(_("severity"), max_length=6)  # a HealthStatus: yellow or red
    summary = models.CharField(_("summary"), max_length=200)
    day = models.DateField(_("day"))
    checkin = models.ForeignKey(
        "checkins.CheckIn",
        verbose_name=_("check-in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    key_area = models.ForeignKey(
        "campaigns.KeyArea",
        verbose_name=_("key area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        help_text=_("Set when re-evaluating a key area raised it; lowering the area closes it."),
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_alerts",
    )
    level = models.PositiveSmallIntegerField(
        _("escalation level"), default=0, help_text=_("0: the owner; each escalation adds one.")
    )
    state = models.CharField(
        _("state"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"))
    escalate_at = models.DateTimeField(_("escalates at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    escalated_to = models.ManyToManyField(
        "org.Person",
        verbose_name=_("escalated to"),
        blank=True,
        related_name="escalated_alerts",
        help_text=_("The people of the levels above the owner who were told, one level at a time."),
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            # A rule that fires again while its alert is still open does not raise a second one.
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=~Q(state="closed"),
                name="alert_one_open_per_person_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state"], name="alert_owner_state"),
            models.Index(fields=["state", "escalate_at"], name="alert_state_escalate"),
        ]

    def __str__(self) -> str:
        return self.summary


class AlertEvent(models.Model):
    """The history of an alert: raised, acknowledged, escalated, reminded, closed."""

    class Action(models.TextChoices):
        RAISED = "raised", _("Raised")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated")
        REMINDED = "reminded", _("Reminded")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["alert", "at"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """One round of reminders: a campaign's reminder time, or a grid worker's one-tap chase.

    The unique (campaign, day, slot) makes a round happen once however many workers tick:
    the row and its notifications commit together or not at all.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    day = models.DateField(_("day"))
    slot = models.CharField(
        _("slot"), max_length=64, help_text=_('"09:00" for a reminder time, "chase:…" for a chase.')
    )
    at = models.DateTimeField(_("at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    people = models.PositiveIntegerField(_("people reminded"), default=0)
    owners = models.PositiveIntegerField(_("alert owners reminded"), default=0)

    class Meta:
        verbose_name = _("reminder round")
        verbose_name_plural = _("reminder rounds")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "slot"], name="reminder_once_per_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.slot}"
