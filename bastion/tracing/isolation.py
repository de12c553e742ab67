"""Isolation (隔离) with a carer (R11): proposed by a rule, started with a carer, extended,
released under the campaign's conditions; the carer logs every contact, and a carer who lets
the campaign's days pass without one raises an alert to their superior.

Services and selectors of the sub-area in one module (as reports.urgent): every write checks
everything first, then writes in one transaction with an IsolationEvent for its step.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.missing import CARE_MISSED
from bastion.audit.models import Action
from bastion.audit.services import audit_bulk, audit_update
from bastion.campaigns.models import Campaign, KeyArea
from bastion.campaigns.selectors import active_campaign
from bastion.checkins.models import CheckIn
from bastion.lib.chunks import CHUNK, chunks
from bastion.lib.days import SHANGHAI, business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.notify.services import notify
from bastion.org.models import Person, Position
from bastion.org.responsibility import chain_for_person
from bastion.tracing.models import (
    OPEN_CASE_STATUSES,
    OPEN_ISOLATION_STATES,
    CareChannel,
    CareLog,
    Case,
    Contact,
    Isolation,
    IsolationEvent,
    IsolationKind,
    IsolationState,
)

REASON_MAX = 200
PLACE_MAX = 100
CARE_TEXT_MAX = 500
EXTEND_MAX_DAYS = 60
# Release looks at the check-ins of the last days of isolation: no fever, no symptom.
RELEASE_CHECK_DAYS = 3
# The carer's page shows each person's check-ins of the last week.
CARE_CHECKIN_DAYS = 7
# Those who may care for an isolated person besides any Party member.
CARER_ROLES = (Role.COUNSELOR, Role.GRID_WORKER)


class IsolationRefused(Refused):
    """An isolation step that may not happen: a message a person understands, nothing written.

    `status`: 404 for a person or isolation out of reach (the same answer as a missing one),
    409 when the isolation's state does not allow the step, 400 for bad input.
    """


def _not_found() -> IsolationRefused:
    return IsolationRefused(_("Not found, or not in your reach."), status=404)


def _localized(text: str, **values: Any) -> str:
    """A message stored or sent (notes, notifications): in the site's language, not the
    requester's."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values if values else _(text)


# --- checks -----------------------------------------------------------------------------------


def isolation_may_manage(*, actor: User | None, person: Person) -> bool:
    """May `actor` start, extend, release isolations of `person`: the ISOLATE right with the
    person in reach. None is Bastion itself."""
    if actor is None:
        return True
    scope = scope_of(actor)
    return scope.has(Perm.ISOLATE) and scope.people().filter(pk=person.pk).exists()


def carer_eligible(person: Person, *, day: dt.date) -> bool:
    """A Party member, or a counselor or grid worker holding the position on `day`."""
    if person.is_party_member:
        return True
    return Position.objects.active(day).filter(person=person, role__in=CARER_ROLES).exists()


def _carer_check(carer: Person, *, person: Person, day: dt.date) -> None:
    if carer.pk == person.pk:
        raise IsolationRefused(_("An isolated person cannot be their own carer."))
    if not carer_eligible(carer, day=day):
        raise IsolationRefused(
            _(
                "%(name)s cannot be a carer: a carer is a Party member, a counselor or a "
                "grid worker."
            )
            % {"name": carer.name}
        )


def carer_named(*, actor: User, number: str | None) -> Person | None:
    """The carer a form or request names by number, among the people in the actor's reach;
    None when no number is given."""
    number = clean(number)
    if not number:
        return None
    carer = scope_of(actor).people().filter(number=number).first()
    if carer is None:
        raise IsolationRefused(
            _("No one numbered %(number)s in your reach can be named carer.") % {"number": number}
        )
    return carer


def carer_default(person: Person, *, day: dt.date) -> Person | None:
    """The nearest of those who answer for the person who may care: usually their grid
    worker, else their counselor, else a leader who is a Party member."""
    for level in chain_for_person(person, day=day):
        for candidate in level.people:
            if carer_eligible(candidate, day=day):
                return candidate
    return None


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=IsolationRefused, **checks)


