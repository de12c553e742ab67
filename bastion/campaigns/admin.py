from django.contrib import admin
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import ScopedModelAdmin
from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign, KeyArea


class KeyAreaInline(admin.TabularInline):
    model = KeyArea
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedModelAdmin):
    """Campaigns hold no personal data: those who may use the admin see all of them."""

    list_display = ["name", "disease", "starts_on", "ends_on", "is_active", "exception_reporting"]
    list_filter = ["is_active", "disease"]
    inlines = [KeyAreaInline]

    def scoped(self, scope: Scope) -> QuerySet:
        return Campaign.objects.all()


@admin.register(KeyArea)
class KeyAreaAdmin(ScopedModelAdmin):
    list_display = ["division", "__str__", "risk_level", "from_date", "to_date", "campaign"]
    list_filter = ["risk_level", "campaign"]

    def scoped(self, scope: Scope) -> QuerySet:
        return KeyArea.objects.all()
