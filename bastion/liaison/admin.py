"""Community contacts, hand-overs and students' care requests in the scoped admin."""

from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.liaison.models import CareRequest, CommunityContact, Handover


@admin.register(CommunityContact)
class CommunityContactAdmin(RecordAdmin):
    list_display = ["organization", "name", "kind", "unit", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["unit"]

    def scoped(self, scope: Scope) -> QuerySet:
        return CommunityContact.objects.filter(unit__in=scope.units())


@admin.register(Handover)
class HandoverAdmin(RecordAdmin):
    list_display = ["isolation", "contact", "handed_over_at", "acknowledged_at"]
    raw_id_fields = ["isolation", "contact", "by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Handover.objects.filter(scope.people_q(prefix="isolation__person__"))


@admin.register(CareRequest)
class CareRequestAdmin(RecordAdmin):
    list_display = ["person", "kind", "state", "handler", "requested_at", "done_at"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["person", "handler"]

    def scoped(self, scope: Scope) -> QuerySet:
        return CareRequest.objects.filter(scope.people_q(prefix="person__"))
