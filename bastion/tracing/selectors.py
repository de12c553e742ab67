"""Reads of trips: always through the viewer's scope."""

from django.db.models import QuerySet

from bastion.accounts.scoping import Scope
from bastion.tracing.models import Trip


def trips_visible(*, scope: Scope) -> QuerySet[Trip]:
    """The trips of the people in the viewer's reach (a student: their own), newest first."""
    return (
        Trip.objects.filter(scope.people_q(prefix="person__"))
        .select_related("person")
        .order_by("-departs_on", "-registered_at")
    )
