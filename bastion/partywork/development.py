"""Member development (发展党员, R18): a branch observes its activists' and applicants'
front-line performance, and reads each candidate's record (observations, vanguard records,
duty shifts held, alerts and check-ins of the last 30 days) as the basis for admission.

The seeds: "注重在疫情防控一线发现、考验入党积极分子，表现突出、符合条件的，及时发展入党" (000);
"把入党申请人、入党积极分子在疫情防控工作中的表现作为发展党员的重要依据" (001).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert
from bastion.campaigns.models import Campaign
from bastion.checkins.models import CheckIn
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input, text_input
from bastion.org.models import PartyOrg, Person
from bastion.partywork.models import ActivistObservation, DutyShift, ShiftState
from bastion.partywork.vanguard import (
    CANDIDATE_STATUSES,
    MemberRecord,
    VanguardRefused,
    member_record,
    prose,
)

PERFORMANCE_MAX = 2000
WINDOW_DAYS = 30  # the recent record an admission looks at
HELD = (ShiftState.ON, ShiftState.DONE)


class DevelopmentRefused(VanguardRefused):
    """Bad input or no right: 400, 403 in reach without the right, 404 out of reach."""


def _not_found() -> DevelopmentRefused:
    return DevelopmentRefused(_("Not found, or not in your reach."), status=404)


def _branch_in_reach(scope: Scope, branch: PartyOrg) -> bool:
    return not scope.is_self_only and scope.party_orgs().filter(pk=branch.pk).exists()


def may_observe(scope: Scope) -> bool:
    return scope.has(Perm.PARTY_TASKS)


def may_read_candidates(scope: Scope) -> bool:
    """Observations are the branch's and the Party centre's business, not every reader's."""
    return scope.has(Perm.PARTY_TASKS) or scope.has(Perm.BRIEFING)


def candidates_q(branch: PartyOrg) -> Q:
    """Q over Person: the activists and applicants of the branch (or a branch below it)."""
    return Q(party_branch__path__startswith=branch.path, political_status__in=CANDIDATE_STATUSES)


# --- writing ----------------------------------------------------------------------------------


def observation_add(
    *,
    actor: User,
    person: Person,
    branch: PartyOrg,
    observed_on: Any,
    performance: Any,
    rating: Any,
    now: dt.datetime | None = None,
) -> ActivistObservation:
    """The branch records how an activist or applicant performed in the front line (1-5)."""
    now = now or timezone.now()
    scope = scope_of(actor)
    if not _branch_in_reach(scope, branch) or not scope.people().filter(pk=person.pk).exists():
        raise _not_found()
    if not may_observe(scope):
        raise DevelopmentRefused(_("Observing activists is not among your duties."), status=403)
    if not Person.objects.filter(candidates_q(branch), pk=person.pk).exists():
        if person.political_status not in CANDIDATE_STATUSES:
            raise DevelopmentRefused(
                _(
                    "%(name)s is not an activist or an applicant: only they are observed for "
                    "admission."
                )
                % {"name": person.name}
            )
        raise DevelopmentRefused(
            _("%(name)s is not an activist or applicant of %(branch)s.")
            % {"name": person.name, "branch": branch.name}
        )
    day = day_input(observed_on, what=_("day observed"), refused=DevelopmentRefused)
    if day > business_day(now):
        raise DevelopmentRefused(_("The day observed %(day)s is still to come.") % {"day": day})
    performance = text_input(
        performance,
        limit=PERFORMANCE_MAX,
        what=_("performance"),
        required=True,
        refused=DevelopmentRefused,
        normal=prose,
    )
    try:
        score = int(str(rating).strip())
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DevelopmentRefused(_("Rate from 1 to 5."))
    with transaction.atomic():
        return ActivistObservation.objects.create(
            uid=uuid.uuid4(),
            person=person,
            branch=branch,
            observed_on=day,
            performance=performance,
            rating=score,
            observer=actor,
            recorded_at=now,
        )


# --- reading ----------------------------------------------------------------------------------


def candidates_branch_for(user: User, code: str) -> tuple[Scope, PartyOrg]:
    """The branch whose candidates the user reads: 404 out of reach, 403 without the right."""
    scope = scope_of(user)
    if scope.is_self_only:
        raise Http404
    branch = scope.party_orgs().filter(code=code).first()
    if branch is None:
        raise Http404
    if not may_read_candidates(scope):
        raise DevelopmentRefused(
            _("Reading the candidates for admission is not among your duties."), status=403
        )
    return scope, branch


