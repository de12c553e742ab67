"""The admin for accounts and API tokens, scoped to the accounts of people in reach.

Only a superuser sees accounts linked to nobody (other administrators), and only a superuser
may grant admin rights: the role table, not Django's flags, decides what a person may do.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bastion.accounts.admin_scoping import ScopedAdminMixin, ScopedModelAdmin
from bastion.accounts.lockouts import login_lockouts_end
from bastion.accounts.models import ApiToken, LoginFailure, LoginLockout, User
from bastion.accounts.scoping import Scope
from bastion.accounts.services import token_revoke

_SUPERUSER_ONLY = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "person", "is_active", "must_change_password", "last_login"]
    list_filter = ["is_active", "must_change_password", "is_superuser"]
    list_select_related = ["person"]
    search_fields = ["=username", "person__name"]
    raw_id_fields = ["person"]
    fieldsets = [
        (None, {"fields": ["username", "password", "person"]}),
        (
            _("Status"),
            {"fields": ["is_active", "must_change_password", "last_login", "date_joined"]},
        ),
        (_("Administrator rights"), {"fields": list(_SUPERUSER_ONLY)}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "person", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def scoped(self, scope: Scope) -> QuerySet:
        return User.objects.filter(person__in=scope.people().values("pk"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(person__isnull=False)  # scope.everyone keeps them
        return queryset

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += _SUPERUSER_ONLY
        return fields


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    """Tokens are issued with `bastion issue_token` (the raw value is shown once); here revoked."""

    list_display = [
        "hint",
        "user",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["=user__username", "name", "hint"]
    fields = ["user", "name", "hint", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["user", "hint", "created_at", "expires_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def scoped(self, scope: Scope) -> QuerySet:
        return ApiToken.objects.filter(user__person__in=scope.people().values("pk"))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(user__person__isnull=False)
        return queryset

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for token in queryset:
            token_revoke(token=token)
        self.message_user(request, _("Revoked."))


@admin.register(LoginFailure)
class LoginFailureAdmin(ScopedModelAdmin):
    """The wrong passwords being counted now (those of the last window), read only."""

    list_display = ["key", "kind", "at"]
    list_filter = ["kind"]
    search_fields = ["=key"]
    readonly_fields = ["kind", "key", "at"]

    def scoped(self, scope: Scope) -> QuerySet:
        accounts = User.objects.filter(person__in=scope.people().values("pk"))
        return LoginFailure.objects.filter(
            kind=LoginFailure.Kind.ACCOUNT, key__in=accounts.values("username")
        )

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(LoginLockout)
class LoginLockoutAdmin(ScopedModelAdmin):
    """Who was locked out of logging in, when, from where: kept for the audit. A lockout may
    be ended early (the row stays); address lockouts are seen by those who see everyone."""

    list_display = ["key", "kind", "failures", "address", "via", "started_at", "until"]
    list_filter = ["kind", "via"]
    search_fields = ["=key", "=address"]
    date_hierarchy = "started_at"
    readonly_fields = ["kind", "key", "failures", "address", "via", "started_at", "until"]
    actions = ["end_now"]

    def scoped(self, scope: Scope) -> QuerySet:
        accounts = User.objects.filter(person__in=scope.people().values("pk"))
        return LoginLockout.objects.filter(
            kind=LoginFailure.Kind.ACCOUNT, key__in=accounts.values("username")
        )

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("End the selected lockouts now"))
    def end_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        ended = login_lockouts_end(lockouts=queryset)
        self.message_user(request, _("%(count)d lockouts ended.") % {"count": ended})
