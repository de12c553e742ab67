from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.tracing.models import (
    CareLog,
    Case,
    CaseEvent,
    Cluster,
    Contact,
    Isolation,
    IsolationEvent,
    Trip,
)


@admin.register(Trip)
class TripAdmin(RecordAdmin):
    list_display = ["person", "origin", "destination", "departs_on", "arrives_on", "number"]
    list_filter = ["transport", "source", "departs_on"]
    list_select_related = ["person"]
    search_fields = ["=person__number", "person__name", "=number"]
    raw_id_fields = ["person", "registered_by", "campaign"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Trip.objects.filter(scope.people_q(prefix="person__"))


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "at", "actor", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(RecordAdmin):
    list_display = ["person", "status", "discovered_at", "reported_at", "isolated_at", "treated_at"]
    list_filter = ["status", "campaign"]
    list_select_related = ["person"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "campaign", "urgent_report", "recorded_by"]
    inlines = [CaseEventInline]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Case.objects.filter(scope.people_q(prefix="person__"))


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    list_display = ["person", "case", "setting", "closeness", "exposure_on", "state", "degree"]
    list_filter = ["state", "closeness", "setting", "degree"]
    list_select_related = ["person", "case", "case__person"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["case", "person", "source", "decided_by"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Contact.objects.filter(scope.people_q(prefix="person__"))


class IsolationEventInline(admin.TabularInline):
    model = IsolationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "at", "actor", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Isolation)
class IsolationAdmin(RecordAdmin):
    list_display = ["person", "kind", "state", "starts_on", "planned_end_on", "carer"]
    list_filter = ["state", "kind", "campaign"]
    list_select_related = ["person", "carer"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "campaign", "key_area", "contact", "case", "carer"]
    inlines = [IsolationEventInline]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Isolation.objects.filter(scope.people_q(prefix="person__"))


@admin.register(CareLog)
class CareLogAdmin(RecordAdmin):
    list_display = ["isolation", "carer", "at", "channel"]
    list_filter = ["channel"]
    list_select_related = ["isolation", "carer"]
    search_fields = ["=isolation__person__number", "isolation__person__name"]
    raw_id_fields = ["isolation", "carer", "logged_by"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return CareLog.objects.filter(scope.people_q(prefix="isolation__person__"))


@admin.register(CaseEvent)
class CaseEventAdmin(RecordAdmin):
    list_display = ["case", "status", "at", "actor"]
    list_filter = ["status"]
    list_select_related = ["case__person", "actor"]
    search_fields = ["=case__person__number", "case__person__name"]
    raw_id_fields = ["case", "actor"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return CaseEvent.objects.filter(scope.people_q(prefix="case__person__"))


@admin.register(IsolationEvent)
class IsolationEventAdmin(RecordAdmin):
    list_display = ["isolation", "action", "at", "actor"]
    list_filter = ["action"]
    list_select_related = ["isolation__person", "actor"]
    search_fields = ["=isolation__person__number", "isolation__person__name"]
    raw_id_fields = ["isolation", "actor"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return IsolationEvent.objects.filter(scope.people_q(prefix="isolation__person__"))


@admin.register(Cluster)
class ClusterAdmin(RecordAdmin):
    list_display = ["group_name", "group", "unit", "first_day", "raised_at", "is_open"]
    list_filter = ["group", "is_open"]
    list_select_related = ["unit"]
    search_fields = ["group_name", "=unit__code"]
    raw_id_fields = ["campaign", "unit", "people", "urgent_report"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Cluster.objects.filter(unit__in=scope.units())
