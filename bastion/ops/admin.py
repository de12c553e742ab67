"""The periodic jobs' claims in the administration site: which worker ran what, read-only."""

from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.scoping import Scope
from bastion.ops.models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(RecordAdmin):
    """No personal data: those who may use the admin see all of them."""

    list_display = ["task", "slot", "worker", "claimed_at"]
    list_filter = ["task"]
    search_fields = ["task", "worker"]

    def scoped(self, scope: Scope) -> QuerySet:
        return PeriodicRun.objects.all()
