"""Community liaison (属地管理, R27) and student care (R26): each unit's contacts at the street
office, the residents' committee and the hospital; the hand-over of a person isolating at home
off campus; students' requests (meals, medicine, study, devices, support) tracked to done."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactKind(models.TextChoices):
    STREET_OFFICE = "street", _("Street office")
    RESIDENTS_COMMITTEE = "residents", _("Residents' committee")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class CommunityContact(models.Model):
    """Someone outside the university a unit works with."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    organization = models.CharField(_("organization"), max_length=100)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    division = models.CharField(_("division code"), max_length=6, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("community contact")
        verbose_name_plural = _("community contacts")

    def __str__(self) -> str:
        return f"{self.organization} {self.name}"


class Handover(models.Model):
    """The hand-over to the community of a person isolating at home off campus: to whom, when,
    what was said, and the community's acknowledgement."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    isolation = models.ForeignKey(
        "tracing.Isolation", on_delete=models.PROTECT, related_name="handovers"
    )
    contact = models.ForeignKey(
        CommunityContact, verbose_name=_("handed to"), on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(_("handed over at"))
    note = models.TextField(_("what was handed over"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("hand-over to the community")
        verbose_name_plural = _("hand-overs to the community")

    def __str__(self) -> str:
        return f"{self.isolation} → {self.contact}"


class NeedKind(models.TextChoices):
    MEALS = "meals", _("Meals")
    MEDICINE = "medicine", _("Medicine")
    STUDY = "study", _("Study materials")
    DEVICE = "device", _("A device")
    SUPPORT = "support", _("Psychological support")
    OTHER = "other", _("Other")


class CareRequestState(models.TextChoices):
    OPEN = "open", pgettext_lazy("care request", "Open")
    IN_HAND = "in_hand", _("In hand")
    DONE = "done", _("Done")


class CareRequest(models.Model):
    """A student's request, routed to their counselor and tracked to done."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("student"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("need"), max_length=10, choices=NeedKind.choices)
    detail = models.TextField(pgettext_lazy("care request", "detail"))
    state = models.CharField(
        _("state"), max_length=8, choices=CareRequestState.choices, default=CareRequestState.OPEN
    )
    handler = models.ForeignKey(
        "org.Person",
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.TextField(_("what was done"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("student care request")
        verbose_name_plural = _("student care requests")

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()}"
