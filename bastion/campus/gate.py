"""The campus gate: a person's pass and its colour, and the check at the gate that admits or
refuses, with the reason, and logs every attempt.

The colour on a pass is worked out when it is issued, at most a minute before the gate sees
it; the server checks again at the gate with what it knows then (an isolation started a
second ago refuses a green pass). A gate device offline trusts the signed colour alone.
"""

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass

import segno
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.alerts.missing import EARLY_RETURN
from bastion.audit.services import audit_update
from bastion.campaigns.selectors import active_campaign
from bastion.campus.models import (
    AccessLog,
    Direction,
    ReturnApplication,
    ReturnState,
    SemesterPlan,
    Stay,
)
from bastion.campus.passes import Colour, GatePass, PassRefused, pass_read, pass_sign
from bastion.lib.days import business_day
from bastion.org.models import HealthStatus, Person, PersonKind
from bastion.tracing.models import Isolation, IsolationState


@dataclass(frozen=True)
class Standing:
    """What a person's pass says now: a colour and why."""

    colour: str
    reason: str
    early_until: dt.date | None = None  # approved to return on this later day
    arriving: int | None = None  # the approved return application not yet used to enter


def _with_facts(people: QuerySet[Person]) -> QuerySet[Person]:
    """People with everything their pass depends on, in the same query as the person: the
    running campaign's plan (its start, whether staff may come meanwhile), an active
    isolation, a stay, their approved return (its day, whether used), a leave they are out on.
    One statement: a gate check is this and the log's INSERT."""
    from bastion.campus.models import LeaveApplication, LeaveState

    running = SemesterPlan.objects.filter(campaign__is_active=True)
    approved = ReturnApplication.objects.filter(
        person=OuterRef("pk"), campaign__is_active=True, state=ReturnState.APPROVED
    ).order_by("-submitted_at")
    return people.annotate(
        plan_start=Subquery(
            running.annotate(start=Coalesce("deferred_start_on", "semester_starts_on")).values(
                "start"
            )[:1]
        ),
        plan_staff=Subquery(running.values("staff_on_campus")[:1]),
        isolated=Exists(
            Isolation.objects.filter(person=OuterRef("pk"), state=IsolationState.ACTIVE)
        ),
        stayed=Exists(Stay.objects.filter(person=OuterRef("pk"), campaign__is_active=True)),
        approved_pk=Subquery(approved.values("pk")[:1]),
        approved_day=Subquery(approved.values("scheduled_on")[:1]),
        approved_arrived=Subquery(approved.values("arrived_at")[:1]),
        out_on_leave=Exists(
            LeaveApplication.objects.filter(person=OuterRef("pk"), state=LeaveState.OUT)
        ),
    )


_FACTS_SQL: dict[tuple[str, str], tuple[str, list, int]] = {}
_MARK = {"number": "\x00number\x00", "pk": -7_070_707}


def _person_with_facts(*, number: str | None = None, pk: int | None = None) -> Person | None:
    """One person by number or primary key, read with `_with_facts`. The ORM's SQL is built
    once per database vendor and kept: compiling it cost every gate check more than running
    it (the _TokenQuery of accounts.services does the same for the API's tokens)."""
    field, value = ("number", number) if number is not None else ("pk", pk)
    key = (connection.vendor, field)
    built = _FACTS_SQL.get(key)
    if built is None:
        query = _with_facts(Person.objects.filter(**{field: _MARK[field]})).query
        sql, params = query.sql_with_params()
        params = list(params)
        built = _FACTS_SQL[key] = (sql, params, params.index(_MARK[field]))
    sql, params, at = built
    params = [*params[:at], value, *params[at + 1 :]]
    found = list(Person.objects.raw(sql, params))
    if not found:
        return None
    person = found[0]
    # Raw rows convert the model's fields, not the annotations: SQLite gives dates as text.
    for name in ("plan_start", "approved_day"):
        day = getattr(person, name)
        if isinstance(day, str):
            setattr(person, name, dt.date.fromisoformat(day[:10]))
    return person


