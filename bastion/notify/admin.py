"""The outbox in the administration site: read-only, scoped to recipients in reach."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bastion.accounts.admin_scoping import ScopedModelAdmin
from bastion.accounts.scoping import Scope
from bastion.notify.models import Notification


class DeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin):
        return [("sent", _("Sent")), ("failed", _("Failed")), ("pending", _("Pending"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True).exclude(error="")
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, error="")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    """Who was told what, through which channel, and whether it went out."""

    list_display = ["subject", "channel", "recipient", "created_at", "sent_at", "attempts"]
    list_filter = [DeliveryFilter, "channel"]
    list_select_related = ["recipient"]
    search_fields = ["=key", "subject", "=recipient__number"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def scoped(self, scope: Scope) -> QuerySet:
        # Group-robot messages have no recipient: only those who see everyone read them.
        return Notification.objects.filter(recipient__in=scope.people().values("pk"))

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
