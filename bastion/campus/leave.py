"""Leave to go out of campus (请假/出校): a person applies (or one who may approve applies for
them) with why, where, and from when until when; a counselor decides a student's leave, a
leader of their unit a staff member's, nobody their own. The gate marks the person out and
back; one not back by their time (and the plan's grace) raises an alert to their owner.

Services and selectors of the sub-area in one module (as tracing.isolation): every write checks
everything first, then writes in one transaction; notifications wait for the commit (outbox).
"""

import datetime as dt
import logging
import uuid
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from bastion.accounts.models import User
from bastion.accounts.roles import ROLES, Perm, Reach, Role
from bastion.accounts.scoping import Scope, may_act_for, scope_of
from bastion.alerts.missing import LEAVE_OVERDUE
from bastion.audit.services import audit_update
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campus.models import LeaveApplication, LeaveState, SemesterPlan
from bastion.lib import divisions
from bastion.lib.days import SHANGHAI, business_day
from bastion.lib.inputs import text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.notify.services import notify
from bastion.org.models import Person, PersonKind, Position
from bastion.tracing.models import Isolation, IsolationState

logger = logging.getLogger(__name__)

REASON_MAX = 200
DESTINATION_MAX = 100
NOTE_MAX = 300
CLIENT_ID_MAX = 64
LEAVE_MAX_DAYS = 30
# A form filled in at 14:00 for "14:00" is sent a little later: a few minutes of slack.
PAST_SLACK = dt.timedelta(minutes=10)
# The gate lets a person out a little before their leave starts.
EXIT_EARLY = dt.timedelta(minutes=30)
# The plan's grace when the campaign has no semester plan.
DEFAULT_GRACE_MINUTES = 30
# Leaves that hold their window: another leave may not overlap them.
OPEN_LEAVE_STATES = (LeaveState.PENDING, LeaveState.APPROVED, LeaveState.OUT)
# Who decides a staff member's leave: a leader of their unit (or the leading group).
UNIT_LEADER_ROLES = (Role.COLLEGE_LEADER, Role.LAB_HEAD, Role.LEADING_GROUP)

_NONE = Q(pk__in=[])


class LeaveRefused(Refused):
    """A leave step that may not happen: a message a person understands, nothing written.

    `status`: 404 for a person or leave out of reach (the same answer as a missing one), 403
    for one in reach that the actor may not decide or withdraw (their own, the wrong role),
    409 when the leave's state does not allow the step, 400 for bad input.
    """


def _not_found() -> LeaveRefused:
    return LeaveRefused(_("Not found, or not in your reach."), status=404)


def _localized(text: str, **values: Any) -> str:
    """A message sent (notifications) or stored (notes): in the site's language, not the
    requester's. Callers mark `text` with gettext_noop so that makemessages finds it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values if values else _(text)


def _local(moment: dt.datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(SHANGHAI).strftime(fmt)


def _name_of(user: User | None) -> str:
    if user is None:
        return "—"
    return user.person.name if user.person_id is not None else user.get_username()


# --- who may do what --------------------------------------------------------------------------


def leave_may_apply(*, actor: User, person: Person) -> bool:
    """The person themself, or one who may approve leave and whose reach holds them."""
    return may_act_for(actor=actor, person=person, perm=Perm.APPROVE_LEAVE)


def _unit_leader_q(actor: User, *, day: dt.date) -> Q:
    """Q over LeaveApplication: the leaves whose person a unit-leader position of the actor
    (college leader, lab head, leading group) reaches. Only those positions count: a counselor
    who also heads a lab decides the staff of the lab, not those of the counselor's college."""
    if actor.is_superuser:
        return Q()
    if actor.person_id is None:
        return _NONE
    parts = []
    held = Position.objects.active(day).filter(
        person_id=actor.person_id, role__in=UNIT_LEADER_ROLES
    )
    for role, path in held.values_list("role", "unit__path"):
        if ROLES[Role(role)].reach is Reach.EVERYONE:
            return Q()
        if path:
            parts.append(Q(person__unit__path__startswith=path))
    return reduce(or_, parts) if parts else _NONE


