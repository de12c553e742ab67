"""Reading supplies: stock per item and store with low-stock flags, requests to decide, the
allocation queue, a unit's requests, an item's ledger."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from bastion.accounts.models import User
from bastion.supplies.models import (
    RequestState,
    Stock,
    Store,
    SupplyItem,
    SupplyMovement,
    SupplyRequest,
)
from bastion.supplies.services import requestable_units


@dataclass
class ItemStock:
    """One item: its stock in each store, its total, and whether that is below the warning."""

    item: SupplyItem
    stocks: list[Stock] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.quantity for s in self.stocks)

    @property
    def low(self) -> bool:
        return self.total < self.item.low_stock


def stock_overview() -> list[ItemStock]:
    """Every item with its stock per store (two queries)."""
    rows = {item.pk: ItemStock(item) for item in SupplyItem.objects.order_by("name")}
    for stock in Stock.objects.select_related("store").order_by("store__name"):
        rows[stock.item_id].stocks.append(stock)
    return list(rows.values())


def _requests() -> QuerySet[SupplyRequest]:
    return SupplyRequest.objects.select_related("unit", "item", "requested_by__person")


def requests_to_decide() -> QuerySet[SupplyRequest]:
    """Pending requests, the front line and the hospital first, then oldest first."""
    return _requests().filter(state=RequestState.PENDING).order_by("-priority", "requested_at")


def allocation_queue() -> QuerySet[SupplyRequest]:
    """Approved requests to issue, in the order supplies go out: priority, then time."""
    return _requests().filter(state=RequestState.APPROVED).order_by("-priority", "requested_at")


def requests_of_units(units: Iterable) -> QuerySet[SupplyRequest]:
    return _requests().filter(unit__in=list(units)).order_by("-requested_at")


def my_requests(actor: User) -> QuerySet[SupplyRequest]:
    """The requests of the units `actor` may request for."""
    return requests_of_units(requestable_units(actor))


def item_ledger(item: SupplyItem, *, store: Store | None = None) -> QuerySet[SupplyMovement]:
    """The item's movements in order, each with its balance after."""
    rows = SupplyMovement.objects.filter(item=item)
    if store is not None:
        rows = rows.filter(store=store)
    return rows.select_related("store", "unit", "request", "by__person").order_by("at", "pk")


def stores() -> QuerySet[Store]:
    return Store.objects.select_related("unit").order_by("name")


def items() -> QuerySet[SupplyItem]:
    return SupplyItem.objects.order_by("name")
