"""The admin for the organization, scoped like every page (see accounts/admin_scoping.py).

Positions are scoped by their holder: a position is a fact about a person, so it is visible
when its person is, whatever it is held over.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from bastion.accounts.admin_scoping import ScopedAdminMixin, ScopedModelAdmin
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.org.models import Grid, PartyOrg, Person, Position, Unit


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind", "party_org"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["party_org"]

    def scoped(self, scope: Scope) -> QuerySet:
        return scope.units()


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedAdminMixin, TreeAdmin):
    form = movenodeform_factory(PartyOrg)
    list_display = ["name", "code", "kind", "post", "started_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "post"]

    def scoped(self, scope: Scope) -> QuerySet:
        return scope.party_orgs()


@admin.register(Grid)
class GridAdmin(ScopedModelAdmin):
    list_display = ["name", "unit", "kind"]
    list_filter = ["kind"]
    list_select_related = ["unit"]
    search_fields = ["name", "unit__name", "unit__code"]
    raw_id_fields = ["unit"]

    def scoped(self, scope: Scope) -> QuerySet:
        return scope.grids()


def _positions_of_people_in(scope: Scope) -> QuerySet:
    return Position.objects.filter(person__in=scope.people().values("pk"))


class PositionInline(ScopedAdminMixin, admin.TabularInline):
    model = Position
    extra = 0
    raw_id_fields = ["unit", "party_org", "grid"]

    def scoped(self, scope: Scope) -> QuerySet:
        return _positions_of_people_in(scope)


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    list_display = ["number", "name", "kind", "unit", "political_status", "id_number"]
    list_filter = ["kind", "political_status", "gender"]
    list_select_related = ["unit"]
    search_fields = ["=number", "name"]
    raw_id_fields = ["unit", "grid", "party_branch"]
    show_full_result_count = False  # one COUNT of 50,000 rows per page view is enough
    inlines = [PositionInline]

    def scoped(self, scope: Scope) -> QuerySet:
        return scope.people()

    @admin.display(description=_("ID card number"))
    def id_number_masked(self, obj: Person) -> str:
        return obj.id_number_masked

    def get_list_display(self, request: HttpRequest):
        """The ID card number column shows the number only to those who may see it."""
        if self._may(request, Perm.VIEW_ID_NUMBER):
            return self.list_display
        return [f if f != "id_number" else "id_number_masked" for f in self.list_display]

    def get_exclude(self, request: HttpRequest, obj: Person | None = None):
        hidden = []
        if not self._may(request, Perm.VIEW_ID_NUMBER):
            hidden.append("id_number")
        if not self._may(request, Perm.VIEW_PHONE):
            hidden.append("phone")
        return hidden


@admin.register(Position)
class PositionAdmin(ScopedModelAdmin):
    list_display = ["person", "role", "unit", "party_org", "grid", "starts_on", "ends_on"]
    list_filter = ["role"]
    list_select_related = ["person", "unit", "party_org", "grid__unit"]
    search_fields = ["=person__number", "person__name"]
    raw_id_fields = ["person", "unit", "party_org", "grid"]
    date_hierarchy = "starts_on"

    def scoped(self, scope: Scope) -> QuerySet:
        return _positions_of_people_in(scope)