def _day(value: Any, *, what: str) -> dt.date:
    return day_input(value, what=what, refused=IsolationRefused)


def _managed(actor: User | None, isolation: Isolation) -> None:
    if not isolation_may_manage(actor=actor, person=isolation.person):
        raise _not_found()


def _need_state(isolation: Isolation, state: str) -> None:
    if isolation.state != state:
        raise IsolationRefused(
            _("This isolation is %(state)s: it cannot be changed so; reload the page.")
            % {"state": isolation.get_state_display()},
            status=409,
        )


def _locked(isolation: Isolation, *, state: str | None = None) -> Isolation:
    """The isolation read again and locked for the write; refused (409) unless it is in
    `state`, when one is given."""
    locked = (
        Isolation.objects.select_for_update(of=("self",))
        .select_related("campaign", "person", "carer")
        .get(pk=isolation.pk)
    )
    if state is not None:
        _need_state(locked, state)
    return locked


def _event(isolation: Isolation, action: str, *, at: dt.datetime, actor, note: str = ""):
    IsolationEvent.objects.create(
        isolation=isolation, action=action, at=at, actor=actor, note=note[:REASON_MAX]
    )


def _tell_carer(isolation: Isolation, carer: Person) -> None:
    person = isolation.person
    subject = _localized("You now care for %(name)s under isolation", name=person.name)
    body = _localized(
        "%(name)s (%(number)s, %(unit)s) is under %(kind)s from %(start)s to %(end)s%(place)s. "
        "Contact them at least every %(days)d day(s) by phone, online or a visit, and log each "
        "contact in Bastion (我照护的隔离人员).",
        name=person.name,
        number=person.number,
        unit=person.unit.name,
        kind=IsolationKind(isolation.kind).label,
        start=isolation.starts_on.isoformat(),
        end=isolation.planned_end_on.isoformat(),
        place=f"（{isolation.place}）" if isolation.place else "",
        days=isolation.campaign.care_contact_days,
    )
    notify(
        key=f"isolation:{isolation.uid}:carer:{carer.number}",
        recipients=[carer],
        subject=subject,
        body=body,
    )


def _close_care_missed(person_id: int, *, note: str, now: dt.datetime, actor) -> None:
    from bastion.alerts.models import Alert, AlertState
    from bastion.alerts.services import alerts_close_many

    pks = list(
        Alert.objects.filter(person_id=person_id, kind=CARE_MISSED)
        .exclude(state=AlertState.CLOSED)
        .values_list("pk", flat=True)
    )
    alerts_close_many(pks=pks, note=note, now=now, actor=actor)


# --- starting ---------------------------------------------------------------------------------


