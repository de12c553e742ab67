"""Supplies in the scoped admin: listed for the keepers, written by the services (every
movement of stock goes through one, so the ledger balances)."""

from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.supplies.models import Stock, Store, SupplyItem, SupplyMovement, SupplyRequest


class _KeeperAdmin(RecordAdmin):
    def scoped(self, scope: Scope) -> QuerySet:
        everything = self.model.objects.all()
        return everything if scope.has(Perm.KEEP_SUPPLIES) else everything.none()


@admin.register(SupplyItem)
class SupplyItemAdmin(_KeeperAdmin):
    list_display = ["name", "unit_of_measure", "low_stock"]


@admin.register(Store)
class StoreAdmin(_KeeperAdmin):
    list_display = ["name", "unit"]
    raw_id_fields = ["unit"]


@admin.register(Stock)
class StockAdmin(_KeeperAdmin):
    list_display = ["item", "store", "quantity"]


@admin.register(SupplyRequest)
class SupplyRequestAdmin(RecordAdmin):
    list_display = ["unit", "item", "quantity", "priority", "state", "requested_at"]
    list_filter = ["state"]
    raw_id_fields = ["unit", "item", "requested_by", "decided_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        if scope.has(Perm.KEEP_SUPPLIES):
            return SupplyRequest.objects.all()
        return SupplyRequest.objects.filter(unit__in=scope.units())


@admin.register(SupplyMovement)
class SupplyMovementAdmin(_KeeperAdmin):
    list_display = ["at", "item", "store", "kind", "change", "balance", "unit"]
    list_filter = ["kind"]
    raw_id_fields = ["item", "store", "unit", "request", "by"]
    show_full_result_count = False
