from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.tracing.models import Trip


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
