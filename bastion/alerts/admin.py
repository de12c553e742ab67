from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.alerts.models import Alert, AlertEvent, Reminder


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "at", "actor", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(RecordAdmin):
    list_display = ["summary", "person", "kind", "severity", "state", "owner", "level", "raised_at"]
    list_filter = ["state", "kind", "severity", "level"]
    list_select_related = ["person", "owner"]
    search_fields = ["=person__number", "person__name", "summary"]
    raw_id_fields = ["person", "owner", "checkin", "campaign"]
    inlines = [AlertEventInline]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Alert.objects.filter(scope.people_q(prefix="person__"))


@admin.register(AlertEvent)
class AlertEventAdmin(RecordAdmin):
    list_display = ["alert", "action", "at", "actor"]
    list_filter = ["action"]
    raw_id_fields = ["alert"]

    def scoped(self, scope: Scope) -> QuerySet:
        return AlertEvent.objects.filter(scope.people_q(prefix="alert__person__"))


@admin.register(Reminder)
class ReminderAdmin(RecordAdmin):
    """Rounds of reminders: counts only, so those who may use the admin see all of them."""

    list_display = ["day", "slot", "at", "people", "owners", "sent_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Reminder.objects.all()
