"""Supplies (物资, R24): items and stores, receipts, units' requests and their approval, issues,
returns and count corrections. Every change of stock writes a movement with the balance after
it, so an item's ledger is its movements in order.

Stock never goes negative: an issue locks the stock row (SELECT … FOR UPDATE), refuses with
what is left when there is less than asked, and decrements with an UPDATE guarded by
`quantity >= asked`; the database's check is the last line. Two issues of the last ten masks
at the same moment: one is served, the other told "only 0 left".

Refusals (`SupplyRefused`): 400 bad input, 403 without the duty, 404 out of reach.
"""

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import ROLES, Perm
from bastion.accounts.scoping import scope_of
from bastion.lib.days import business_day
from bastion.lib.inputs import text_input
from bastion.lib.refusals import Refused
from bastion.notify.services import notify
from bastion.org.models import Person, Position, Unit, UnitKind
from bastion.partywork.models import FrontlinePost
from bastion.supplies.models import (
    MovementKind,
    RequestState,
    Stock,
    Store,
    SupplyItem,
    SupplyMovement,
    SupplyRequest,
)

log = logging.getLogger(__name__)

# Allocation order (R24): the front line and the hospital first, then everyone else.
PRIORITY_FIRST = 1
PRIORITY_NORMAL = 0
MAX_QUANTITY = 1_000_000


class SupplyRefused(Refused):
    """Bad input (400), no duty (403) or out of reach (404); nothing written."""


def _keeper(actor: User) -> None:
    if not scope_of(actor).has(Perm.KEEP_SUPPLIES):
        raise SupplyRefused(
            _("Only the keepers of the stores (the University Office) may do this."), status=403
        )


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=SupplyRefused, **checks)


def _quantity(value: Any, *, what: str | None = None, allow_zero: bool = False) -> int:
    """A whole number of pieces, more than zero (or zero if allowed)."""
    what = what or _("quantity")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise SupplyRefused(_("The %(what)s must be a whole number.") % {"what": what}) from None
    if number < 0 or (number == 0 and not allow_zero):
        raise SupplyRefused(_("The %(what)s must be more than zero.") % {"what": what})
    if number > MAX_QUANTITY:
        raise SupplyRefused(
            _("The %(what)s is more than %(n)d.") % {"what": what, "n": MAX_QUANTITY}
        )
    return number


def _move(
    *,
    actor: User,
    stock: Stock,
    kind: str,
    change: int,
    unit: Unit | None,
    request: SupplyRequest | None,
    note: str,
    now: dt.datetime,
) -> SupplyMovement:
    """Apply `change` to the locked stock row and record it with the balance after."""
    stock.refresh_from_db(fields=["quantity"])
    return SupplyMovement.objects.create(
        item_id=stock.item_id,
        store_id=stock.store_id,
        kind=kind,
        change=change,
        balance=stock.quantity,
        unit=unit,
        request=request,
        note=note,
        by=actor,
        at=now,
    )


def _locked_stock(*, store: Store, item: SupplyItem) -> Stock | None:
    return Stock.objects.select_for_update().filter(item=item, store=store).first()


def _locked_or_new_stock(*, store: Store, item: SupplyItem) -> Stock:
    """The stock row, locked; created at zero the first time (a race to create it ends with
    one row: the loser's insert fails on the unique constraint and it locks the winner's)."""
    stock = _locked_stock(store=store, item=item)
    if stock is None:
        try:
            with transaction.atomic():
                Stock.objects.create(item=item, store=store, quantity=0)
        except IntegrityError:
            pass
        stock = _locked_stock(store=store, item=item)
    assert stock is not None
    return stock


# --- items and stores ----------------------------------------------------------------------


def item_add(
    *, actor: User, name: Any, unit_of_measure: Any = "个", low_stock: Any = 0
) -> SupplyItem:
    """A new kind of supply (masks, thermometers…), warned about below `low_stock`."""
    _keeper(actor)
    name = _text(name, limit=100, what=_("name"), required=True)
    measure = _text(unit_of_measure, limit=20, what=_("counted in")) or "个"
    low = _quantity(low_stock, what=_("warning level"), allow_zero=True)
    if SupplyItem.objects.filter(name=name).exists():
        raise SupplyRefused(_("There is already an item named %(name)s.") % {"name": name})
    with transaction.atomic():
        return SupplyItem.objects.create(name=name, unit_of_measure=measure, low_stock=low)


def store_add(*, actor: User, name: Any, unit: Unit) -> Store:
    """A new store, kept by `unit`."""
    _keeper(actor)
    name = _text(name, limit=100, what=_("name"), required=True)
    if Store.objects.filter(name=name).exists():
        raise SupplyRefused(_("There is already a store named %(name)s.") % {"name": name})
    with transaction.atomic():
        return Store.objects.create(name=name, unit=unit)


