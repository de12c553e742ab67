"""The campus gate: a person's pass and its colour, and the check at the gate that admits or
refuses, with the reason, and logs every attempt.

The colour on a pass is worked out when it is issued, at most a minute before the gate sees
it; the server checks again at the gate with what it knows then (an isolation started a
second ago refuses a green pass). A gate device offline trusts the signed colour alone.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

import segno
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.alerts.missing import EARLY_RETURN
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


def standing(*, person: Person, now: dt.datetime) -> Standing:
    """The colour of `person`'s pass now: isolation and health first, then whether they may be
    on campus under the semester plan (a student needs an approved return, or to have stayed)."""
    if Isolation.objects.filter(person=person, state=IsolationState.ACTIVE).exists():
        return Standing(Colour.RED, _("Under isolation"))
    if person.health_status == HealthStatus.RED:
        return Standing(Colour.RED, person.health_reason or _("Abnormal (red)"))
    if person.health_status == HealthStatus.YELLOW:
        return Standing(Colour.YELLOW, person.health_reason or _("Abnormal (yellow)"))
    # The running campaign's plan, with the campaign, in one query.
    plan = SemesterPlan.objects.select_related("campaign").filter(campaign__is_active=True).first()
    if plan is None:
        return Standing(Colour.GREEN, "")
    campaign = plan.campaign
    today = business_day(now)
    if person.kind == PersonKind.STAFF:
        if plan.staff_on_campus or today >= plan.start_on:
            return Standing(Colour.GREEN, "")
        return Standing(
            Colour.GREY, _("Staff come to campus from %(day)s") % {"day": plan.start_on}
        )
    if Stay.objects.filter(campaign=campaign, person=person).exists():
        return Standing(Colour.GREEN, _("Stayed on campus"))
    approved = (
        ReturnApplication.objects.filter(
            campaign=campaign, person=person, state=ReturnState.APPROVED
        )
        .order_by("-submitted_at")
        .first()
    )
    if approved is None:
        return Standing(Colour.GREY, _("No approved return to campus"))
    if approved.scheduled_on and approved.scheduled_on > today:
        return Standing(
            Colour.GREY,
            _("Approved to return on %(day)s, not before") % {"day": approved.scheduled_on},
            early_until=approved.scheduled_on,
        )
    return Standing(Colour.GREEN, "", arriving=approved.pk if approved.arrived_at is None else None)


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
    person = Person.objects.filter(number=gate_pass.number).first()
    if person is None:
        reason = _("Nobody with this number is on the roll.")
        log = _log(
            actor=actor, gate=gate, direction=direction, now=now, admitted=False, reason=reason
        )
        return GateAnswer(False, reason, gate_pass.name, gate_pass.number, log_uid=str(log.uid))
    return _decide(
        actor=actor, gate_pass=gate_pass, person=person, direction=direction, gate=gate, now=now
    )


def _decide(
    *, actor: User, gate_pass: GatePass, person: Person, direction: str, gate: str, now: dt.datetime
) -> GateAnswer:
    from bastion.campus import leave as leave_service

    fresh = standing(person=person, now=now)
    # The worse of the signed colour and what the server knows now.
    colour = fresh.colour if fresh.colour != Colour.GREEN else gate_pass.colour
    reason = fresh.reason if fresh.colour != Colour.GREEN else gate_pass.reason
    admitted = colour == Colour.GREEN
    if AccessLog.objects.filter(nonce=gate_pass.nonce, admitted=True).exists():
        admitted, reason = False, _("This pass has been used already: ask for the live one.")
    elif (
        direction == Direction.OUT
        and person.kind == PersonKind.STUDENT
        and colour
        in (
            Colour.GREEN,
            Colour.GREY,
        )
    ):
        current = leave_service.leave_current(person=person, at=now)
        admitted = current is not None
        reason = "" if admitted else _("No approved leave to go out now.")
    elif not admitted:
        reason = reason or _("Not admitted")
    with transaction.atomic():
        try:
            with transaction.atomic():
                log = _log(
                    actor=actor,
                    gate=gate,
                    direction=direction,
                    now=now,
                    admitted=admitted,
                    reason=reason,
                    person=person,
                    nonce=gate_pass.nonce,
                )
        except IntegrityError:
            # The same pass admitted already (here a moment ago, or at another gate).
            admitted, reason = False, _("This pass has been used already: ask for the live one.")
            log = _log(
                actor=actor,
                gate=gate,
                direction=direction,
                now=now,
                admitted=False,
                reason=reason,
                person=person,
                nonce="",
            )
        if admitted and direction == Direction.IN:
            if fresh.arriving is not None:
                ReturnApplication.objects.filter(pk=fresh.arriving).update(arrived_at=now)
            leave_service.leave_mark_back(person=person, at=now)
        elif admitted and direction == Direction.OUT:
            leave_service.leave_mark_out(person=person, at=now)
        elif direction == Direction.IN and fresh.early_until is not None:
            _flag_early(person=person, until=fresh.early_until, now=now)
    return GateAnswer(admitted, reason, person.name, person.number, colour, log_uid=str(log.uid))


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
