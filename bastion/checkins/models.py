"""Daily health check-ins (健康打卡): one per person per day, earlier versions kept."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bastion.org.models import HealthStatus


class CheckIn(models.Model):
    """A person's health on one business day; a second submission updates it (see revisions)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="checkins",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="checkins"
    )
    day = models.DateField(_("day"))
    submitted_at = models.DateTimeField(_("submitted at"))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    location = models.CharField(_("where (division code)"), max_length=6)
    on_campus = models.BooleanField(_("on campus"))
    key_area_contact = models.BooleanField(_("contact with a key area"), default=False)
    case_contact = models.BooleanField(_("contact with a case"), default=False)
    is_late = models.BooleanField(_("late"), default=False)
    # Who pressed the button: the person, or a grid worker or counselor on their behalf.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_proxy = models.BooleanField(_("on someone's behalf"), default=False)
    carried_over = models.BooleanField(
        _("carried over (exception reporting)"),
        default=False,
        help_text=_("Counted from an earlier unchanged state, not submitted today."),
    )
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    status = models.CharField(
        _("health status"), max_length=6, choices=HealthStatus.choices, default=HealthStatus.GREEN
    )
    reason = models.CharField(_("why"), max_length=200, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-day", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="checkin_one_per_person_day"),
            models.UniqueConstraint(
                fields=["person", "client_id"],
                condition=~Q(client_id=""),
                name="checkin_client_id_once",
            ),
            models.CheckConstraint(
                name="checkin_temperature_plausible",
                condition=Q(temperature__gte=34) & Q(temperature__lte=43),
            ),
        ]
        indexes = [models.Index(fields=["campaign", "day"], name="checkin_campaign_day")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.day} {self.temperature}"


class CheckInRevision(models.Model):
    """An earlier version of a day's check-in, kept when the person submitted again."""

    checkin = models.ForeignKey(
        CheckIn, verbose_name=_("check-in"), on_delete=models.CASCADE, related_name="revisions"
    )
    revision = models.PositiveSmallIntegerField(_("revision"))
    data = models.JSONField(_("as it was"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True, db_index=True)
    replaced_at = models.DateTimeField(_("replaced at"))

    class Meta:
        verbose_name = _("earlier check-in version")
        verbose_name_plural = _("earlier check-in versions")
        ordering = ["checkin", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["checkin", "revision"], name="checkin_revision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.checkin_id} r{self.revision}"
