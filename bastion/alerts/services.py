"""Writing alerts: raise them (from check-ins and the clock), acknowledge, close, escalate, remind.

Every change of an alert writes an AlertEvent; messages go through the outbox
(`notify.services.notify`), keyed so that a retry or a second worker sends nothing twice.
"""

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import EVERYTHING, scope_of
from bastion.alerts.missing import MISSING_KINDS, NOT_ABOUT_HEALTH, PERIODIC_RULES
from bastion.alerts.models import Alert, AlertEvent, AlertState, Reminder
from bastion.alerts.rules import ABNORMAL_KINDS, SEVERITY_ORDER, Finding
from bastion.audit.models import Action
from bastion.audit.services import audit_bulk, audit_update
from bastion.campaigns.models import Campaign, KeyArea
from bastion.checkins.models import CheckIn
from bastion.checkins.selectors import missing_people
from bastion.lib.chunks import CHUNK, chunks
from bastion.lib.days import SHANGHAI, at, business_day
from bastion.lib.refusals import Refused
from bastion.notify.services import Message, notify, notify_group, notify_many
from bastion.org.models import HealthStatus, Person, Unit
from bastion.org.responsibility import chains_of, owner_for

NOTE_MAX = 2000


class AlertRefused(Refused):
    """An alert action that may not happen: a message a person understands, nothing written.

    `status` is the HTTP answer: 404 when the alert is out of reach (the same as missing),
    409 when its state does not allow the action, 400 for bad input.
    """


def _not_found() -> AlertRefused:
    return AlertRefused(_("Not found, or not in your reach."), status=404)


def _digest(parts: Iterable[str]) -> str:
    """A short stable name for a set of things, for outbox keys of grouped messages."""
    return hashlib.sha256("|".join(sorted(parts)).encode()).hexdigest()[:16]


# --- health: the hot facts on the person row ------------------------------------------------


def _health_of(live: Iterable[tuple[str, str, str]]) -> tuple[str, str]:
    """(status, reason) from (kind, severity, summary) of the non-closed alerts.

    Kinds not about health do not count: not reporting is not being ill, a carer's missed
    call is not the person's fever (see alerts.missing).
    """
    status, reasons = HealthStatus.GREEN.value, []
    for kind, severity, summary in live:
        if kind in NOT_ABOUT_HEALTH:
            continue
        if SEVERITY_ORDER.get(severity, 0) > SEVERITY_ORDER[status]:
            status = severity
        reasons.append(summary)
    return status, "；".join(reasons)[:200]


def _health_set(person: Person, live: Iterable[tuple[str, str, str]], now: dt.datetime) -> bool:
    """Set the person's health fields in memory from their live alerts; True if they changed."""
    status, reason = _health_of(live)
    if person.health_status == status and person.health_reason == reason:
        return False
    since = now if person.health_status != status else person.health_since
    person.health_status, person.health_reason, person.health_since = status, reason, since
    return True


HEALTH_FIELDS = ["health_status", "health_reason", "health_since"]


def _health_apply(
    *, person: Person, live: Iterable[tuple[str, str, str]], now: dt.datetime
) -> bool:
    """Set health from the person's non-closed alerts, on the row too; True if it changed."""
    if not _health_set(person, live, now):
        return False
    Person.objects.filter(pk=person.pk).update(
        **{field: getattr(person, field) for field in HEALTH_FIELDS}
    )
    return True


def _counts_refresh_on_commit(*, campaign: Campaign | None, person: Person, now: dt.datetime):
    """Recompute the person's unit's counts for today once the transaction commits."""
    if campaign is None:
        return
    from bastion.reports.counts import unit_day_counts_refresh

    day, unit_id = business_day(now), person.unit_id
    transaction.on_commit(
        lambda: unit_day_counts_refresh(campaign=campaign, day=day, unit_ids=[unit_id]),
        robust=True,
    )


def _health_refresh(*, person: Person, now: dt.datetime, campaign: Campaign | None) -> None:
    live = (
        Alert.objects.filter(person=person)
        .exclude(state=AlertState.CLOSED)
        .values_list("kind", "severity", "summary")
    )
    _health_apply(person=person, live=list(live), now=now)
    _counts_refresh_on_commit(campaign=campaign, person=person, now=now)


