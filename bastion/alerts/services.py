"""Writing alerts: raise them from rule findings and keep the person's health status current.

Minimal first version by engineer A (check-in) against the agreed interface; engineer B owns
this file and extends it (acknowledge, close, escalate, periodic rules, notifications).
"""

import datetime as dt

from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.alerts.rules import SEVERITY_ORDER, Finding
from bastion.checkins.models import CheckIn
from bastion.org.models import HealthStatus, Person
from bastion.org.responsibility import owner_for


def alerts_sync_for_checkin(*, checkin: CheckIn, findings: list[Finding], now: dt.datetime) -> None:
    """Raise one alert per finding without a non-closed alert of its kind; refresh health."""
    person = checkin.person
    if findings:
        open_kinds = set(
            Alert.objects.filter(person=person)
            .exclude(state=AlertState.CLOSED)
            .values_list("kind", flat=True)
        )
        new = [f for f in findings if f.code not in open_kinds]
        if new:
            owner = owner_for(person, day=checkin.day)
            escalate_at = now + checkin.campaign.escalate_after
            alerts = Alert.objects.bulk_create(
                Alert(
                    campaign=checkin.campaign,
                    person=person,
                    kind=f.code,
                    severity=f.severity,
                    summary=f.summary,
                    day=checkin.day,
                    checkin=checkin,
                    owner=owner,
                    raised_at=now,
                    escalate_at=escalate_at,
                )
                for f in new
            )
            AlertEvent.objects.bulk_create(
                AlertEvent(alert=a, action=AlertEvent.Action.RAISED, at=now) for a in alerts
            )
    person_health_refresh(person=person, now=now)


def person_health_refresh(*, person: Person, now: dt.datetime) -> None:
    """Set the person's health status to the worst of their non-closed alerts (green if none)."""
    alerts = list(
        Alert.objects.filter(person=person)
        .exclude(state=AlertState.CLOSED)
        .values_list("severity", "summary")
    )
    status, reasons = HealthStatus.GREEN.value, []
    for severity, summary in alerts:
        if SEVERITY_ORDER.get(severity, 0) > SEVERITY_ORDER[status]:
            status = severity
        reasons.append(summary)
    reason = "；".join(reasons)[:200]
    if person.health_status == status and person.health_reason == reason:
        return
    Person.objects.filter(pk=person.pk).update(
        health_status=status,
        health_reason=reason,
        health_since=now if person.health_status != status else person.health_since,
    )
    person.health_status, person.health_reason = status, reason
