"""Campus records in the scoped admin: listed for inspection, written only by their services
(the pages and the API), except the semester plan, which its own page also edits."""

from django.contrib import admin
from django.db.models import Q, QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.campus.models import (
    AccessLog,
    ContingencyPlan,
    ContingencyPlanVersion,
    KeyPlace,
    LeaveApplication,
    ReturnApplication,
    ReturnReview,
    SemesterPlan,
    Stay,
    Visitor,
)


@admin.register(SemesterPlan)
class SemesterPlanAdmin(RecordAdmin):
    list_display = ["campaign", "semester_starts_on", "deferred_start_on", "daily_capacity"]

    def scoped(self, scope: Scope) -> QuerySet:
        return SemesterPlan.objects.all() if scope.everyone else SemesterPlan.objects.none()


@admin.register(Stay)
class StayAdmin(RecordAdmin):
    list_display = ["person", "campaign", "reason", "added_at"]
    list_select_related = ["person", "campaign"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "campaign", "added_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Stay.objects.filter(scope.people_q(prefix="person__"))


@admin.register(ReturnApplication)
class ReturnApplicationAdmin(RecordAdmin):
    list_display = ["person", "planned_on", "state", "scheduled_on", "submitted_at"]
    list_filter = ["state", "planned_on"]
    list_select_related = ["person"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "campaign", "submitted_by"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return ReturnApplication.objects.filter(scope.people_q(prefix="person__"))


@admin.register(ReturnReview)
class ReturnReviewAdmin(RecordAdmin):
    list_display = ["application", "stage", "state", "actor", "at"]
    list_filter = ["stage", "state"]
    list_select_related = ["application__person", "actor"]
    raw_id_fields = ["application", "actor"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return ReturnReview.objects.filter(scope.people_q(prefix="application__person__"))


@admin.register(LeaveApplication)
class LeaveApplicationAdmin(RecordAdmin):
    list_display = ["person", "destination", "leaves_at", "returns_by", "state"]
    list_filter = ["state"]
    list_select_related = ["person"]
    search_fields = ["=person__number", "person__name", "destination"]
    raw_id_fields = ["person", "campaign", "decided_by"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return LeaveApplication.objects.filter(scope.people_q(prefix="person__"))


@admin.register(AccessLog)
class AccessLogAdmin(RecordAdmin):
    list_display = ["at", "gate", "place", "direction", "person", "visitor", "admitted", "reason"]
    list_filter = ["admitted", "direction"]
    list_select_related = ["person", "visitor", "place"]
    search_fields = ["=person__number", "person__name", "gate"]
    raw_id_fields = ["person", "visitor", "place", "checked_by"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return AccessLog.objects.filter(scope.people_q(prefix="person__"))


@admin.register(KeyPlace)
class KeyPlaceAdmin(RecordAdmin):
    list_display = ["name", "kind", "unit", "capacity", "occupancy", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "allowed"]

    def scoped(self, scope: Scope) -> QuerySet:
        return KeyPlace.objects.filter(unit__in=scope.units())


@admin.register(Visitor)
class VisitorAdmin(RecordAdmin):
    list_display = ["name", "organization", "host", "valid_from", "valid_until", "revoked_at"]
    list_select_related = ["host"]
    search_fields = ["name", "=host__number"]
    raw_id_fields = ["host", "registered_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Visitor.objects.filter(scope.people_q(prefix="host__"))


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(RecordAdmin):
    list_display = ["title", "unit", "campaign", "created_at"]
    list_select_related = ["unit", "campaign"]
    raw_id_fields = ["unit", "campaign"]

    def scoped(self, scope: Scope) -> QuerySet:
        return ContingencyPlan.objects.filter(Q(unit__in=scope.units()))


@admin.register(ContingencyPlanVersion)
class ContingencyPlanVersionAdmin(RecordAdmin):
    list_display = ["plan", "number", "file_name", "uploaded_by", "uploaded_at"]
    list_select_related = ["plan", "uploaded_by"]
    raw_id_fields = ["plan", "uploaded_by"]
    exclude = ["content"]

    def scoped(self, scope: Scope) -> QuerySet:
        return ContingencyPlanVersion.objects.filter(plan__unit__in=scope.units())
