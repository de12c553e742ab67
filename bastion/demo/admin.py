from django.contrib import admin

from bastion.demo.models import DemoAccount


@admin.register(DemoAccount)
class DemoAccountAdmin(admin.ModelAdmin):
    """Read-only, for superusers: which logins the demo printed (no personal data)."""

    list_display = ("order", "kind", "username", "duty")

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
