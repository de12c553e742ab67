"""Reporting once in the administration site: the outbox to the province, the member
universities and what they sent. Only those who see everyone (a province's or a university's
administrators) see them: they concern the whole instance, no unit's people."""

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bastion.accounts.admin_scoping import RecordAdmin, ScopedModelAdmin
from bastion.accounts.scoping import Scope
from bastion.province.models import Dispatch, DispatchState, Member, Receipt


@admin.register(Dispatch)
class DispatchAdmin(RecordAdmin):
    list_display = ["day", "version", "state", "attempts", "status", "created_at", "sent_at"]
    list_filter = ["state"]
    search_fields = ["=key"]
    readonly_fields = [f.name for f in Dispatch._meta.fields]
    actions = ["send_again"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Dispatch.objects.none()

    @admin.action(description=_("Send again (the province takes a repeat once)"))
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        """A report the province refused for good (it was wrong then, the province has been
        fixed since) goes back to the queue; the sweep sends it within a minute."""
        n = queryset.filter(state=DispatchState.REFUSED).update(
            state=DispatchState.PENDING, next_attempt_at=None
        )
        self.message_user(
            request,
            ngettext("%(n)d report will be sent again.", "%(n)d reports will be sent again.", n)
            % {"n": n},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The action needs it; the fields themselves are read-only.
        return ScopedModelAdmin.has_change_permission(self, request, obj)


@admin.register(Member)
class MemberAdmin(ScopedModelAdmin):
    """Registered with `bastion province_member`, which prints the key once."""

    list_display = ["unit", "is_active", "created_at"]
    list_select_related = ["unit"]
    search_fields = ["=unit__code", "unit__name"]
    fields = ["unit", "is_active", "created_at"]
    readonly_fields = ["unit", "created_at"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Member.objects.none()

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False


@admin.register(Receipt)
class ReceiptAdmin(RecordAdmin):
    list_display = ["member", "day", "version", "outcome", "status", "received_at"]
    list_filter = ["outcome", "day"]
    list_select_related = ["member__unit"]
    search_fields = ["=key", "=member__unit__code"]
    readonly_fields = [f.name for f in Receipt._meta.fields]

    def scoped(self, scope: Scope) -> QuerySet:
        return Receipt.objects.none()