def _decidable_q(actor: User, *, day: dt.date) -> Q:
    """Q over LeaveApplication: the leaves the actor may decide, whatever their state: a
    student's in the reach of one who may approve leave, a staff member's in the reach of a
    leader of their unit, never the actor's own."""
    scope = scope_of(actor)
    if not scope.has(Perm.APPROVE_LEAVE):
        return _NONE
    q = scope.people_q(prefix="person__") & (
        Q(person__kind=PersonKind.STUDENT)
        | (Q(person__kind=PersonKind.STAFF) & _unit_leader_q(actor, day=day))
    )
    if actor.person_id is not None:
        q &= ~Q(person_id=actor.person_id)
    return q


def leave_decide_refusal(*, actor: User, leave: LeaveApplication) -> str | None:
    """Why the actor may not decide this leave (which they can see), or None if they may."""
    if actor.person_id is not None and actor.person_id == leave.person_id:
        return _("Nobody decides their own leave.")
    day = business_day()
    if LeaveApplication.objects.filter(_decidable_q(actor, day=day), pk=leave.pk).exists():
        return None
    if leave.person.kind == PersonKind.STAFF:
        return _(
            "A staff member's leave is decided by a leader of their unit (a college leader, "
            "a lab head or the leading group)."
        )
    return _("You may not decide leave: the person's counselor or a leader of their unit does.")


def leave_may_decide(*, actor: User, leave: LeaveApplication) -> bool:
    return leave_decide_refusal(actor=actor, leave=leave) is None


# --- checks of what is typed ------------------------------------------------------------------


def _text(value: Any, **checks: Any) -> str:
    """Clean text; `required`, when given, is the refusal's words for an empty one."""
    return text_input(value, refused=LeaveRefused, **checks)