def isolation_start(
    *,
    actor: User | None,
    person: Person,
    kind: str = "home",
    reason: str,
    carer: Person | None = None,
    place: str = "",
    starts_on: dt.date | None = None,
    contact: Contact | None = None,
    case: Case | None = None,
    now: dt.datetime | None = None,
) -> Isolation:
    """Put `person` under isolation with a carer (by default the nearest of those who answer
    for them who may care); turns their proposed isolation into an active one, and answers an
    active one unchanged. The planned end is the exposure day plus the campaign's quarantine
    days for a contact, else the start plus them. The person's open case counts as isolated
    (the four earlies); the carer is told. Raises IsolationRefused.
    """
    now = now or timezone.now()
    today = business_day(now)
    if not isolation_may_manage(actor=actor, person=person):
        raise _not_found()
    campaign = active_campaign()
    if campaign is None:
        raise IsolationRefused(_("No campaign is running: there is no isolation to start."))
    current = Isolation.objects.filter(person=person, state__in=OPEN_ISOLATION_STATES).first()
    if current is not None and current.state == IsolationState.ACTIVE:
        return current
    if kind not in IsolationKind.values:
        raise IsolationRefused(
            _("Unknown kind of isolation %(kind)s: home or central.") % {"kind": kind or "—"}
        )
    reason = _text(reason, limit=REASON_MAX, what=_("reason"))
    if not reason and current is not None:
        reason = current.reason
    if not reason:
        raise IsolationRefused(_("Say why the person is isolated."))
    place = _text(place, limit=PLACE_MAX, what=_("place"))
    starts_on = today if starts_on in (None, "") else _day(starts_on, what=_("start day"))
    if starts_on > today:
        raise IsolationRefused(_("An isolation starts today or earlier, not in the future."))
    if starts_on < campaign.starts_on:
        raise IsolationRefused(_("An isolation cannot start before the campaign."))
    if carer is None:
        carer = carer_default(person, day=today)
        if carer is None:
            raise IsolationRefused(
                _(
                    "Nobody who answers for this person may care for them: name a carer "
                    "(a Party member, a counselor or a grid worker)."
                )
            )
    _carer_check(carer, person=person, day=today)
    contact = contact or (current.contact if current is not None else None)
    if contact is not None:
        planned_end_on = max(
            contact.exposure_on + dt.timedelta(days=campaign.quarantine_days), starts_on
        )
    else:
        planned_end_on = starts_on + dt.timedelta(days=campaign.quarantine_days)

    with transaction.atomic():
        isolation = current or Isolation(campaign=campaign, person=person, proposed_at=now)
        isolation.state = IsolationState.ACTIVE
        isolation.kind = kind
        isolation.reason = reason
        isolation.place = place or isolation.place
        isolation.carer = carer
        isolation.starts_on = starts_on
        isolation.planned_end_on = planned_end_on
        isolation.last_care_at = None
        isolation.contact = contact
        isolation.case = case or isolation.case
        try:
            with transaction.atomic():
                isolation.save()
        except IntegrityError:
            # Another request opened one first: answer it if it is active.
            raced = Isolation.objects.filter(person=person, state=IsolationState.ACTIVE).first()
            if raced is None:
                raise
            return raced
        _event(isolation, IsolationEvent.Action.STARTED, at=now, actor=actor, note=reason)
        audit_update(
            Case.objects.filter(
                person=person, status__in=OPEN_CASE_STATUSES, isolated_at__isnull=True
            ),
            isolated_at=now,
        )
        _tell_carer(isolation, carer)
    return isolation


def isolations_propose_many(
    *,
    campaign: Campaign,
    reasons: dict[int, str],
    key_area: KeyArea | None = None,
    case: Case | None = None,
    now: dt.datetime,
) -> int:
    """Propose isolation for these people (person id → why), in bulk; how many were proposed.

    People with an open isolation (proposed or active) are left as they are; a racing second
    run inserts nothing (the one-open constraint). Each proposal writes its PROPOSED event.
    """
    if not reasons:
        return 0
    ids = list(reasons)
    already = {
        person_id
        for chunk in chunks(ids)
        for person_id in Isolation.objects.filter(
            person_id__in=chunk, state__in=OPEN_ISOLATION_STATES
        ).values_list("person_id", flat=True)
    }
    fresh = [
        Isolation(
            uid=uuid.uuid4(),
            campaign=campaign,
            person_id=person_id,
            reason=reasons[person_id][:REASON_MAX],
            key_area=key_area,
            case=case,
            proposed_at=now,
        )
        for person_id in ids
        if person_id not in already
    ]
    if not fresh:
        return 0
    with transaction.atomic():
        Isolation.objects.bulk_create(fresh, batch_size=CHUNK, ignore_conflicts=True)
        made: list[tuple[int, str, uuid.UUID]] = []
        for uids in chunks([i.uid for i in fresh]):
            made += Isolation.objects.filter(uid__in=uids).values_list("pk", "reason", "uid")
        ours = {uid for _pk, _reason, uid in made}  # a racing run's conflicts made nothing
        audit_bulk(Action.CREATE, [i for i in fresh if i.uid in ours])
        IsolationEvent.objects.bulk_create(
            (
                IsolationEvent(
                    isolation_id=pk, action=IsolationEvent.Action.PROPOSED, at=now, note=reason
                )
                for pk, reason, _uid in made
            ),
            batch_size=CHUNK,
        )
    return len(made)


