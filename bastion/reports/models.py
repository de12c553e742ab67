"""Daily and zero reports (日报告、零报告), urgent reports, and the per-unit daily counts."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bastion.org.models import PersonKind


class UnitDayCount(models.Model):
    """A unit's own people of one kind on one day (not its subtree): kept current by the
    services.

    Dashboards sum these along the unit tree's paths and never read check-in history. One row
    per kind, so that Student Affairs sees the students' figures and the University Office the
    staff's (R4), while everyone else sees both summed.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="unit_day_counts",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="day_counts"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind of people"), max_length=8, choices=PersonKind.choices)
    expected = models.PositiveIntegerField(pgettext_lazy("count", "people"), default=0)
    checked_in = models.PositiveIntegerField(_("checked in"), default=0)
    late = models.PositiveIntegerField(_("late"), default=0)
    abnormal = models.PositiveIntegerField(_("abnormal"), default=0)
    key_area = models.PositiveIntegerField(_("in or back from a key area"), default=0)
    isolated = models.PositiveIntegerField(_("isolated"), default=0)
    suspected = models.PositiveIntegerField(_("suspected"), default=0)
    confirmed = models.PositiveIntegerField(_("confirmed"), default=0)

    class Meta:
        verbose_name = _("unit day count")
        verbose_name_plural = _("unit day counts")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "kind"], name="unitdaycount_once"),
        ]
        indexes = [models.Index(fields=["day", "unit"], name="unitdaycount_day_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.kind}"


class DailyReport(models.Model):
    """A unit's report for a day, submitted by a named person; a zero report when all is well."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="daily_reports",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="daily_reports"
    )
    day = models.DateField(_("day"))
    is_zero = models.BooleanField(_("zero report"))
    counts = models.JSONField(_("counts"), default=dict)
    note = models.TextField(_("note"), blank=True)
    # Empty only at a province, for a report a member university's instance sent: the
    # province receives counts, never the name of the person who signed (docs/province.md).
    submitted_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="dailyreport_one_per_unit_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class UrgentReport(models.Model):
    """A special situation reported at once (特殊情况随时上报), to every level above."""

    class Kind(models.TextChoices):
        SUSPECTED_CASE = "suspected_case", _("Suspected case")
        CONFIRMED_CASE = "confirmed_case", _("Confirmed case")
        CLUSTER = "cluster", _("Cluster")
        INCIDENT = "incident", _("Incident")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="urgent_reports",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="urgent_reports"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("what happened"))
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="urgent_reports",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("urgent report")
        verbose_name_plural = _("urgent reports")
        ordering = ["-reported_at"]
        constraints = [
            # A retried filing (same client id from the same reporter) is the same report.
            models.UniqueConstraint(
                fields=["reported_by", "client_id"],
                condition=~models.Q(client_id=""),
                name="urgentreport_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class UrgentRecipient(models.Model):
    """Who an urgent report reached, when, and when they acknowledged it."""

    report = models.ForeignKey(
        UrgentReport,
        verbose_name=_("urgent report"),
        on_delete=models.CASCADE,
        related_name="recipients",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        pgettext_lazy("urgent report", "acknowledged at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("urgent report recipient")
        verbose_name_plural = _("urgent report recipients")
        constraints = [
            models.UniqueConstraint(fields=["report", "person"], name="urgentrecipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.person_id}"