def _standing(person: Person, now: dt.datetime) -> Standing:
    """The colour of a person read with `_with_facts`: isolation and health first, then whether
    they may be on campus under the plan (a student needs an approved return, or a stay)."""
    if person.isolated:
        return Standing(Colour.RED, _("Under isolation"))
    if person.health_status == HealthStatus.RED:
        return Standing(Colour.RED, person.health_reason or _("Abnormal (red)"))
    if person.health_status == HealthStatus.YELLOW:
        return Standing(Colour.YELLOW, person.health_reason or _("Abnormal (yellow)"))
    if person.plan_start is None:  # no semester plan: nothing restricts the campus
        return Standing(Colour.GREEN, "")
    today = business_day(now)
    if person.kind == PersonKind.STAFF:
        if person.plan_staff or today >= person.plan_start:
            return Standing(Colour.GREEN, "")
        return Standing(
            Colour.GREY, _("Staff come to campus from %(day)s") % {"day": person.plan_start}
        )
    if person.stayed:
        return Standing(Colour.GREEN, _("Stayed on campus"))
    if person.approved_pk is None:
        return Standing(Colour.GREY, _("No approved return to campus"))
    day = person.approved_day
    if day is not None and day > today:
        return Standing(
            Colour.GREY,
            _("Approved to return on %(day)s, not before") % {"day": day},
            early_until=day,
        )
    arriving = person.approved_pk if person.approved_arrived is None else None
    return Standing(Colour.GREEN, "", arriving=arriving)


def standing(*, person: Person, now: dt.datetime) -> Standing:
    """The colour of `person`'s pass now, and why (one query)."""
    return _standing(_person_with_facts(pk=person.pk), now)


def pass_issue(*, person: Person, now: dt.datetime | None = None) -> str:
    """A fresh pass for `person`, good for a minute."""
    now = now or timezone.now()
    now_standing = standing(person=person, now=now)
    return pass_sign(
        number=person.number,
        name=person.name,
        colour=now_standing.colour,
        reason=now_standing.reason,
        now=now,
    )


def pass_svg(code: str) -> str:
    """The pass as an inline SVG QR code (error correction M, dark on white)."""
    return segno.make(code, error="m", micro=False).svg_inline(scale=6, border=2, dark="#111")


@dataclass(frozen=True)
class GateAnswer:
    admitted: bool
    reason: str
    name: str = ""
    number: str = ""
    colour: str = ""
    log_uid: str = ""


def may_check(actor: User) -> bool:
    return scope_of(actor).has(Perm.GATE_CHECK)


def _log(
    *,
    actor: User,
    gate: str,
    direction: str,
    now: dt.datetime,
    admitted: bool,
    reason: str,
    person: Person | None = None,
    nonce: str = "",
) -> AccessLog:
    return AccessLog.objects.create(
        uid=uuid.uuid4(),
        at=now,
        gate=gate[:50],
        direction=direction,
        person=person,
        admitted=admitted,
        reason=reason[:200],
        nonce=nonce,
        checked_by=actor,
    )


def gate_check(
    *,
    actor: User,
    code: str,
    direction: str,
    gate: str = "",
    now: dt.datetime | None = None,
) -> GateAnswer:
    """Check a pass at a gate: admit or refuse, with the reason; every attempt is logged.

    Refused: a pass that is not Bastion's, altered, forged, expired or already used; a person
    isolated, red or yellow; a student not approved to be on campus, or early (flagged to
    their owner); going out, a student without an approved leave for now.
    """
    now = now or timezone.now()
    if not may_check(actor):
        raise PassRefused(_("Checking passes at the gate is not among your duties."), status=403)
    if direction not in Direction.values:
        raise PassRefused(_("Say whether the person is going in or out."))
    if not (code or "").strip().startswith("BP1."):
        from bastion.campus.places import visitor_by_code

        visitor = visitor_by_code(code or "")
        if visitor is not None:
            return _visitor(actor=actor, visitor=visitor, direction=direction, gate=gate, now=now)
    try:
        gate_pass = pass_read(code, now=now)
    except PassRefused as refused:
        log = _log(
            actor=actor,
            gate=gate,
            direction=direction,
            now=now,
            admitted=False,
            reason=refused.message,
        )
        return GateAnswer(False, refused.message, log_uid=str(log.uid))
    person = _person_with_facts(number=gate_pass.number)
    if person is None:
        reason = _("Nobody with this number is on the roll.")
        log = _log(
            actor=actor, gate=gate, direction=direction, now=now, admitted=False, reason=reason
        )
        return GateAnswer(False, reason, gate_pass.name, gate_pass.number, log_uid=str(log.uid))
    return _decide(
        actor=actor,
        gate_pass=gate_pass,
        person=person,
        fresh=_standing(person, now),
        direction=direction,
        gate=gate,
        now=now,
    )