def isolations_withdraw_proposed(
    *, key_area: KeyArea, keep: set[int], note: str, now: dt.datetime
) -> int:
    """Withdraw the still-proposed isolations `key_area` proposed for people not in `keep`
    (the area lowered or shrunk); how many. Started ones stay: a person decided that."""
    stale = [
        pk
        for pk, person_id in Isolation.objects.filter(
            key_area=key_area, state=IsolationState.PROPOSED
        ).values_list("pk", "person_id")
        if person_id not in keep
    ]
    if not stale:
        return 0
    today = business_day(now)
    note = note[:REASON_MAX]
    with transaction.atomic():
        for pks in chunks(stale):
            audit_update(
                Isolation.objects.filter(pk__in=pks, state=IsolationState.PROPOSED),
                state=IsolationState.WITHDRAWN,
                ended_on=today,
                end_note=note,
            )
        IsolationEvent.objects.bulk_create(
            (
                IsolationEvent(
                    isolation_id=pk, action=IsolationEvent.Action.WITHDRAWN, at=now, note=note
                )
                for pk in stale
            ),
            batch_size=CHUNK,
        )
    return len(stale)


# --- while under isolation --------------------------------------------------------------------


def isolation_extend(
    *,
    actor: User,
    isolation: Isolation,
    days: Any,
    reason: str,
    now: dt.datetime | None = None,
) -> Isolation:
    """Move the planned end of an active isolation `days` (1–60) later, saying why."""
    now = now or timezone.now()
    _managed(actor, isolation)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= EXTEND_MAX_DAYS:
        raise IsolationRefused(_("Extend by 1 to %(n)d days.") % {"n": EXTEND_MAX_DAYS})
    reason = _text(reason, limit=REASON_MAX, what=_("reason"), required=True)
    with transaction.atomic():
        isolation = _locked(isolation, state=IsolationState.ACTIVE)
        before = isolation.planned_end_on
        isolation.planned_end_on = before + dt.timedelta(days=days)
        isolation.save(update_fields=["planned_end_on"])
        note = f"{before:%m-%d} → {isolation.planned_end_on:%m-%d}：{reason}"
        _event(isolation, IsolationEvent.Action.EXTENDED, at=now, actor=actor, note=note)
    return isolation


def isolation_test_record(
    *, actor: User, isolation: Isolation, tested_on: Any, now: dt.datetime | None = None
) -> Isolation:
    """Record a negative test of an active isolation's person (a day since its start)."""
    now = now or timezone.now()
    _managed(actor, isolation)
    tested_on = _day(tested_on, what=_("test day"))
    if tested_on > business_day(now):
        raise IsolationRefused(_("The test day is in the future."))
    with transaction.atomic():
        isolation = _locked(isolation, state=IsolationState.ACTIVE)
        if tested_on < isolation.starts_on:
            raise IsolationRefused(
                _("A test before the isolation started (%(day)s) does not count.")
                % {"day": isolation.starts_on.isoformat()}
            )
        if isolation.tested_negative_on is None or tested_on > isolation.tested_negative_on:
            isolation.tested_negative_on = tested_on
            isolation.save(update_fields=["tested_negative_on"])
        _event(
            isolation, IsolationEvent.Action.TESTED, at=now, actor=actor, note=tested_on.isoformat()
        )
    return isolation


