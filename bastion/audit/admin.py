"""The trail in the administration site: read-only, for the readers of the trail (audit.read);
a discipline case's entries only for discipline inspection, as on the trail page. Nothing is
added, changed or deleted here: an entry changed would no longer match its mac anyway."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.models import AuditEntry, AuditHead
from bastion.audit.registry import REGISTRY


class _TrailAdmin(RecordAdmin):
    """Listed, never edited, for those who use the admin and read the trail (audit.read)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and self._may(request, Perm.READ_AUDIT)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._may(request, Perm.READ_AUDIT)


@admin.register(AuditEntry)
class AuditEntryAdmin(_TrailAdmin):
    """For the readers of the trail; its own rule of what each sees, not the people scope."""

    list_display = ["at", "actor_label", "ip", "action", "target", "target_id", "seq"]
    list_filter = ["action", "target"]
    search_fields = ["target_id", "actor_label", "ip"]
    ordering = ["-pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        # Not the scope's filter (entries are no one's records): the trail's rule below.
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        scope = scope_of(request.user)
        hidden = [s.label for s in REGISTRY if s.perm is not None and not scope.has(s.perm)]
        return queryset.exclude(target__in=hidden)


@admin.register(AuditHead)
class AuditHeadAdmin(_TrailAdmin):
    """The chain's head."""

    list_display = ["seq", "chain", "sealed_at"]

    def scoped(self, scope: Scope) -> QuerySet[AuditHead]:
        return AuditHead.objects.all()