def person_health_refresh(*, person: Person, now: dt.datetime) -> None:
    """Set the person's health to the worst of their non-closed alerts (green if none).

    On commit the counts of the person's unit are recomputed for the active campaign, so
    dashboards and daily reports see the change within the request.
    """
    from bastion.campaigns.selectors import active_campaign

    _health_refresh(person=person, now=now, campaign=active_campaign())


def people_health_refresh(
    *, person_ids: list[int], now: dt.datetime, leaving_out: Campaign | None = None
) -> int:
    """Set these people's health from their non-closed alerts, all at once; how many changed.

    `leaving_out`: a campaign whose alerts are about to be deleted (privacy.purge) and so no
    longer count. The caller refreshes the counts it needs.
    """
    people = list(
        Person.objects.filter(pk__in=person_ids).only("pk", *HEALTH_FIELDS).order_by("pk")
    )
    alerts = Alert.objects.filter(person_id__in=person_ids).exclude(state=AlertState.CLOSED)
    if leaving_out is not None:
        alerts = alerts.exclude(campaign=leaving_out)
    live: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for person_id, *alert in alerts.values_list("person_id", "kind", "severity", "summary"):
        live[person_id].append(tuple(alert))
    changed = [p for p in people if _health_set(p, live.get(p.pk, ()), now)]
    Person.objects.bulk_update(changed, HEALTH_FIELDS, batch_size=500)
    return len(changed)


# --- raising ---------------------------------------------------------------------------------


def _clusters_check_on_commit(campaign_id: int) -> None:
    from bastion.tracing.tasks import clusters_check_task

    transaction.on_commit(lambda: clusters_check_task(campaign_id), robust=True)


def _alert_text(alert: Alert, person: Person) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Alert: %(name)s — %(summary)s") % {
            "name": person.name,
            "summary": alert.summary,
        }
        body = _(
            "%(name)s (%(number)s): %(summary)s.\n"
            "Raised at %(at)s. Please acknowledge it in Bastion's alert queue and record "
            "what was done; unacknowledged it goes to the level above."
        ) % {
            "name": person.name,
            "number": person.number,
            "summary": alert.summary,
            "at": timezone.localtime(alert.raised_at).strftime("%Y-%m-%d %H:%M"),
        }
    return subject, body


def _announce_raised(alert: Alert, person: Person, owner: Person | None) -> None:
    """Tell the owner (and the group robot for a red alert) about a new alert."""
    subject, body = _alert_text(alert, person)
    if owner is not None:
        notify(key=f"alert:{alert.uid}:raised", recipients=[owner], subject=subject, body=body)
    if alert.severity == HealthStatus.RED:
        notify_group(key=f"alert:{alert.uid}:raised", subject=subject, body=body)


def alerts_close_many(*, pks: list[int], note: str, now: dt.datetime, actor: User | None) -> None:
    """Close these alerts (by the system when actor is None) and write their CLOSED events."""
    if not pks:
        return
    audit_update(
        Alert.objects.filter(pk__in=pks).exclude(state=AlertState.CLOSED),
        state=AlertState.CLOSED,
        closed_at=now,
        closed_by=actor,
        note=note,
        escalate_at=None,
    )
    AlertEvent.objects.bulk_create(
        AlertEvent(alert_id=pk, action=AlertEvent.Action.CLOSED, at=now, actor=actor, note=note)
        for pk in pks
    )


def alerts_sync_for_checkin(
    *,
    checkin: CheckIn,
    findings: list[Finding],
    now: dt.datetime,
    has_live_alerts: bool = True,
) -> None:
    """Raise one alert per finding not already open; close missing-check-in alerts; health.

    Called by checkin_submit inside its transaction. One query, the person's non-closed
    alerts, which serve all three purposes; none when the caller already knows there are none
    (`has_live_alerts=False`, learnt by the check-in's INSERT): then nothing is to be closed,
    every finding is new, and a green person without findings costs nothing at all.
    """
    person = checkin.person
    live = []
    if has_live_alerts:
        live = list(
            Alert.objects.filter(person=person)
            .exclude(state=AlertState.CLOSED)
            .values_list("pk", "kind", "severity", "summary")
        )
    # The person checked in: their "no check-in" alerts are answered.
    with translation.override(settings.LANGUAGE_CODE):
        caught_up = _("Checked in after all.")
    alerts_close_many(
        pks=[pk for pk, kind, _s, _m in live if kind in MISSING_KINDS],
        note=caught_up,
        now=now,
        actor=None,
    )
    kept = [(kind, severity, summary) for _pk, kind, severity, summary in live]
    open_kinds = {kind for kind, _s, _m in kept}
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
        audit_bulk(Action.CREATE, alerts)
        AlertEvent.objects.bulk_create(
            AlertEvent(alert=a, action=AlertEvent.Action.RAISED, at=now) for a in alerts
        )
        for alert in alerts:
            _announce_raised(alert, person, owner)
        kept += [(f.code, f.severity, f.summary) for f in new]
        if any(f.code in ABNORMAL_KINDS for f in new):
            # A fever or symptoms may complete a cluster: checked once committed.
            _clusters_check_on_commit(checkin.campaign_id)
    _health_apply(person=person, live=kept, now=now)


