"""Campaigns (防控工作): the disease profile, the daily timetable and the key areas."""

import datetime as dt
import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bastion.lib import divisions


def _default_reporting_kinds() -> list[str]:
    return ["college", "office", "hospital"]


def _default_report_deadlines() -> dict[str, str]:
    # Tree depth → deadline: colleges (depth 2) by 11:00, the university (depth 1) by 12:00.
    return {"2": "11:00", "1": "12:00"}


def _default_reminders() -> list[str]:
    return ["09:00", "09:45"]


class Campaign(models.Model):
    """One epidemic's prevention and control: what to watch for and the day's timetable."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    disease = models.CharField(_("disease"), max_length=50)
    symptoms = models.JSONField(
        _("symptoms"),
        default=list,
        help_text=_('A list of {"code": …, "label": …}; check-ins name symptoms by code.'),
    )
    fever_threshold = models.DecimalField(
        _("fever threshold (°C)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("37.3"),
        validators=[MinValueValidator(Decimal("36.0")), MaxValueValidator(Decimal("39.0"))],
    )
    incubation_days = models.PositiveSmallIntegerField(_("incubation days"), default=14)
    quarantine_days = models.PositiveSmallIntegerField(_("quarantine days"), default=14)
    checkin_opens = models.TimeField(_("check-in opens"), default=dt.time(6, 0))
    checkin_cutoff = models.TimeField(_("check-in cut-off"), default=dt.time(10, 0))
    reminder_times = models.JSONField(_("reminder times"), default=_default_reminders)
    reporting_unit_kinds = models.JSONField(
        _("unit kinds that report daily"), default=_default_reporting_kinds
    )
    report_deadlines = models.JSONField(
        _("report deadline per tree level"),
        default=_default_report_deadlines,
        help_text=_('Tree depth → "HH:MM"; a level without its own deadline uses the deepest one.'),
    )
    escalate_after = models.DurationField(
        _("escalate an unacknowledged alert after"), default=dt.timedelta(hours=2)
    )
    missing_days = models.PositiveSmallIntegerField(
        _("alert after this many days without a check-in"), default=2
    )
    exception_reporting = models.BooleanField(
        _("exception reporting (只报异常)"),
        default=False,
        help_text=_("People report only what changed; an unchanged state counts for some days."),
    )
    unchanged_valid_days = models.PositiveSmallIntegerField(
        _("days an unchanged state counts"), default=3
    )
    # Tracing: who is a contact, when care lapses, what makes a cluster, what ends isolation.
    contact_window_days = models.PositiveSmallIntegerField(
        _("days before discovery that count for contacts"),
        default=4,
        help_text=_("Shared trips and duty within this many days before a case was found."),
    )
    care_contact_days = models.PositiveSmallIntegerField(
        _("days an isolated person may go without contact from their carer"), default=1
    )
    release_needs_test = models.BooleanField(
        _("release from isolation needs a negative test"), default=False
    )
    cluster_size = models.PositiveSmallIntegerField(
        _("cluster warning: abnormal people"),
        default=5,
        validators=[MinValueValidator(2)],
        help_text=_("This many abnormal people in one class, dormitory building, lab or unit…"),
    )
    cluster_days = models.PositiveSmallIntegerField(
        _("cluster warning: within days"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("…within this many days raise a cluster warning to the leading group."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="campaign_one_active"
            ),
            models.CheckConstraint(
                name="campaign_cutoff_after_opening",
                condition=Q(checkin_cutoff__gt=models.F("checkin_opens")),
            ),
            models.CheckConstraint(
                name="campaign_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def symptom_codes(self) -> set[str]:
        return {s["code"] for s in self.symptoms}

    def symptom_label(self, code: str) -> str:
        return next((s["label"] for s in self.symptoms if s["code"] == code), code)

    def report_deadline(self, depth: int) -> dt.time:
        """The deadline for a unit at this tree depth (the deepest level given covers below)."""
        levels = {int(k): v for k, v in self.report_deadlines.items()}
        if not levels:
            return dt.time(12, 0)
        chosen = levels.get(depth) or levels[max(levels)]
        hours, minutes = chosen.split(":")
        return dt.time(int(hours), int(minutes))


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class KeyArea(models.Model):
    """A key epidemic area (重点地区): a division and everything under it, between two dates."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="key_areas"
    )
    division = models.CharField(_("division code"), max_length=6)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH
    )
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("key area")
        verbose_name_plural = _("key areas")
        ordering = ["division"]
        constraints = [
            models.CheckConstraint(
                name="keyarea_to_after_from",
                condition=Q(to_date__isnull=True) | Q(to_date__gte=models.F("from_date")),
            ),
        ]

    def __str__(self) -> str:
        return divisions.full_name(self.division)

    @property
    def prefix(self) -> str:
        """What every division code inside the area starts with (湖北 420000 → "42")."""
        prefix = self.division.rstrip("0") or self.division
        if len(prefix) % 2:
            prefix += "0"
        return prefix

    def covers(self, code: str, day: dt.date) -> bool:
        """Is division `code` inside this area on `day`? Prefix match on the GB/T 2260 code."""
        in_time = self.from_date <= day and (self.to_date is None or day <= self.to_date)
        return in_time and code.startswith(self.prefix)