def release_unmet(*, isolation: Isolation, today: dt.date, early: bool = False) -> list[str]:
    """The campaign's release conditions this isolation does not meet yet, each a phrase a
    counselor understands; early release skips the days."""
    campaign = isolation.campaign
    unmet = []
    if not early and today < isolation.planned_end_on:
        unmet.append(
            _("its planned end, %(day)s, has not come")
            % {"day": isolation.planned_end_on.isoformat()}
        )
    first = max(isolation.starts_on, today - dt.timedelta(days=RELEASE_CHECK_DAYS - 1))
    checkins = list(
        CheckIn.objects.filter(person_id=isolation.person_id, day__range=(first, today))
        .order_by("day")
        .values_list("day", "temperature", "symptoms")
    )
    if not checkins:
        unmet.append(_("no check-in in its last %(n)d days") % {"n": RELEASE_CHECK_DAYS})
    ill = [
        day
        for day, temperature, symptoms in checkins
        if temperature >= campaign.fever_threshold or symptoms
    ]
    if ill:
        unmet.append(
            _("a fever or symptom in its last %(n)d days (%(days)s)")
            % {"n": RELEASE_CHECK_DAYS, "days": "、".join(f"{d:%m-%d}" for d in ill)}
        )
    if campaign.release_needs_test and (
        isolation.tested_negative_on is None or isolation.tested_negative_on < isolation.starts_on
    ):
        unmet.append(_("no negative test since it started"))
    return unmet


def isolation_release(
    *,
    actor: User,
    isolation: Isolation,
    note: str = "",
    early: bool = False,
    now: dt.datetime | None = None,
) -> Isolation:
    """Release a person from isolation under the campaign's conditions (days, no fever or
    symptom in the last check-ins, a negative test where required), or early with a reason
    (the days condition only is skipped). Refused with every unmet condition listed."""
    now = now or timezone.now()
    today = business_day(now)
    _managed(actor, isolation)
    note = _text(note, limit=REASON_MAX, what=_("reason"))
    if early and not note:
        raise IsolationRefused(_("Say why the isolation ends early."))
    with transaction.atomic():
        isolation = _locked(isolation, state=IsolationState.ACTIVE)
        unmet = release_unmet(isolation=isolation, today=today, early=early)
        if unmet:
            raise IsolationRefused(
                _("It cannot be released yet: %(unmet)s.") % {"unmet": _("; ").join(unmet)}
            )
        isolation.state = IsolationState.RELEASED
        isolation.ended_on = today
        isolation.end_note = note
        isolation.save(update_fields=["state", "ended_on", "end_note"])
        action = IsolationEvent.Action.RELEASED_EARLY if early else IsolationEvent.Action.RELEASED
        _event(isolation, action, at=now, actor=actor, note=note)
        _close_care_missed(
            isolation.person_id,
            note=_localized("Released from isolation."),
            now=now,
            actor=actor,
        )
        if isolation.carer is not None:
            notify(
                key=f"isolation:{isolation.uid}:released",
                recipients=[isolation.carer],
                subject=_localized(
                    "%(name)s is released from isolation", name=isolation.person.name
                ),
                body=_localized(
                    "%(name)s was released on %(day)s. Thank you for your care.",
                    name=isolation.person.name,
                    day=today.isoformat(),
                ),
            )
    return isolation


def isolation_withdraw(
    *, actor: User, isolation: Isolation, note: str, now: dt.datetime | None = None
) -> Isolation:
    """Withdraw a proposed isolation that is not taken up, saying why."""
    now = now or timezone.now()
    _managed(actor, isolation)
    note = _text(note, limit=REASON_MAX, what=_("reason"), required=True)
    with transaction.atomic():
        isolation = _locked(isolation, state=IsolationState.PROPOSED)
        isolation.state = IsolationState.WITHDRAWN
        isolation.ended_on = business_day(now)
        isolation.end_note = note
        isolation.save(update_fields=["state", "ended_on", "end_note"])
        _event(isolation, IsolationEvent.Action.WITHDRAWN, at=now, actor=actor, note=note)
    return isolation