class Owners:
    """Owners and chains of many people at once: two queries for all the units and grids
    preloaded (responsibility.chains_of), one more per unit or grid met afterwards."""

    def __init__(self, *, day: dt.date) -> None:
        self.day = day
        self._units: dict[int, Unit] = {}
        self._unit_levels: dict[int, list] = {}
        self._grid_levels: dict[int, object | None] = {}

    def preload(self, *, pairs: Iterable[tuple[int, int | None]]) -> None:
        """Work out the chains of these (unit, grid) pairs together."""
        pairs = list(pairs)
        unit_ids = {u for u, _g in pairs} - set(self._unit_levels)
        grid_ids = {g for _u, g in pairs if g is not None} - set(self._grid_levels)
        if not unit_ids and not grid_ids:
            return
        missing = unit_ids - set(self._units)
        if missing:
            self._units.update(Unit.objects.in_bulk(list(missing)))
        unit_levels, grid_levels = chains_of(
            units=[self._units[u] for u in unit_ids], grid_ids=grid_ids, day=self.day
        )
        self._unit_levels.update(unit_levels)
        self._grid_levels.update({g: grid_levels.get(g) for g in grid_ids})

    def levels(self, *, person_id: int, unit_id: int, grid_id: int | None) -> list[list[Person]]:
        """The chain above the person, nearest first, without the person and empty levels."""
        self.preload(pairs=[(unit_id, grid_id)])
        grid_level = self._grid_levels.get(grid_id) if grid_id is not None else None
        chain_levels = ([grid_level] if grid_level else []) + [
            level for level in self._unit_levels[unit_id] if not grid_level or level.tier > 0
        ]
        levels = [[p for p in level.people if p.pk != person_id] for level in chain_levels]
        return [people for people in levels if people]

    def owner(self, *, person_id: int, unit_id: int, grid_id: int | None) -> Person | None:
        levels = self.levels(person_id=person_id, unit_id=unit_id, grid_id=grid_id)
        return levels[0][0] if levels else None


@dataclass(frozen=True)
class Raise:
    """One alert to raise in bulk: whose, and what it says."""

    person_id: int
    unit_id: int
    grid_id: int | None
    name: str
    summary: str