# --- stock in ---------------------------------------------------------------------------------


def stock_receive(
    *,
    actor: User,
    store: Store,
    item: SupplyItem,
    quantity: Any,
    note: Any = "",
    now: dt.datetime | None = None,
) -> SupplyMovement:
    """Receive a delivery into a store."""
    return _stock_in(
        actor=actor,
        store=store,
        item=item,
        quantity=quantity,
        kind=MovementKind.RECEIPT,
        unit=None,
        note=note,
        now=now,
    )


def _stock_in(
    *,
    actor: User,
    store: Store,
    item: SupplyItem,
    quantity: Any,
    kind: str,
    unit: Unit | None,
    note: Any,
    now: dt.datetime | None,
) -> SupplyMovement:
    """Add to a store's stock (a delivery, a return): the keeper's duty, one movement."""
    now = now or timezone.now()
    _keeper(actor)
    quantity = _quantity(quantity)
    note = _text(note, limit=200, what=_("note"))
    with transaction.atomic():
        stock = _locked_or_new_stock(store=store, item=item)
        Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + quantity)
        return _move(
            actor=actor,
            stock=stock,
            kind=kind,
            change=quantity,
            unit=unit,
            request=None,
            note=note,
            now=now,
        )


# --- requests ---------------------------------------------------------------------------------


def requestable_units(actor: User) -> list[Unit]:
    """The units `actor` may request supplies for: those under the positions they hold that
    carry the duty to request (a college, a lab, the units a Party branch leads)."""
    person_id = getattr(actor, "person_id", None)
    if person_id is None:
        return []
    positions = (
        Position.objects.active().filter(person_id=person_id).select_related("unit", "party_org")
    )
    parts: list[Q] = []
    for position in positions:
        if Perm.REQUEST_SUPPLIES not in ROLES[position.role].perms:
            continue
        if position.unit is not None:
            parts.append(Q(path__startswith=position.unit.path))
        elif position.party_org is not None:
            led = Unit.objects.filter(party_org__path__startswith=position.party_org.path)
            parts += [Q(path__startswith=path) for path in led.values_list("path", flat=True)]
    if not parts:
        return []
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return list(Unit.objects.filter(q).order_by("path"))


def request_priority(*, unit: Unit, day: dt.date) -> int:
    """First for the hospital (and anything under it) and for a unit with an open front-line
    post; normal otherwise."""
    hospitals = Unit.objects.filter(kind=UnitKind.HOSPITAL).values_list("path", flat=True)
    if any(unit.path.startswith(path) for path in hospitals):
        return PRIORITY_FIRST
    open_post = FrontlinePost.objects.filter(
        unit=unit, dissolved_on__isnull=True, set_up_on__lte=day
    ).exists()
    return PRIORITY_FIRST if open_post else PRIORITY_NORMAL


def supply_request(
    *,
    actor: User,
    unit: Unit,
    item: SupplyItem,
    quantity: Any,
    purpose: Any,
    now: dt.datetime | None = None,
) -> SupplyRequest:
    """A unit asks for supplies; its priority is set from what the unit is."""
    now = now or timezone.now()
    if not scope_of(actor).has(Perm.REQUEST_SUPPLIES):
        raise SupplyRefused(
            _("Requesting supplies is for college leaders, Party secretaries and lab heads."),
            status=403,
        )
    if unit.pk not in {u.pk for u in requestable_units(actor)}:
        raise SupplyRefused(_("Not found, or not in your reach."), status=404)
    quantity = _quantity(quantity)
    purpose = _text(purpose, limit=200, what=_("purpose"), required=True)
    with transaction.atomic():
        return SupplyRequest.objects.create(
            unit=unit,
            item=item,
            quantity=quantity,
            purpose=purpose,
            priority=request_priority(unit=unit, day=business_day(now)),
            requested_by=actor,
            requested_at=now,
        )


def request_decide(
    *,
    actor: User,
    request: SupplyRequest,
    approve: bool,
    note: Any = "",
    now: dt.datetime | None = None,
) -> SupplyRequest:
    """The keepers approve or reject a pending request (a rejection says why)."""
    now = now or timezone.now()
    _keeper(actor)
    note = _text(note, limit=300, what=_("note"))
    if not approve and not note:
        raise SupplyRefused(_("Say why the request is rejected."))
    with transaction.atomic():
        locked = SupplyRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != RequestState.PENDING:
            raise SupplyRefused(_("This request has already been decided."))
        locked.state = RequestState.APPROVED if approve else RequestState.REJECTED
        locked.decided_by = actor
        locked.decided_at = now
        locked.note = note
        locked.save(update_fields=["state", "decided_by", "decided_at", "note"])
    request.refresh_from_db()
    return locked


