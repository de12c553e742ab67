"""Supplies (物资, R24): items, stores and stock, units' requests with approval, and every
movement in and out. Stock lives on one row per item and store and never goes negative (a
database check, and issues that lock the row)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SupplyItem(models.Model):
    """A kind of supply: masks, thermometers, disinfectant, protective suits…"""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit_of_measure = models.CharField(_("counted in"), max_length=20, default="个")
    low_stock = models.PositiveIntegerField(_("warn below"), default=0)

    class Meta:
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """A store of supplies, kept by a unit (the logistics office, the hospital…)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("kept by"), on_delete=models.PROTECT, related_name="stores"
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """How many of an item a store holds now."""

    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="stock")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stock")
    quantity = models.PositiveIntegerField(_("in stock"), default=0)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["item", "store"], name="stock_once"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.store}: {self.quantity}"


class RequestState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    REJECTED = "rejected", _("Rejected")


class SupplyRequest(models.Model):
    """A unit's request for supplies; approved, then issued from a store. Front-line posts and
    the hospital come first (`priority`)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="requests")
    quantity = models.PositiveIntegerField(_("quantity"))
    purpose = models.CharField(_("for"), max_length=200)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=0, help_text=_("Higher first: the front line and the hospital.")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_request_quantity")
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.item} × {self.quantity}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Received into stock")
    ISSUE = "issue", _("Issued")
    RETURN = "return", pgettext_lazy("stock movement", "Returned")
    ADJUSTMENT = "adjustment", _("Count corrected")


class SupplyMovement(models.Model):
    """Every movement of stock, in or out, with who, when, to or from which unit and why; the
    item's ledger is these rows in order."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="movements")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=10, choices=MovementKind.choices)
    # Signed: positive into the store, negative out of it.
    change = models.IntegerField(_("change"))
    balance = models.PositiveIntegerField(_("balance after"))
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("to or from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        SupplyRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("supply movement")
        verbose_name_plural = _("supply movements")
        constraints = [
            models.CheckConstraint(condition=~Q(change=0), name="movement_changes_something")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.change:+d}"