def alerts_raise_many(
    *,
    campaign: Campaign,
    kind: str,
    severity: str,
    raises: list[Raise],
    now: dt.datetime,
    owners: Owners,
    key: str,
    key_area: KeyArea | None = None,
    owner_of: dict[int, int] | None = None,
) -> list[int]:
    """Raise one alert of `kind` for each of these people, in bulk; the ids of those raised.

    The owner is the first of each person's chain, or `owner_of[person id]` (a person id)
    where the caller knows better (a carer's superior for a missed care contact).

    Call inside a transaction. People with a non-closed alert of the kind are the caller's to
    leave out; a racing second worker's inserts are no-ops (the partial unique constraint:
    one non-closed alert per person and kind). Each owner gets one message listing their
    people (idempotent by `key` and the alerts' uids).
    """
    if not raises:
        return []
    day = business_day(now)
    owners.preload(pairs={(r.unit_id, r.grid_id) for r in raises})
    escalate_at = now + campaign.escalate_after

    def _owner_id(r: Raise) -> int | None:
        if owner_of and r.person_id in owner_of:
            return owner_of[r.person_id]
        owner = owners.owner(person_id=r.person_id, unit_id=r.unit_id, grid_id=r.grid_id)
        return owner.pk if owner is not None else None

    fresh = [
        Alert(
            uid=uuid.uuid4(),
            campaign=campaign,
            person_id=r.person_id,
            kind=kind,
            severity=severity,
            summary=r.summary[:200],
            day=day,
            key_area=key_area,
            owner_id=_owner_id(r),
            raised_at=now,
            escalate_at=escalate_at,
        )
        for r in raises
    ]
    Alert.objects.bulk_create(fresh, batch_size=CHUNK, ignore_conflicts=True)
    names = {r.person_id: r.name for r in raises}
    mine: list[tuple[int, uuid.UUID, int, int | None, str]] = []
    for uids in chunks([a.uid for a in fresh]):
        mine += Alert.objects.filter(uid__in=uids).values_list(
            "pk", "uid", "person_id", "owner_id", "summary"
        )
    made = {uid for _pk, uid, *_r in mine}  # a racing worker's conflicts made nothing
    audit_bulk(Action.CREATE, [a for a in fresh if a.uid in made])
    AlertEvent.objects.bulk_create(
        (AlertEvent(alert_id=pk, action=AlertEvent.Action.RAISED, at=now) for pk, *_r in mine),
        batch_size=CHUNK,
    )
    by_owner: dict[int, list[tuple[uuid.UUID, int, str]]] = defaultdict(list)
    for _pk, uid, person_id, owner_id, summary in mine:
        if owner_id is not None:
            by_owner[owner_id].append((uid, person_id, summary))
    owner_people = Person.objects.in_bulk(list(by_owner))
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for owner_id, items in by_owner.items():
            summaries = {summary for _u, _p, summary in items}
            headline = summaries.pop() if len(summaries) == 1 else items[0][2]
            listed = "、".join(names[person_id] for _u, person_id, _s in items[:50])
            more = len(items) - 50
            messages.append(
                Message(
                    key=f"{key}:{_digest(str(u) for u, _p, _s in items)}",
                    recipients=[owner_people[owner_id]],
                    subject=_("%(n)d of your people: %(summary)s")
                    % {"n": len(items), "summary": headline},
                    body=listed + (_(" and %(n)d more") % {"n": more} if more > 0 else ""),
                )
            )
    notify_many(messages=messages)
    return [pk for pk, *_r in mine]


def alerts_raise_missing(*, campaign: Campaign, now: dt.datetime) -> int:
    """Run the periodic rules: raise their alerts in bulk for everyone they fire for.

    Idempotent: people with an open alert of the kind are skipped (and see alerts_raise_many).
    """
    day = business_day(now)
    owners = Owners(day=day)
    raised = 0
    for rule in PERIODIC_RULES.values():
        people = rule.people(campaign=campaign, now=now)
        if people is None:
            continue
        with transaction.atomic():
            if rule.code == "missing_cutoff":
                # Yesterday's "not by the cut-off" is yesterday's: today gets its own alert.
                stale = list(
                    Alert.objects.filter(kind=rule.code, day__lt=day)
                    .exclude(state=AlertState.CLOSED)
                    .values_list("pk", flat=True)
                )
                with translation.override(settings.LANGUAGE_CODE):
                    note = _("A new day: replaced by the day's own alert if still missing.")
                for pks in chunks(stale):
                    alerts_close_many(pks=list(pks), note=note, now=now, actor=None)
            already = Alert.objects.filter(person=OuterRef("pk"), kind=rule.code).exclude(
                state=AlertState.CLOSED
            )
            summary = rule.summary(campaign=campaign, now=now)
            raises = [
                Raise(pk, unit_id, grid_id, name, summary)
                for pk, unit_id, grid_id, name in people.filter(~Exists(already)).values_list(
                    "pk", "unit_id", "grid_id", "name"
                )
            ]
            raised += len(
                alerts_raise_many(
                    campaign=campaign,
                    kind=rule.code,
                    severity=rule.severity,
                    raises=raises,
                    now=now,
                    owners=owners,
                    key=f"alerts:{rule.code}:{day}",
                )
            )
    return raised