# --- stock out and back ---------------------------------------------------------------------


def supply_issue(
    *,
    actor: User,
    store: Store,
    item: SupplyItem,
    quantity: Any,
    unit: Unit,
    request: SupplyRequest | None = None,
    note: Any = "",
    now: dt.datetime | None = None,
) -> SupplyMovement:
    """Issue from a store to a unit (against an approved request, or directly). Refused, with
    what is left, when the store has less than asked; nothing is written then."""
    now = now or timezone.now()
    _keeper(actor)
    quantity = _quantity(quantity)
    note = _text(note, limit=200, what=_("note"))
    with transaction.atomic():
        if request is not None:
            request = SupplyRequest.objects.select_for_update().get(pk=request.pk)
            if request.state != RequestState.APPROVED:
                raise SupplyRefused(_("Only an approved request can be issued."))
            if request.item_id != item.pk or request.unit_id != unit.pk:
                raise SupplyRefused(_("The issue must be of the requested item, to its unit."))
        stock = _locked_stock(store=store, item=item)
        left = stock.quantity if stock is not None else 0
        if stock is None or left < quantity:
            raise SupplyRefused(_short(item=item, store=store, left=left))
        taken = Stock.objects.filter(pk=stock.pk, quantity__gte=quantity).update(
            quantity=F("quantity") - quantity
        )
        if not taken:  # never reached while the row is locked: the guard holds anyway
            stock.refresh_from_db(fields=["quantity"])
            raise SupplyRefused(_short(item=item, store=store, left=stock.quantity))
        movement = _move(
            actor=actor,
            stock=stock,
            kind=MovementKind.ISSUE,
            change=-quantity,
            unit=unit,
            request=request,
            note=note,
            now=now,
        )
        if request is not None:
            request.state = RequestState.ISSUED
            request.save(update_fields=["state"])
        total = Stock.objects.filter(item=item).aggregate(n=Sum("quantity"))["n"] or 0
        if total < item.low_stock:
            day = business_day(now)
            transaction.on_commit(lambda: _warn_low(item=item, total=total, day=day), robust=True)
    return movement


def _short(*, item: SupplyItem, store: Store, left: int) -> str:
    return _("Only %(n)d %(measure)s of %(item)s left in %(store)s.") % {
        "n": left,
        "measure": item.unit_of_measure,
        "item": item.name,
        "store": store.name,
    }


def supply_return(
    *,
    actor: User,
    store: Store,
    item: SupplyItem,
    quantity: Any,
    unit: Unit,
    note: Any = "",
    now: dt.datetime | None = None,
) -> SupplyMovement:
    """Take back into a store what a unit did not use."""
    return _stock_in(
        actor=actor,
        store=store,
        item=item,
        quantity=quantity,
        kind=MovementKind.RETURN,
        unit=unit,
        note=note,
        now=now,
    )


def stock_adjust(
    *,
    actor: User,
    store: Store,
    item: SupplyItem,
    counted: Any,
    reason: Any,
    now: dt.datetime | None = None,
) -> SupplyMovement:
    """Correct the stock to what was counted on the shelf, with the reason."""
    now = now or timezone.now()
    _keeper(actor)
    counted = _quantity(counted, what=_("count"), allow_zero=True)
    reason = _text(reason, limit=200, what=_("reason"), required=True)
    with transaction.atomic():
        stock = _locked_or_new_stock(store=store, item=item)
        change = counted - stock.quantity
        if change == 0:
            raise SupplyRefused(_("The count is what the books say: nothing to correct."))
        Stock.objects.filter(pk=stock.pk).update(quantity=counted)
        return _move(
            actor=actor,
            stock=stock,
            kind=MovementKind.ADJUSTMENT,
            change=change,
            unit=None,
            request=None,
            note=reason,
            now=now,
        )


# --- warnings ---------------------------------------------------------------------------------


def keepers() -> list[Person]:
    """The people who keep the stores today."""
    roles = [role for role, spec in ROLES.items() if Perm.KEEP_SUPPLIES in spec.perms]
    return list(
        Person.objects.filter(
            pk__in=Position.objects.active().filter(role__in=roles).values("person_id")
        ).order_by("number")
    )


def _warn_low(*, item: SupplyItem, total: int, day: dt.date) -> None:
    """Tell the keepers that an item runs low, once a day per item."""
    notify(
        key=f"supplies:low:{item.uid}:{day.isoformat()}",
        recipients=keepers(),
        subject=_("Low stock: %(item)s") % {"item": item.name},
        body=_("%(n)d %(measure)s of %(item)s left in all stores, below %(low)d.")
        % {"n": total, "measure": item.unit_of_measure, "item": item.name, "low": item.low_stock},
    )
