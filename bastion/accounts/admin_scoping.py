"""The admin's door to data: every admin list and form goes through the scope, as pages do.

Permissions come from the role table, not from Django's per-model permissions: viewing needs
`Perm.ADMIN`, adding, changing and deleting need `Perm.MANAGE_ORG`; superusers may do all.
An object out of scope is missing from `get_queryset`, so its change page answers 404.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of


class ScopedAdminMixin:
    """Mix into a ModelAdmin and define `scoped(scope)`: the queryset the scope may see."""

    def scoped(self, scope: Scope) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        scope = scope_of(request.user)
        if request.user.is_superuser or scope.everyone:
            return queryset
        return queryset.filter(pk__in=self.scoped(scope).values("pk"))

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """Offer (and accept) only related objects in scope, e.g. no unit out of reach."""
        related = self.admin_site._registry.get(db_field.related_model)  # type: ignore[attr-defined]
        if isinstance(related, ScopedAdminMixin) and "queryset" not in kwargs:
            kwargs["queryset"] = related.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    # --- permissions from the role table ---------------------------------------------------

    @staticmethod
    def _may(request: HttpRequest, perm: Perm) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or scope_of(user).has(perm))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, Perm.ADMIN)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, Perm.ADMIN)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._may(request, Perm.ADMIN) and self._may(request, Perm.MANAGE_ORG)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, Perm.ADMIN) and self._may(request, Perm.MANAGE_ORG)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, Perm.ADMIN) and self._may(request, Perm.MANAGE_ORG)


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """A ModelAdmin whose lists, forms and permissions all go through the scope."""


class RecordAdmin(ScopedModelAdmin):
    """A record that only services write (check-ins, alerts, reports): listed, never edited.

    Editing it here would skip what its service keeps true (hot facts, counts, history).
    """

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
