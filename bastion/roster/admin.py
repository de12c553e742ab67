"""Imports in the administration site: read-only, and only one's own unless one sees everyone."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.roster.models import RosterImport


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "actor",
        "status",
        "total",
        "created",
        "updated",
        "unchanged",
        "error_count",
        "created_at",
    ]
    list_filter = ["status"]
    exclude = ["content"]
    readonly_fields = [f.name for f in RosterImport._meta.fields if f.name != "content"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RosterImport]:
        queryset = super().get_queryset(request).defer("content").select_related("actor")
        if request.user.is_superuser or scope_of(request.user).everyone:
            return queryset
        return queryset.filter(actor=request.user)

    def _may_view(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or scope_of(user).has(Perm.ADMIN))

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