def _decide(
    *,
    actor: User,
    gate_pass: GatePass,
    person: Person,
    fresh: Standing,
    direction: str,
    gate: str,
    now: dt.datetime,
) -> GateAnswer:
    """Admit or refuse on the worse of the signed colour and what the server knows now, and
    log it. The common case (admitted, nothing else to move) is one INSERT; an admitted nonce
    is unique in the log, so a replay fails there and is logged as refused."""
    from bastion.campus import leave as leave_service

    colour = fresh.colour if fresh.colour != Colour.GREEN else gate_pass.colour
    reason = fresh.reason if fresh.colour != Colour.GREEN else gate_pass.reason
    admitted = colour == Colour.GREEN
    going_out = direction == Direction.OUT
    if going_out and person.kind == PersonKind.STUDENT and colour in (Colour.GREEN, Colour.GREY):
        admitted = leave_service.leave_current(person=person, at=now) is not None
        reason = "" if admitted else _("No approved leave to go out now.")
    elif not admitted:
        reason = reason or _("Not admitted")
    entry = {"actor": actor, "gate": gate, "direction": direction, "now": now, "person": person}
    coming_in = admitted and not going_out
    early = not admitted and not going_out and fresh.early_until is not None
    more = (
        (admitted and going_out)
        or early
        or (coming_in and (fresh.arriving is not None or person.out_on_leave))
    )
    try:
        # Alone, the log's INSERT needs no transaction of its own (one statement), unless the
        # caller's transaction must survive a replay's IntegrityError (a savepoint then).
        alone = not more and not transaction.get_connection().in_atomic_block
        with contextlib.nullcontext() if alone else transaction.atomic():
            log = _log(**entry, admitted=admitted, reason=reason, nonce=gate_pass.nonce)
            if coming_in and fresh.arriving is not None:
                audit_update(ReturnApplication.objects.filter(pk=fresh.arriving), arrived_at=now)
            if coming_in and person.out_on_leave:
                leave_service.leave_mark_back(person=person, at=now)
            if admitted and going_out:
                leave_service.leave_mark_out(person=person, at=now)
            if early:
                _flag_early(person=person, until=fresh.early_until, now=now)
    except IntegrityError:
        # This pass was admitted already (here a moment ago, or at another gate).
        admitted, reason = False, _("This pass has been used already: ask for the live one.")
        log = _log(**entry, admitted=False, reason=reason)
    return GateAnswer(admitted, reason, person.name, person.number, colour, log_uid=str(log.uid))


def _visitor(*, actor: User, visitor, direction: str, gate: str, now: dt.datetime) -> GateAnswer:
    """A registered visitor at the gate, by their code: admitted within their window only."""
    from bastion.campus.places import visitor_state

    state = visitor_state(visitor, now=now)
    reasons = {
        "revoked": _("The visit was cancelled."),
        "upcoming": _("The visit starts at %(at)s.")
        % {"at": timezone.localtime(visitor.valid_from).strftime("%m-%d %H:%M")},
        "ended": _("The visit ended at %(at)s.")
        % {"at": timezone.localtime(visitor.valid_until).strftime("%m-%d %H:%M")},
    }
    admitted = state == "current" or direction == Direction.OUT
    reason = "" if admitted else reasons.get(state, _("Not admitted"))
    log = AccessLog.objects.create(
        uid=uuid.uuid4(),
        at=now,
        gate=gate[:50],
        direction=direction,
        visitor=visitor,
        admitted=admitted,
        reason=reason,
        checked_by=actor,
    )
    host = _("host: %(name)s") % {"name": visitor.host.name}
    return GateAnswer(admitted, reason, f"{visitor.name}（{host}）", "", "", log_uid=str(log.uid))


def _flag_early(*, person: Person, until: dt.date, now: dt.datetime) -> None:
    """An attempt to return before one's approved day: an alert to the person's owner."""
    from bastion.alerts.models import Alert, AlertState
    from bastion.alerts.services import Owners, Raise, alerts_raise_many

    campaign = active_campaign()
    if campaign is None:
        return
    if (
        Alert.objects.filter(person=person, kind=EARLY_RETURN)
        .exclude(state=AlertState.CLOSED)
        .exists()
    ):
        return
    summary = f"提前返校被拦截：获准返校日期为{until:%Y-%m-%d}"
    alerts_raise_many(
        campaign=campaign,
        kind=EARLY_RETURN,
        severity="yellow",
        raises=[Raise(person.pk, person.unit_id, person.grid_id, person.name, summary)],
        now=now,
        owners=Owners(day=business_day(now)),
        key=f"alerts:{EARLY_RETURN}:{business_day(now)}:{person.pk}",
    )


def access_log_visible(*, actor: User):
    """The gate's log: all of it for those who see everyone; else the entries of the people in
    reach and those the actor checked (a gate keeper sees their own gate's work)."""
    from django.db.models import Q

    scope = scope_of(actor)
    if scope.everyone:
        return AccessLog.objects.all()
    return AccessLog.objects.filter(Q(person__in=scope.people()) | Q(checked_by=actor))