def candidate_for(*, scope: Scope, branch: PartyOrg, number: str) -> Person:
    """An activist or applicant of the branch in reach, by number; else 404."""
    person = (
        scope.people()
        .filter(candidates_q(branch), number=number)
        .select_related("unit", "party_branch")
        .first()
    )
    if person is None:
        raise Http404
    return person


@dataclass(frozen=True)
class CandidateRow:
    person: Person
    observations: int
    rating: float | None
    last_observed: dt.date | None


def candidates(*, branch: PartyOrg, scope: Scope) -> list[CandidateRow]:
    """The branch's activists and applicants in reach, each with their observations' count,
    mean rating and last day."""
    people = (
        scope.people()
        .filter(candidates_q(branch))
        .select_related("unit", "party_branch")
        .order_by("political_status", "number")
    )
    stats = {
        row["person_id"]: row
        for row in ActivistObservation.objects.filter(person__in=people)
        .values("person_id")
        .annotate(n=Count("id"), mean=Avg("rating"), last=Max("observed_on"))
        .order_by()
    }
    rows = []
    for person in people:
        row = stats.get(person.pk) or {}
        rows.append(
            CandidateRow(
                person=person,
                observations=row.get("n", 0),
                rating=round(float(row["mean"]), 1) if row.get("mean") is not None else None,
                last_observed=row.get("last"),
            )
        )
    return rows


@dataclass
class CandidateView:
    """A candidate's record as the basis for admission."""

    person: Person
    observations: list[ActivistObservation]
    rating: float | None
    record: MemberRecord
    shifts: list[DutyShift]
    shifts_held: int
    duty_hours: Decimal
    alerts: list[Alert]
    window_from: dt.date
    window_to: dt.date
    checkin_days: int
    checkin_late: int

    @property
    def window_days(self) -> int:
        return (self.window_to - self.window_from).days + 1

    @property
    def checkin_rate(self) -> int:
        """Check-in completeness over the window, in percent."""
        return round(100 * self.checkin_days / self.window_days) if self.window_days else 0


def _window(today: dt.date, campaign: Campaign | None) -> dt.date:
    first = today - dt.timedelta(days=WINDOW_DAYS - 1)
    if campaign is not None and campaign.starts_on > first:
        first = min(campaign.starts_on, today)
    return first


def candidate_view(*, person: Person, now: dt.datetime | None = None) -> CandidateView:
    """Their observations, their vanguard records, the duty shifts they held, and their
    alerts and check-in completeness over the last 30 days (from the campaign's start if
    later)."""
    from bastion.campaigns.selectors import active_campaign

    now = now or timezone.now()
    today = business_day(now)
    campaign = active_campaign()
    first = _window(today, campaign)
    observations = list(
        ActivistObservation.objects.filter(person=person)
        .select_related("branch", "observer__person")
        .order_by("-observed_on", "-recorded_at")
    )
    ratings = [o.rating for o in observations]
    shifts = list(
        DutyShift.objects.filter(person=person)
        .exclude(state=ShiftState.CANCELLED)
        .select_related("unit", "post")
        .order_by("-starts_at")
    )
    held = [s for s in shifts if s.state in HELD]
    hours = sum(
        (
            Decimal((s.ends_at - s.starts_at).total_seconds()) / 3600
            for s in held
            if s.state == ShiftState.DONE
        ),
        Decimal(0),
    ).quantize(Decimal("0.1"))
    checkins: QuerySet[CheckIn] = CheckIn.objects.filter(person=person, day__range=(first, today))
    if campaign is not None:
        checkins = checkins.filter(campaign=campaign)
    counted = checkins.aggregate(
        days=Count("day", distinct=True), late=Count("id", filter=Q(is_late=True))
    )
    return CandidateView(
        person=person,
        observations=observations,
        rating=round(sum(ratings) / len(ratings), 1) if ratings else None,
        record=member_record(person=person),
        shifts=shifts,
        shifts_held=len(held),
        duty_hours=hours,
        alerts=list(
            Alert.objects.filter(person=person, day__range=(first, today)).order_by("-raised_at")
        ),
        window_from=first,
        window_to=today,
        checkin_days=counted["days"] or 0,
        checkin_late=counted["late"] or 0,
    )
