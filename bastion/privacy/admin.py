"""Consent records in the scoped admin: evidence to look up, never to edit."""

from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.privacy.models import ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(RecordAdmin):
    list_display = ["user", "version", "agreed", "at", "channel", "ip"]
    list_filter = ["agreed", "channel", "version"]
    list_select_related = ["user"]
    search_fields = ["=user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "at"

    def scoped(self, scope: Scope) -> QuerySet:
        return ConsentRecord.objects.filter(scope.people_q(prefix="user__person__"))
