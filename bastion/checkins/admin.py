from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.checkins.models import CheckIn, CheckInRevision


@admin.register(CheckIn)
class CheckInAdmin(RecordAdmin):
    list_display = ["person", "day", "temperature", "status", "is_late", "is_proxy", "revision"]
    list_filter = ["status", "is_late", "is_proxy", "day"]
    list_select_related = ["person"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "submitted_by", "campaign"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return CheckIn.objects.filter(scope.people_q(prefix="person__"))


@admin.register(CheckInRevision)
class CheckInRevisionAdmin(RecordAdmin):
    list_display = ["checkin", "revision", "replaced_at"]
    raw_id_fields = ["checkin"]

    def scoped(self, scope: Scope) -> QuerySet:
        return CheckInRevision.objects.filter(scope.people_q(prefix="checkin__person__"))
