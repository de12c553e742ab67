"""The trail in the administration site: read-only, for the readers of the trail (audit.read);
a discipline case's entries only for discipline inspection, as on the trail page. Nothing is
added, changed or deleted here: an entry changed would no longer match its mac anyway."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.models import AuditEntry, AuditHead
from bastion.audit.registry import REGISTRY


class _ReadOnly(admin.ModelAdmin):
    def _may_view(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active:
            return False
        scope = scope_of(user)
        return user.is_superuser or (scope.has(Perm.ADMIN) and scope.has(Perm.READ_AUDIT))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(_ReadOnly):
    list_display = ["at", "actor_label", "ip", "action", "target", "target_id", "seq"]
    list_filter = ["action", "target"]
    search_fields = ["target_id", "actor_label", "ip"]
    ordering = ["-pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        scope = scope_of(request.user)
        hidden = [s.label for s in REGISTRY if s.perm is not None and not scope.has(s.perm)]
        return queryset.exclude(target__in=hidden)


@admin.register(AuditHead)
class AuditHeadAdmin(_ReadOnly):
    list_display = ["seq", "chain", "sealed_at"]