def isolation_carer_set(
    *, actor: User, isolation: Isolation, carer: Person, now: dt.datetime | None = None
) -> Isolation:
    """Hand an open isolation to another carer, who is told."""
    now = now or timezone.now()
    _managed(actor, isolation)
    _carer_check(carer, person=isolation.person, day=business_day(now))
    with transaction.atomic():
        isolation = _locked(isolation)
        if not isolation.is_open:
            _need_state(isolation, IsolationState.ACTIVE)
        if isolation.carer_id == carer.pk:
            return isolation
        before = isolation.carer.name if isolation.carer else "—"
        isolation.carer = carer
        isolation.save(update_fields=["carer"])
        _event(
            isolation,
            IsolationEvent.Action.CARER,
            at=now,
            actor=actor,
            note=f"{before} → {carer.name}",
        )
        if isolation.state == IsolationState.ACTIVE:
            _tell_carer(isolation, carer)
    return isolation


# --- care ---------------------------------------------------------------------------------------


def care_may_log(*, actor: User, isolation: Isolation) -> bool:
    """The isolation's carer, or someone with the ISOLATE right who reaches the person."""
    if actor.person_id is not None and actor.person_id == isolation.carer_id:
        return True
    return isolation_may_manage(actor=actor, person=isolation.person)


def care_log_replayed(*, isolation: Isolation, client_id: str) -> bool:
    """Was a care log with this client id written already (a retry)?"""
    client_id = clean(client_id)
    return bool(client_id) and isolation.care_logs.filter(client_id=client_id).exists()


def _moment(value: Any, *, now: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return now
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(clean(value))
        except ValueError:
            raise IsolationRefused(
                _("The time must be a moment such as 2020-02-10 09:30.")
            ) from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=SHANGHAI)
    try:
        return value.astimezone(SHANGHAI)
    except OverflowError:  # a moment near year 1 or 9999 in another zone
        raise IsolationRefused(_("The time must be a moment such as 2020-02-10 09:30.")) from None


def care_log(
    *,
    actor: User,
    isolation: Isolation,
    channel: str,
    needs: str = "",
    done: str = "",
    at: Any = None,
    client_id: str = "",
    now: dt.datetime | None = None,
) -> CareLog:
    """Log one contact of the carer with an isolated person: how, what was needed, what was
    done. A retry with the same client id answers the log it made and writes nothing. The
    isolation's last contact moves on, and an open missed-contact alert of the person closes.
    """
    now = now or timezone.now()
    if not care_may_log(actor=actor, isolation=isolation):
        raise _not_found()
    client_id = clean(client_id)
    if len(client_id) > 64:
        raise IsolationRefused(_("The client id is longer than 64 characters."))
    if client_id:
        earlier = isolation.care_logs.filter(client_id=client_id).first()
        if earlier is not None:
            return earlier
    if channel not in CareChannel.values:
        raise IsolationRefused(
            _("Unknown way of contact %(c)s: phone, network or visit.") % {"c": channel or "—"}
        )
    needs = _text(needs, limit=CARE_TEXT_MAX, what=_("what was needed"))
    done = _text(done, limit=CARE_TEXT_MAX, what=_("what was done"))
    when = _moment(at, now=now)
    if when > now + dt.timedelta(minutes=5):
        raise IsolationRefused(
            _("A contact is logged once it happened: the time is in the future.")
        )
    if isolation.starts_on and business_day(when) < isolation.starts_on:
        raise IsolationRefused(_("The contact is before the isolation started."))
    # Someone else logging it (for the carer) still names the carer.
    carer = isolation.carer or actor.person
    if carer is None:
        raise IsolationRefused(_("This isolation has no carer: name one first."))
    try:
        with transaction.atomic():
            locked = _locked(isolation, state=IsolationState.ACTIVE)
            log = CareLog.objects.create(
                isolation=locked,
                carer=carer,
                at=when,
                channel=channel,
                needs=needs,
                done=done,
                logged_by=actor,
                client_id=client_id,
            )
            if locked.last_care_at is None or when > locked.last_care_at:
                Isolation.objects.filter(pk=locked.pk).update(last_care_at=when)
                isolation.last_care_at = when
            _close_care_missed(
                locked.person_id,
                note=_localized("Contacted by the carer."),
                now=now,
                actor=actor,
            )
    except IntegrityError:
        earlier = isolation.care_logs.filter(client_id=client_id).first()
        if not client_id or earlier is None:
            raise
        return earlier
    return log


