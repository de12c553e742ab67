from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet

from bastion.accounts.admin_scoping import ScopedModelAdmin
from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign, KeyArea


def _reevaluate_on_commit(key_area: KeyArea) -> None:
    """Who was in the area is re-evaluated in the background once the change is saved."""
    from bastion.tracing.tasks import key_area_reevaluate_task

    pk = key_area.pk
    transaction.on_commit(lambda: key_area_reevaluate_task(pk))


def _delete_key_area(key_area: KeyArea) -> None:
    """Close the alerts the area raised, then delete it (deleted, it could not find them)."""
    from bastion.tracing.services import key_area_delete

    key_area_delete(key_area=key_area)


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

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not KeyArea:
            super().save_formset(request, form, formset, change)
            return
        areas = formset.save(commit=False)
        for area in formset.deleted_objects:
            _delete_key_area(area)
        for area in areas:
            area.save()
            _reevaluate_on_commit(area)
        formset.save_m2m()


@admin.register(KeyArea)
class KeyAreaAdmin(ScopedModelAdmin):
    list_display = ["division", "__str__", "risk_level", "from_date", "to_date", "campaign"]
    list_filter = ["risk_level", "campaign"]

    def scoped(self, scope: Scope) -> QuerySet:
        return KeyArea.objects.all()

    def save_model(self, request, obj: KeyArea, form, change) -> None:
        super().save_model(request, obj, form, change)
        _reevaluate_on_commit(obj)

    def delete_model(self, request, obj: KeyArea) -> None:
        _delete_key_area(obj)

    def delete_queryset(self, request, queryset: QuerySet) -> None:
        for area in queryset:
            _delete_key_area(area)
