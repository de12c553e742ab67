"""Reads of alerts. Every list starts from the actor's scope: out of reach is missing."""

import datetime as dt
import uuid

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from bastion.accounts.scoping import Scope
from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.campaigns.models import Campaign
from bastion.checkins.selectors import missing_people
from bastion.org.models import Person

STATES = tuple(AlertState.values)
# Most severe first: red before yellow, whatever the alphabet says.
SEVERITY_RANK = Case(
    When(severity="red", then=Value(0)),
    When(severity="yellow", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def alerts_visible(*, scope: Scope) -> QuerySet[Alert]:
    """The alerts of the people in scope, with what a list shows."""
    return Alert.objects.filter(scope.people_q(prefix="person__")).select_related(
        "person", "person__unit", "owner"
    )


def _mine_q(person_id: int | None) -> Q:
    if person_id is None:
        return Q(pk__in=[])
    escalated = Alert.escalated_to.through.objects.filter(person_id=person_id).values("alert_id")
    return Q(owner_id=person_id) | Q(pk__in=escalated)


def alert_queue(*, scope: Scope, state: str = AlertState.OPEN) -> QuerySet[Alert]:
    """An owner's queue: alerts in scope owned by them or escalated to them, worst first."""
    return (
        alerts_visible(scope=scope)
        .filter(_mine_q(scope.person_id), state=state)
        .order_by(SEVERITY_RANK, "-raised_at", "-pk")
    )


def alert_queue_counts(*, scope: Scope) -> dict[str, int]:
    """How many alerts of the queue are in each state (one grouped query)."""
    rows = (
        Alert.objects.filter(scope.people_q(prefix="person__"))
        .filter(_mine_q(scope.person_id))
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts


def alerts_list(*, scope: Scope, state: str | None = None, mine: bool = False) -> QuerySet[Alert]:
    """Alerts in scope for the API: optionally one state, optionally only the actor's queue."""
    alerts = alerts_visible(scope=scope)
    if state:
        alerts = alerts.filter(state=state)
    if mine:
        alerts = alerts.filter(_mine_q(scope.person_id))
    return alerts.order_by("-raised_at", "-pk")


def alert_or_404(*, scope: Scope, uid: uuid.UUID | str) -> Alert:
    """One alert by its uid, if its person is in scope; missing and forbidden look the same."""
    try:
        uid = uuid.UUID(str(uid))
    except ValueError:
        raise Http404 from None
    alert = alerts_visible(scope=scope).select_related("campaign").filter(uid=uid).first()
    if alert is None:
        raise Http404
    return alert


def alert_events(*, alert: Alert) -> QuerySet[AlertEvent]:
    """The history of an alert, oldest first, with who acted."""
    return alert.events.select_related("actor", "actor__person").order_by("at", "pk")


def alerts_of_person(*, person: Person) -> QuerySet[Alert]:
    """A person's own alerts, newest first."""
    return Alert.objects.filter(person=person).select_related("owner").order_by("-raised_at")


def missing_in_reach(
    *, scope: Scope, campaign: Campaign, day: dt.date, limit: int = 200
) -> tuple[int, list[Person]]:
    """Who in the actor's reach has not checked in for `day`: the count and the first rows."""
    people = missing_people(scope=scope, campaign=campaign, day=day)
    if scope.person_id is not None:
        people = people.exclude(pk=scope.person_id)
    rows = list(people.select_related("unit", "grid").order_by("unit__path", "number")[:limit])
    count = len(rows) if len(rows) < limit else people.count()
    return count, rows