# --- selectors ------------------------------------------------------------------------------------


def isolations_visible(*, scope: Scope) -> QuerySet[Isolation]:
    """The isolations of the people in the viewer's reach, newest first."""
    return (
        Isolation.objects.filter(scope.people_q(prefix="person__"))
        .select_related("person", "person__unit", "carer", "campaign", "key_area")
        .order_by("-proposed_at", "-pk")
    )


def isolation_for(user: User, uid: uuid.UUID | str) -> Isolation:
    """One isolation the user reaches, or cares for; IsolationRefused(404) otherwise."""
    try:
        uid = uuid.UUID(str(uid))
    except ValueError:
        raise _not_found() from None
    isolation = isolations_visible(scope=scope_of(user)).filter(uid=uid).first()
    if isolation is None and user.person_id is not None:
        isolation = (
            Isolation.objects.filter(uid=uid, carer_id=user.person_id)
            .select_related("person", "person__unit", "carer", "campaign", "key_area")
            .first()
        )
    if isolation is None:
        raise _not_found()
    return isolation


def care_due(isolation: Isolation, *, today: dt.date) -> tuple[int, bool, bool]:
    """(days since the last contact or the start, due today, overdue) of an active isolation."""
    if isolation.state != IsolationState.ACTIVE or isolation.starts_on is None:
        return 0, False, False
    last = business_day(isolation.last_care_at) if isolation.last_care_at else None
    since = (today - (last or isolation.starts_on)).days
    days = max(isolation.campaign.care_contact_days, 1)
    if last is None:
        # Never contacted: due from the start, overdue once the days have passed.
        return since, True, since >= days
    return since, since >= days, since > days


@dataclass(frozen=True)
class CheckInDay:
    day: dt.date
    temperature: Any
    symptoms: list[str]  # their labels
    abnormal: bool  # a fever or a symptom


@dataclass(frozen=True)
class CaredFor:
    """One person a carer cares for, with what the carer's page shows."""

    isolation: Isolation
    checkins: list[CheckInDay]  # of the last 7 days, newest first
    last_care_at: dt.datetime | None
    days_since: int
    due: bool
    overdue: bool


def _checkins_of(person_ids: list[int], *, first: dt.date, last: dt.date) -> dict:
    """person id → their check-ins from `first` to `last`, newest first: one query a chunk."""
    by_person: dict[int, list[CheckInDay]] = defaultdict(list)
    campaigns: dict[int, Campaign] = {}
    for chunk in chunks(person_ids):
        rows = (
            CheckIn.objects.filter(person_id__in=chunk, day__range=(first, last))
            .order_by("-day")
            .values_list("person_id", "campaign_id", "day", "temperature", "symptoms")
        )
        for person_id, campaign_id, day, temperature, symptoms in rows:
            if campaign_id not in campaigns:
                campaigns[campaign_id] = Campaign.objects.get(pk=campaign_id)
            campaign = campaigns[campaign_id]
            by_person[person_id].append(
                CheckInDay(
                    day=day,
                    temperature=temperature,
                    symptoms=[campaign.symptom_label(code) for code in symptoms],
                    abnormal=temperature >= campaign.fever_threshold or bool(symptoms),
                )
            )
    return by_person


def cared_by(*, carer: Person, today: dt.date) -> list[CaredFor]:
    """The carer's active isolations, overdue and due first, each with the person's
    check-ins of the last 7 days (one query for all)."""
    isolations = list(
        Isolation.objects.filter(carer=carer, state=IsolationState.ACTIVE)
        .select_related("person", "person__unit", "campaign")
        .order_by("starts_on", "pk")
    )
    first = today - dt.timedelta(days=CARE_CHECKIN_DAYS - 1)
    checkins = _checkins_of([i.person_id for i in isolations], first=first, last=today)
    cared = []
    for isolation in isolations:
        since, due, overdue = care_due(isolation, today=today)
        cared.append(
            CaredFor(
                isolation=isolation,
                checkins=checkins.get(isolation.person_id, []),
                last_care_at=isolation.last_care_at,
                days_since=since,
                due=due,
                overdue=overdue,
            )
        )
    cared.sort(key=lambda c: (not c.overdue, not c.due))
    return cared