def _moment(value: Any, *, what: str) -> dt.datetime:
    """An aware moment from a datetime or text such as 2020-02-10T14:00; naive is Shanghai."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = clean(value)
        if not text:
            raise LeaveRefused(_("Fill in the %(what)s.") % {"what": what})
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None:
            raise LeaveRefused(
                _("The %(what)s must be a moment such as 2020-02-10 14:00.") % {"what": what}
            )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    try:
        return moment.astimezone(SHANGHAI)
    except OverflowError:  # a moment near year 1 or 9999 in another zone
        raise LeaveRefused(
            _("The %(what)s must be a moment such as 2020-02-10 14:00.") % {"what": what}
        ) from None


def _division(code: Any) -> str:
    code = clean(code)
    if code and divisions.get(code) is None:
        raise LeaveRefused(
            _("Unknown division code %(code)s: pick a province, city and county.") % {"code": code}
        )
    return code


def _isolated(person: Person) -> bool:
    return Isolation.objects.filter(person=person, state=IsolationState.ACTIVE).exists()


def _overlapping(
    person: Person, *, leaves_at: dt.datetime, returns_by: dt.datetime
) -> LeaveApplication | None:
    return (
        LeaveApplication.objects.filter(
            person=person,
            state__in=OPEN_LEAVE_STATES,
            leaves_at__lt=returns_by,
            returns_by__gt=leaves_at,
        )
        .order_by("leaves_at")
        .first()
    )


def _clean_client_id(client_id: Any) -> str:
    client_id = clean(client_id)
    if len(client_id) > CLIENT_ID_MAX:
        raise LeaveRefused(
            _("The client id is longer than %(n)d characters.") % {"n": CLIENT_ID_MAX}
        )
    return client_id


# --- applying ---------------------------------------------------------------------------------


def leave_replayed(*, person: Person, client_id: str) -> bool:
    """Was a leave with this client id applied for already (a retry)?"""
    client_id = clean(client_id)
    return (
        bool(client_id)
        and LeaveApplication.objects.filter(person=person, client_id=client_id).exists()
    )


def leave_apply(
    *,
    actor: User,
    person: Person,
    campaign: Campaign | None,
    reason: str,
    destination: str,
    division: str = "",
    leaves_at: dt.datetime | str,
    returns_by: dt.datetime | str,
    client_id: str = "",
    now: dt.datetime | None = None,
) -> LeaveApplication:
    """Apply for leave to go out of campus, awaiting approval.

    Refused when the time out has passed, the time back is not after it, the leave is longer
    than 30 days, the division code is unknown, it overlaps another open leave of the person,
    or the person is under isolation. A retry with the same client id answers the leave it
    made and writes nothing. The person themself applies, or one who may approve their leave.
    """
    now = now or timezone.now()
    if not leave_may_apply(actor=actor, person=person):
        raise _not_found()
    client_id = _clean_client_id(client_id)
    if client_id:
        earlier = LeaveApplication.objects.filter(person=person, client_id=client_id).first()
        if earlier is not None:
            return earlier
    if campaign is None:
        raise LeaveRefused(_("No campaign is running: there is no leave to apply for."))
    reason = _text(reason, limit=REASON_MAX, what=_("reason"), required=_("Say why you go out."))
    destination = _text(
        destination,
        limit=DESTINATION_MAX,
        what=_("destination"),
        required=_("Say where you go."),
    )
    division = _division(division)
    leaves_at = _moment(leaves_at, what=_("time out"))
    returns_by = _moment(returns_by, what=_("time back"))
    if leaves_at < now - PAST_SLACK:
        raise LeaveRefused(_("The time out has passed: apply for leave before going out."))
    if returns_by <= leaves_at:
        raise LeaveRefused(_("The time back must be after the time out."))
    if returns_by - leaves_at > dt.timedelta(days=LEAVE_MAX_DAYS):
        raise LeaveRefused(_("A leave lasts at most %(n)d days.") % {"n": LEAVE_MAX_DAYS})

    def refuse_if_blocked() -> None:
        if _isolated(person):
            raise LeaveRefused(
                _("%(name)s is under isolation: no leave until it is released.")
                % {"name": person.name}
            )
        other = _overlapping(person, leaves_at=leaves_at, returns_by=returns_by)
        if other is not None:
            raise LeaveRefused(
                _("It overlaps another leave, from %(start)s to %(end)s (%(state)s).")
                % {
                    "start": _local(other.leaves_at),
                    "end": _local(other.returns_by),
                    "state": other.get_state_display(),
                },
                status=409,
            )

    refuse_if_blocked()
    try:
        with transaction.atomic():
            # One writer per person at a time: the overlap is checked again under the lock.
            Person.objects.select_for_update().filter(pk=person.pk).first()
            refuse_if_blocked()
            return LeaveApplication.objects.create(
                campaign=campaign,
                person=person,
                reason=reason,
                destination=destination,
                division=division,
                leaves_at=leaves_at,
                returns_by=returns_by,
                submitted_at=now,
                client_id=client_id,
            )
    except IntegrityError:
        earlier = (
            LeaveApplication.objects.filter(person=person, client_id=client_id).first()
            if client_id
            else None
        )
        if earlier is None:
            raise
        return earlier


# --- deciding and withdrawing -------------------------------------------------------------------


def _locked(leave: LeaveApplication) -> LeaveApplication:
    return (
        LeaveApplication.objects.select_for_update(of=("self",))
        .select_related("person", "campaign")
        .get(pk=leave.pk)
    )


def _wrong_state(leave: LeaveApplication) -> LeaveRefused:
    return LeaveRefused(
        _("This leave is %(state)s: it cannot be changed so; reload the page.")
        % {"state": leave.get_state_display()},
        status=409,
    )


def _visible_or_404(actor: User, leave: LeaveApplication) -> None:
    if not leaves_visible(scope=scope_of(actor)).filter(pk=leave.pk).exists():
        raise _not_found()


def _tell_decided(leave: LeaveApplication, actor: User) -> None:
    values = {
        "destination": leave.destination,
        "by": _name_of(actor),
        "start": _local(leave.leaves_at),
        "end": _local(leave.returns_by),
        "note": leave.decided_note,
    }
    if leave.state == LeaveState.APPROVED:
        subject = _localized(gettext_noop("Your leave to %(destination)s is approved"), **values)
        body = _localized(
            gettext_noop(
                "Approved by %(by)s: out from %(start)s, back by %(end)s. Show your pass at "
                "the gate going out and coming back; not back in time, you raise an alert to "
                "those who answer for you."
            ),
            **values,
        )
    else:
        subject = _localized(gettext_noop("Your leave to %(destination)s is rejected"), **values)
        body = _localized(
            gettext_noop("Rejected by %(by)s (out from %(start)s, back by %(end)s): %(note)s"),
            **values,
        )
    notify(
        key=f"leave:{leave.uid}:{leave.state}",
        recipients=[leave.person],
        subject=subject,
        body=body,
    )


def leave_decide(
    *,
    actor: User,
    leave: LeaveApplication,
    approve: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> LeaveApplication:
    """Approve or reject a pending leave (a rejection says why); the applicant is told once
    the decision is committed. Refused (403, logged) for one's own leave or without the right
    over the person; nothing is written."""
    now = now or timezone.now()
    _visible_or_404(actor, leave)
    refusal = leave_decide_refusal(actor=actor, leave=leave)
    if refusal is not None:
        logger.warning(
            "leave %s: decision by %s refused: %s", leave.uid, actor.get_username(), refusal
        )
        raise LeaveRefused(refusal, status=403)
    note = _text(note, limit=NOTE_MAX, what=pgettext("leave", "note"))
    if not approve and not note:
        raise LeaveRefused(_("Say why the leave is rejected, and what to do instead."))
    with transaction.atomic():
        leave = _locked(leave)
        if leave.state != LeaveState.PENDING:
            raise _wrong_state(leave)
        if approve:
            if leave.returns_by <= now:
                raise LeaveRefused(
                    _("This leave's time back has passed: it can only be rejected."), status=409
                )
            if _isolated(leave.person):
                raise LeaveRefused(
                    _("%(name)s is under isolation: the leave cannot be approved.")
                    % {"name": leave.person.name},
                    status=409,
                )
        leave.state = LeaveState.APPROVED if approve else LeaveState.REJECTED
        leave.decided_by = actor
        leave.decided_at = now
        leave.decided_note = note
        leave.save(update_fields=["state", "decided_by", "decided_at", "decided_note"])
        _tell_decided(leave, actor)
    return leave


def leave_withdraw(
    *, actor: User, leave: LeaveApplication, now: dt.datetime | None = None
) -> LeaveApplication:
    """The applicant withdraws their leave while it awaits a decision, or once approved
    before going out."""
    now = now or timezone.now()
    _visible_or_404(actor, leave)
    if actor.person_id is None or actor.person_id != leave.person_id:
        raise LeaveRefused(_("Only the applicant may withdraw their leave."), status=403)
    with transaction.atomic():
        leave = _locked(leave)
        if leave.state not in (LeaveState.PENDING, LeaveState.APPROVED) or leave.out_at:
            raise _wrong_state(leave)
        leave.state = LeaveState.WITHDRAWN
        leave.save(update_fields=["state"])
    return leave


# --- at the gate --------------------------------------------------------------------------------


def leave_current(*, person: Person, at: dt.datetime) -> LeaveApplication | None:
    """The person's approved leave whose window covers `at` (from half an hour before its time
    out to its time back): the gate lets them out on it. None when there is none."""
    return (
        LeaveApplication.objects.filter(
            person=person,
            state=LeaveState.APPROVED,
            out_at__isnull=True,
            leaves_at__lte=at + EXIT_EARLY,
            returns_by__gt=at,
        )
        .order_by("leaves_at")
        .first()
    )


def leave_mark_out(*, person: Person, at: dt.datetime) -> LeaveApplication | None:
    """The person went out through the gate: their current approved leave is now out (from
    `at`). Answers that leave, or None when they have none."""
    with transaction.atomic():
        leave = leave_current(person=person, at=at)
        if leave is None:
            return None
        moved = audit_update(
            LeaveApplication.objects.filter(pk=leave.pk, state=LeaveState.APPROVED),
            state=LeaveState.OUT,
            out_at=at,
        )
        if not moved:
            return None  # another gate marked it first
    leave.state, leave.out_at = LeaveState.OUT, at
    return leave


def _out_q() -> Q:
    """The leaves whose person went out and is not back yet."""
    return (Q(state=LeaveState.OUT) | Q(state=LeaveState.APPROVED, out_at__isnull=False)) & Q(
        back_at__isnull=True
    )


def leave_mark_back(*, person: Person, at: dt.datetime) -> LeaveApplication | None:
    """The person came back through the gate: their leave that is out is now back (at `at`),
    and an open alert of theirs for being overdue closes. Answers that leave, or None."""
    from bastion.alerts.models import Alert, AlertState
    from bastion.alerts.services import alerts_close_many

    with transaction.atomic():
        leave = (
            LeaveApplication.objects.select_for_update()
            .filter(_out_q(), person=person)
            .order_by("-out_at", "-pk")
            .first()
        )
        if leave is None:
            return None
        leave.state, leave.back_at = LeaveState.BACK, at
        leave.save(update_fields=["state", "back_at"])
        pks = list(
            Alert.objects.filter(person=person, kind=LEAVE_OVERDUE)
            .exclude(state=AlertState.CLOSED)
            .values_list("pk", flat=True)
        )
        alerts_close_many(
            pks=pks,
            note=_localized(gettext_noop("Back on campus at %(at)s."), at=_local(at)),
            now=at,
            actor=None,
        )
    return leave


# --- overdue ------------------------------------------------------------------------------------


def leave_grace(campaign: Campaign) -> dt.timedelta:
    """How late past their time back a person may be before their leave is overdue."""
    minutes = (
        SemesterPlan.objects.filter(campaign=campaign)
        .values_list("leave_grace_minutes", flat=True)
        .first()
    )
    return dt.timedelta(minutes=DEFAULT_GRACE_MINUTES if minutes is None else minutes)


def leave_is_overdue(leave: LeaveApplication, *, now: dt.datetime, grace: dt.timedelta) -> bool:
    """Out, not back, and past its time back and the grace."""
    went_out = leave.state == LeaveState.OUT or (
        leave.state == LeaveState.APPROVED and leave.out_at is not None
    )
    return went_out and leave.back_at is None and leave.returns_by + grace < now


def leaves_overdue_raise(*, now: dt.datetime, campaign: Campaign | None = None) -> int:
    """Raise a yellow "leave overdue" alert for every person out on leave past their time back
    and the plan's grace, owned by the person's usual owner; how many were raised. Idempotent:
    one open alert per person and kind. Only the running campaign's (or `campaign`'s) leaves."""
    from bastion.alerts.models import Alert, AlertState
    from bastion.alerts.services import Owners, Raise, alerts_raise_many

    campaign = campaign or active_campaign()
    if campaign is None:
        return 0
    today = business_day(now)
    already = Alert.objects.filter(person=OuterRef("person_id"), kind=LEAVE_OVERDUE).exclude(
        state=AlertState.CLOSED
    )
    overdue = list(
        LeaveApplication.objects.filter(
            _out_q(), campaign=campaign, returns_by__lt=now - leave_grace(campaign)
        )
        .filter(~Exists(already))
        .select_related("person")
        .order_by("returns_by", "pk")
    )
    if not overdue:
        return 0
    raises, seen = [], set()
    for leave in overdue:
        person = leave.person
        if person.pk in seen:
            continue  # out on two leaves at once: one alert
        seen.add(person.pk)
        due = _local(leave.returns_by, "%m-%d %H:%M")
        summary = f"请假外出逾期未返校：应于{due}前返回（{leave.destination}）"
        raises.append(Raise(person.pk, person.unit_id, person.grid_id, person.name, summary))
    with transaction.atomic():
        raised = alerts_raise_many(
            campaign=campaign,
            kind=LEAVE_OVERDUE,
            severity="yellow",
            raises=raises,
            now=now,
            owners=Owners(day=today),
            key=f"alerts:{LEAVE_OVERDUE}:{today}",
        )
    return len(raised)


# --- selectors ----------------------------------------------------------------------------------


def leaves_visible(*, scope: Scope) -> QuerySet[LeaveApplication]:
    """The leaves of the people in the viewer's reach (their own included), newest first."""
    return (
        LeaveApplication.objects.filter(scope.people_q(prefix="person__"))
        .select_related("person", "person__unit", "decided_by", "decided_by__person")
        .order_by("-submitted_at", "-pk")
    )


def leave_for(user: User, uid: uuid.UUID | str) -> LeaveApplication:
    """One leave the user reaches; LeaveRefused(404) otherwise."""
    return by_uid(leaves_visible(scope=scope_of(user)), uid, missing=_not_found)


def leaves_to_decide(*, actor: User) -> QuerySet[LeaveApplication]:
    """The pending leaves the actor may decide, the soonest to go out first."""
    return (
        LeaveApplication.objects.filter(
            _decidable_q(actor, day=business_day()), state=LeaveState.PENDING
        )
        .select_related("person", "person__unit")
        .order_by("leaves_at", "pk")
    )


def leaves_out(*, actor: User) -> QuerySet[LeaveApplication]:
    """The leaves the actor may decide whose person is out now, the first due back first."""
    return (
        LeaveApplication.objects.filter(_decidable_q(actor, day=business_day()))
        .filter(_out_q())
        .select_related("person", "person__unit", "campaign")
        .order_by("returns_by", "pk")
    )