def people_health_refresh_many(*, person_ids: Iterable[int], now: dt.datetime) -> int:
    """Set each person's health to the worst of their non-closed alerts, in bulk (one read and
    one UPDATE per chunk of people); the counts of their units are refreshed on commit."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.reports.counts import unit_day_counts_refresh

    person_ids = list(person_ids)
    live: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for ids in chunks(person_ids):
        for person_id, kind, severity, summary in (
            Alert.objects.filter(person_id__in=ids)
            .exclude(state=AlertState.CLOSED)
            .values_list("person_id", "kind", "severity", "summary")
        ):
            live[person_id].append((kind, severity, summary))
    changed: list[Person] = []
    for ids in chunks(person_ids):
        for person in Person.objects.filter(pk__in=ids).only("pk", "unit_id", *HEALTH_FIELDS):
            if _health_set(person, live.get(person.pk, []), now):
                changed.append(person)
    # One UPDATE per distinct (status, reason, since): a key area gives a thousand people a
    # handful of reasons, and a CASE per row (bulk_update) costs seconds to build.
    same: dict[tuple, list[int]] = defaultdict(list)
    for person in changed:
        same[tuple(getattr(person, field) for field in HEALTH_FIELDS)].append(person.pk)
    for values, pks in same.items():
        for ids in chunks(pks):
            Person.objects.filter(pk__in=ids).update(
                **dict(zip(HEALTH_FIELDS, values, strict=True))
            )
    units = {person.unit_id for person in changed}
    campaign = active_campaign()
    if campaign is not None and units:
        day = business_day(now)
        transaction.on_commit(
            lambda: unit_day_counts_refresh(campaign=campaign, day=day, unit_ids=sorted(units)),
            robust=True,
        )
    return len(changed)


# --- acknowledging and closing ----------------------------------------------------------------


def alert_may_handle(*, actor: User, alert: Alert) -> bool:
    """May `actor` acknowledge or close `alert`: the right to handle alerts, the person in reach."""
    scope = scope_of(actor)
    if not scope.has(Perm.HANDLE_ALERTS):
        return False
    return scope.people().filter(pk=alert.person_id).exists()


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("person", "campaign").get(pk=alert.pk)


def alert_acknowledge(
    *, actor: User, alert: Alert, note: str = "", now: dt.datetime | None = None
) -> Alert:
    """Take an open alert in hand: it stops escalating; the note says what is being done."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not alert_may_handle(actor=actor, alert=alert):
        raise _not_found()
    if len(note) > NOTE_MAX:
        raise AlertRefused(_("The note is longer than 2000 characters."))
    with transaction.atomic():
        alert = _locked(alert)
        if alert.state != AlertState.OPEN:
            raise AlertRefused(
                _("This alert is already acknowledged or closed; reload the page."), status=409
            )
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at, alert.acknowledged_by = now, actor
        alert.escalate_at = None
        alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by", "escalate_at"])
        AlertEvent.objects.create(
            alert=alert, action=AlertEvent.Action.ACKNOWLEDGED, at=now, actor=actor, note=note
        )
        _health_refresh(person=alert.person, now=now, campaign=alert.campaign)
    return alert