def isolation_checkins(isolation: Isolation, *, today: dt.date) -> list[CheckInDay]:
    """The person's check-ins during the isolation (to its end or today), newest first."""
    if isolation.starts_on is None:
        return []
    last = isolation.ended_on or today
    return _checkins_of([isolation.person_id], first=isolation.starts_on, last=last).get(
        isolation.person_id, []
    )


# --- missed contact -----------------------------------------------------------------------------


def _superior(levels: list[list[Person]], carer_id: int | None) -> Person | None:
    """The next level above the carer in the person's chain; the nearest one if the carer is
    not in it (or is at its top: then the nearest who is not the carer)."""
    for i, people in enumerate(levels):
        if any(p.pk == carer_id for p in people):
            for above in levels[i + 1 :]:
                return above[0]
            break
    for people in levels:
        for person in people:
            if person.pk != carer_id:
                return person
    return None


def care_missed_raise(*, now: dt.datetime, campaign: Campaign | None = None) -> int:
    """Raise a yellow "care missed" alert for every person under active isolation whose last
    contact by their carer (or the start, if none) is older than the campaign's days; owned
    by the carer's superior. Idempotent: one open alert per person and kind. Only the running
    campaign's (or `campaign`'s) isolations: one left open in an ended campaign is not chased
    every minute for ever."""
    from bastion.alerts.models import Alert, AlertState
    from bastion.alerts.services import Owners, Raise, alerts_raise_many

    today = business_day(now)
    owners = Owners(day=today)
    campaign = campaign or active_campaign()
    if campaign is None:
        return 0
    days = max(campaign.care_contact_days, 1)
    cutoff = now - dt.timedelta(days=days)
    local = cutoff.astimezone(SHANGHAI)
    # The start of isolation is the start of its first day: before the cut-off when
    # that day is before the cut-off's day (or the same day, past midnight).
    started_before = (
        local.date() if local.time() > dt.time.min else local.date() - dt.timedelta(days=1)
    )
    already = Alert.objects.filter(person=OuterRef("person_id"), kind=CARE_MISSED).exclude(
        state=AlertState.CLOSED
    )
    missed = list(
        Isolation.objects.filter(campaign=campaign, state=IsolationState.ACTIVE)
        .filter(
            Q(last_care_at__lt=cutoff) | Q(last_care_at__isnull=True, starts_on__lte=started_before)
        )
        .filter(~Exists(already))
        .select_related("person", "carer")
    )
    if not missed:
        return 0
    owners.preload(pairs={(i.person.unit_id, i.person.grid_id) for i in missed})
    raises, owner_of = [], {}
    for isolation in missed:
        person, carer = isolation.person, isolation.carer
        last = isolation.last_care_at
        since = (today - (business_day(last) if last else isolation.starts_on)).days
        summary = (
            f"隔离人员{person.name}已{max(since, days)}天未获照护联系"
            f"（照护人：{carer.name if carer else '无'}）"
        )
        raises.append(Raise(person.pk, person.unit_id, person.grid_id, person.name, summary))
        levels = owners.levels(person_id=person.pk, unit_id=person.unit_id, grid_id=person.grid_id)
        superior = _superior(levels, isolation.carer_id)
        if superior is not None:
            owner_of[person.pk] = superior.pk
    with transaction.atomic():
        raised = len(
            alerts_raise_many(
                campaign=campaign,
                kind=CARE_MISSED,
                severity="yellow",
                raises=raises,
                now=now,
                owners=owners,
                key=f"alerts:{CARE_MISSED}:{today}",
                owner_of=owner_of,
            )
        )
    return raised
