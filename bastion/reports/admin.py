from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.reports.models import DailyReport, UnitDayCount, UrgentRecipient, UrgentReport


@admin.register(UnitDayCount)
class UnitDayCountAdmin(RecordAdmin):
    list_display = ["unit", "day", "expected", "checked_in", "late", "abnormal", "key_area"]
    list_filter = ["day"]
    list_select_related = ["unit"]
    search_fields = ["=unit__code", "unit__name"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return UnitDayCount.objects.filter(unit__in=scope.units())


@admin.register(DailyReport)
class DailyReportAdmin(RecordAdmin):
    list_display = ["unit", "day", "is_zero", "is_late", "submitted_by", "submitted_at"]
    list_filter = ["is_zero", "is_late", "day"]
    list_select_related = ["unit", "submitted_by"]
    search_fields = ["=unit__code", "unit__name"]

    def scoped(self, scope: Scope) -> QuerySet:
        return DailyReport.objects.filter(unit__in=scope.units())


class UrgentRecipientInline(admin.TabularInline):
    model = UrgentRecipient
    extra = 0
    can_delete = False
    readonly_fields = ["person", "notified_at", "acknowledged_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UrgentReport)
class UrgentReportAdmin(RecordAdmin):
    list_display = ["kind", "unit", "person", "reported_by", "reported_at"]
    list_filter = ["kind"]
    list_select_related = ["unit", "person", "reported_by"]
    inlines = [UrgentRecipientInline]

    def scoped(self, scope: Scope) -> QuerySet:
        return UrgentReport.objects.filter(unit__in=scope.units())


@admin.register(UrgentRecipient)
class UrgentRecipientAdmin(RecordAdmin):
    list_display = ["report", "person", "notified_at", "acknowledged_at"]
    raw_id_fields = ["report", "person"]

    def scoped(self, scope: Scope) -> QuerySet:
        return UrgentRecipient.objects.filter(report__unit__in=scope.units())