def alert_close(*, actor: User, alert: Alert, note: str, now: dt.datetime | None = None) -> Alert:
    """Close an alert, saying what was done; the person's health is recomputed."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not alert_may_handle(actor=actor, alert=alert):
        raise _not_found()
    if not note:
        raise AlertRefused(_("Say what was done before closing the alert."))
    if len(note) > NOTE_MAX:
        raise AlertRefused(_("The note is longer than 2000 characters."))
    with transaction.atomic():
        alert = _locked(alert)
        if alert.state == AlertState.CLOSED:
            raise AlertRefused(_("This alert is already closed; reload the page."), status=409)
        alert.state = AlertState.CLOSED
        alert.closed_at, alert.closed_by, alert.note = now, actor, note
        alert.escalate_at = None
        alert.save(update_fields=["state", "closed_at", "closed_by", "note", "escalate_at"])
        AlertEvent.objects.create(
            alert=alert, action=AlertEvent.Action.CLOSED, at=now, actor=actor, note=note
        )
        _health_refresh(person=alert.person, now=now, campaign=alert.campaign)
    return alert


# --- escalation --------------------------------------------------------------------------------


def alerts_escalate_due(*, now: dt.datetime) -> int:
    """Move every open alert past its escalation time one level up the chain; returns how many.

    The owner stays; the next level's people are told and added to `escalated_to`. Each step
    is a conditional update on (state, level, escalate_at), so a second worker or a retry in
    the same minute finds nothing left to do; outbox keys carry the level.
    """
    due = list(
        Alert.objects.filter(state=AlertState.OPEN, escalate_at__lte=now)
        .select_related("person", "campaign")
        .order_by("escalate_at")
    )
    if not due:
        return 0
    owners = Owners(day=business_day(now))
    owners.preload(pairs={(a.person.unit_id, a.person.grid_id) for a in due})
    told: dict[int, list[Alert]] = defaultdict(list)
    people: dict[int, Person] = {}
    moved = 0
    with transaction.atomic():
        for alert in due:
            levels = owners.levels(
                person_id=alert.person_id,
                unit_id=alert.person.unit_id,
                grid_id=alert.person.grid_id,
            )
            step = alert.level + 1
            mine = Alert.objects.filter(
                pk=alert.pk, state=AlertState.OPEN, level=alert.level, escalate_at=alert.escalate_at
            )
            if step >= len(levels):
                mine.update(escalate_at=None)  # the top of the chain: nobody left to tell
                continue
            next_at = None
            if step + 1 < len(levels):
                after = alert.escalate_at + alert.campaign.escalate_after
                next_at = after if after > now else now + alert.campaign.escalate_after
            if not mine.update(level=step, escalate_at=next_at):
                continue  # another worker moved it first
            recipients = levels[step]
            alert.escalated_to.add(*recipients)
            AlertEvent.objects.create(
                alert=alert,
                action=AlertEvent.Action.ESCALATED,
                at=now,
                note="、".join(p.name for p in recipients),
            )
            alert.level = step
            for person in recipients:
                people[person.pk] = person
                told[person.pk].append(alert)
            moved += 1
        with translation.override(settings.LANGUAGE_CODE):
            for person_id, alerts in told.items():
                lines = "\n".join(
                    _("%(name)s: %(summary)s (raised %(at)s, not yet acknowledged)")
                    % {
                        "name": a.person.name,
                        "summary": a.summary,
                        "at": timezone.localtime(a.raised_at).strftime("%m-%d %H:%M"),
                    }
                    for a in alerts
                )
                notify(
                    key=f"escalated:{_digest(f'{a.uid}:{a.level}' for a in alerts)}",
                    recipients=[people[person_id]],
                    subject=_("%(n)d alert(s) left unacknowledged reach you") % {"n": len(alerts)},
                    body=lines,
                )
    return moved


# --- reminders ---------------------------------------------------------------------------------


def _people_with_email(queryset) -> list[Person]:
    return list(queryset.exclude(email="").only("pk", "number", "name", "email"))


def _remind_people(*, key: str, people: list[Person], campaign: Campaign, day: dt.date) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: please check in for %(day)s") % {"day": day.strftime("%m-%d")}
        body = _(
            "You have not checked in today. Please do so before %(cutoff)s in Bastion (健康打卡)."
        ) % {"cutoff": campaign.checkin_cutoff.strftime("%H:%M")}
    # notify() appends channel and number to the key: "reminder:<day>:<time>:email:<number>".
    return sum(
        notify(key=key, recipients=chunk, subject=subject, body=body) for chunk in chunks(people)
    )


def reminders_send(*, campaign: Campaign, now: dt.datetime) -> Reminder | None:
    """At the campaign's reminder times, remind those not checked in and owners of open alerts.

    A time is due from its minute on, once a day; when several are due at once (a worker that
    was down) only the latest sends and the earlier ones are recorded as passed.
    """
    day = business_day(now)
    if campaign.starts_on > day or (campaign.ends_on is not None and day > campaign.ends_on):
        return None
    slots = sorted(t for t in campaign.reminder_times if at(day, dt.time.fromisoformat(t)) <= now)
    if not slots:
        return None
    done = set(
        Reminder.objects.filter(campaign=campaign, day=day, slot__in=slots).values_list(
            "slot", flat=True
        )
    )
    todo = [s for s in slots if s not in done]
    if not todo:
        return None
    sent_round = None
    for slot in todo:
        try:
            with transaction.atomic():
                round_ = Reminder.objects.create(campaign=campaign, day=day, slot=slot, at=now)
                if slot != slots[-1]:
                    continue  # passed while nobody ticked; the latest round covers it
                people = _people_with_email(
                    missing_people(scope=EVERYTHING, campaign=campaign, day=day)
                )
                round_.people = _remind_people(
                    key=f"reminder:{day}:{slot}", people=people, campaign=campaign, day=day
                )
                round_.owners = _remind_owners(key=f"reminder:{day}:{slot}", now=now)
                round_.save(update_fields=["people", "owners"])
                sent_round = round_
        except IntegrityError:
            continue  # another worker holds this round
    return sent_round


def _remind_owners(*, key: str, now: dt.datetime) -> int:
    """One message to each owner of open (unacknowledged) alerts, and a REMINDED event each."""
    open_alerts = list(
        Alert.objects.filter(state=AlertState.OPEN, owner__isnull=False).values_list(
            "pk", "owner_id"
        )
    )
    per_owner: dict[int, int] = defaultdict(int)
    for _pk, owner_id in open_alerts:
        per_owner[owner_id] += 1
    owners = Person.objects.in_bulk(list(per_owner))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for owner_id, n in per_owner.items():
            sent += notify(
                key=f"{key}:owner:{owners[owner_id].number}",
                recipients=[owners[owner_id]],
                subject=_("You have %(n)d unacknowledged alert(s)") % {"n": n},
                body=_("Open Bastion's alert queue to acknowledge them and record what was done."),
            )
        note = _("Owner reminded.")
    AlertEvent.objects.bulk_create(
        (
            AlertEvent(alert_id=pk, action=AlertEvent.Action.REMINDED, at=now, note=note)
            for pk, _o in open_alerts
        ),
        batch_size=CHUNK,
    )
    return sent


def missing_chase(*, actor: User, now: dt.datetime | None = None) -> Reminder:
    """The one-tap chase: remind each of the actor's people who have not checked in, now.

    Once per actor and minute (a double tap sends nothing more); each person at most once a
    minute whoever chases. The round is recorded with who chased and how many were reached.
    """
    from bastion.campaigns.selectors import active_campaign

    now = now or timezone.now()
    scope = scope_of(actor)
    if not scope.has(Perm.HANDLE_ALERTS) or actor.person_id is None:
        raise _not_found()
    campaign = active_campaign()
    if campaign is None:
        raise AlertRefused(_("No campaign is running: there is nobody to chase."))
    day = business_day(now)
    minute = now.astimezone(SHANGHAI).strftime("%H:%M")
    slot = f"chase:{actor.person.number}:{minute}"[:64]
    existing = Reminder.objects.filter(campaign=campaign, day=day, slot=slot).first()
    if existing is not None:
        return existing
    missing = missing_people(scope=scope, campaign=campaign, day=day).exclude(pk=actor.person_id)
    try:
        with transaction.atomic():
            round_ = Reminder.objects.create(
                campaign=campaign, day=day, slot=slot, at=now, sent_by=actor
            )
            people = _people_with_email(missing)
            _remind_people(key=f"chase:{day}:{minute}", people=people, campaign=campaign, day=day)
            round_.people = len(people)
            round_.save(update_fields=["people"])
            pks = list(
                Alert.objects.filter(
                    person__in=missing, kind__in=MISSING_KINDS, state=AlertState.OPEN
                ).values_list("pk", flat=True)
            )
            with translation.override(settings.LANGUAGE_CODE):
                note = _("Chased in one tap by %(name)s.") % {"name": actor.person.name}
            AlertEvent.objects.bulk_create(
                (
                    AlertEvent(
                        alert_id=pk,
                        action=AlertEvent.Action.REMINDED,
                        at=now,
                        actor=actor,
                        note=note,
                    )
                    for pk in pks
                ),
                batch_size=CHUNK,
            )
    except IntegrityError:
        return Reminder.objects.get(campaign=campaign, day=day, slot=slot)
    return round_


# --- the minute tick ---------------------------------------------------------------------------


def daily_cycle_run(*, now: dt.datetime) -> dict[str, int]:
    """One tick of the daily cycle for the active campaign: missing rules, missed care contacts
    of isolated people, escalation, reminders."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.tracing.isolation import care_missed_raise

    campaign = active_campaign()
    if campaign is None:
        return {}

    raised = alerts_raise_missing(campaign=campaign, now=now)
    care_missed = care_missed_raise(now=now, campaign=campaign)
    escalated = alerts_escalate_due(now=now)
    round_ = reminders_send(campaign=campaign, now=now)
    return {
        "raised": raised,
        "care_missed": care_missed,
        "escalated": escalated,
        "reminded": round_.people if round_ else 0,
    }
