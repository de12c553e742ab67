"""Tracing (流调): trips (行程) so far; key-area ledgers, cases, contacts and isolation build on
them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Transport(models.TextChoices):
    TRAIN = "train", _("Train")
    FLIGHT = "flight", _("Flight")
    COACH = "coach", _("Coach")
    CAR = "car", _("Car")
    SHIP = "ship", _("Ship")
    OTHER = "other", _("Other")


class TripSource(models.TextChoices):
    SELF = "self", _("Reported by the person")
    SCREENER = "screener", _("Registered by a screener")


class Trip(models.Model):
    """One leg of a journey, from one division to another between two days.

    Tracing asks where a person has been within the quarantine window, and who shared a train
    or a flight: the origin and destination are GB/T 2260 codes, the number is kept in one
    normal form (upper case, no spaces) so that equal numbers compare equal.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="trips"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trips",
    )
    origin = models.CharField(_("from (division code)"), max_length=6)
    destination = models.CharField(_("to (division code)"), max_length=6)
    departs_on = models.DateField(_("departed on"))
    arrives_on = models.DateField(_("arrived on"))
    transport = models.CharField(_("transport"), max_length=8, choices=Transport.choices)
    number = models.CharField(
        _("train or flight number"), max_length=16, blank=True, help_text=_("e.g. G1234, MU5101")
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=TripSource.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        constraints = [
            models.CheckConstraint(
                condition=Q(arrives_on__gte=F("departs_on")), name="trip_arrives_after_departing"
            ),
            models.UniqueConstraint(
                fields=["person", "client_id"],
                condition=~Q(client_id=""),
                name="trip_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "departs_on"], name="trip_person_departs"),
            # Who was in a key area within the window: by destination and day.
            models.Index(fields=["destination", "arrives_on"], name="trip_destination_arrives"),
            # Who shared a train or a flight on a day: contact proposals.
            models.Index(fields=["number", "departs_on"], name="trip_number_departs"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.origin}→{self.destination} {self.departs_on}"
