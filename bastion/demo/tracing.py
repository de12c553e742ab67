"""Tracing for the demo university, through the real services: the key areas re-evaluated
(alerts and proposed isolations), a suspected case in the demo counselor's reach with the
contacts Bastion proposes (roommates, floor, class, a shared train), two of them confirmed
into isolation with a carer who has called one and not the other (a missed-care alert for
the counselor), an earlier confirmed case that recovered (the four earlies have a past), and
three feverish classmates this morning: a cluster warning for the leading group."""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.checkins.services import checkin_submit
from bastion.demo.models import DemoAccount
from bastion.lib.days import business_day
from bastion.org.models import Person, PersonKind, UnitKind
from bastion.tracing.cases import case_move, case_record, case_times_set
from bastion.tracing.clusters import clusters_check
from bastion.tracing.contacts import contact_decide
from bastion.tracing.isolation import care_log, care_missed_raise
from bastion.tracing.models import CaseStatus, ContactSetting, Isolation, IsolationState
from bastion.tracing.services import key_area_reevaluate, trip_record


@dataclass(frozen=True)
class TracingDemo:
    cases: int
    contacts: int
    isolations: int
    clusters: int


def _user(kind: str) -> User:
    return User.objects.get(username=DemoAccount.objects.get(kind=kind).username)


def _pick(rng: random.Random, people) -> Person:
    people = list(people[:40])
    return people[rng.randrange(len(people))]


def tracing_build(*, seed: int, now: dt.datetime | None = None) -> TracingDemo | None:
    """Build the demo's tracing on top of its history; None when no campaign runs."""
    campaign = active_campaign()
    if campaign is None:
        return None
    rng = random.Random(seed)
    now = now or timezone.now()
    today = business_day(now)
    for area in campaign.key_areas.all():
        key_area_reevaluate(key_area=area, now=now)

    counselor = _user("counselor")
    leader = _user("leading_group")
    shown = set(DemoAccount.objects.values_list("username", flat=True))
    busy = set(
        Isolation.objects.filter(state__in=["proposed", "active"]).values_list("person", flat=True)
    )
    mine = (
        scope_of(counselor)
        .people()
        .filter(kind=PersonKind.STUDENT)
        .exclude(dormitory="")
        .exclude(number__in=shown)
        .exclude(pk__in=busy)
        .order_by("number")
    )
    # The case took a train home and back: two strangers shared it.
    patient = _pick(rng, mine)
    travelled = today - dt.timedelta(days=5)
    strangers = (
        Person.objects.filter(kind=PersonKind.STUDENT)
        .exclude(unit=patient.unit)
        .exclude(number__in=shown)
        .order_by("?")[:2]
    )
    for person in [patient, *strangers]:
        trip_record(
            actor=User.objects.get(person=person),
            person=person,
            origin="110108",
            destination="310101",
            departs_on=travelled,
            arrives_on=travelled,
            transport="train",
            number="G1234",
            purpose="返校",
            now=now,
        )
    found = now - dt.timedelta(days=3)
    case = case_record(
        actor=counselor,
        person=patient,
        discovered_at=found,
        onset_on=business_day(found) - dt.timedelta(days=1),
        note="晨检发热 38.1℃，伴干咳，已送校医院发热门诊。",
        now=found,
    )
    decided = now - dt.timedelta(days=2)
    roommates = list(case.contacts.filter(setting=ContactSetting.DORM_ROOM)[:2])
    for contact in roommates:
        contact_decide(actor=counselor, contact=contact, confirm=True, now=decided)
    isolations = list(
        Isolation.objects.filter(contact__in=roommates, state=IsolationState.ACTIVE).select_related(
            "carer"
        )
    )
    if isolations and isolations[0].carer is not None:
        first = isolations[0]
        care_log(
            actor=User.objects.filter(person=first.carer).first() or counselor,
            isolation=first,
            channel="phone",
            needs="体温正常，需要送餐和课程资料",
            done="已联系食堂送餐，已转发课程资料",
            at=now - dt.timedelta(hours=3),
            now=now,
        )
    care_missed_raise(now=now)

    # An earlier case elsewhere, confirmed, treated and recovered.
    elsewhere = (
        Person.objects.filter(kind=PersonKind.STAFF)
        .exclude(number__in=shown)
        .exclude(pk__in=busy)
        .order_by("number")
    )
    earlier = now - dt.timedelta(days=12)
    old = case_record(
        actor=leader,
        person=_pick(rng, elsewhere),
        discovered_at=earlier,
        onset_on=business_day(earlier),
        note="自湖北返校后发热，已转定点医院。",
        now=earlier + dt.timedelta(hours=2),
    )
    case_times_set(
        actor=leader,
        case=old,
        isolated_at=earlier + dt.timedelta(hours=5),
        treated_at=earlier + dt.timedelta(hours=9),
        hospital="市第一人民医院",
        now=earlier + dt.timedelta(hours=9),
    )
    case_move(
        actor=leader, case=old, status=CaseStatus.CONFIRMED, now=earlier + dt.timedelta(days=1)
    )
    case_move(actor=leader, case=old, status=CaseStatus.RECOVERED, now=now - dt.timedelta(days=1))

    # This morning: three feverish students in one class (the COVID-19 rule: three in a week).
    checked = (
        Person.objects.filter(kind=PersonKind.STUDENT, unit__kind=UnitKind.CLASS)
        .exclude(unit=patient.unit)
        .exclude(number__in=shown)
        .exclude(last_checkin_day=today)
        .values_list("unit", flat=True)
        .order_by("unit")
        .first()
    )
    raised = []
    if checked is not None:
        ill = (
            Person.objects.filter(unit_id=checked).exclude(number__in=shown).order_by("number")[:3]
        )
        for person in ill:
            checkin_submit(
                actor=User.objects.get(person=person),
                person=person,
                campaign=campaign,
                temperature=str(rng.choice(["37.8", "38.2", "38.5"])),
                symptoms=["cough"],
                location="310101",
                on_campus=True,
                now=now,
            )
        raised = clusters_check(campaign=campaign, now=now)
    return TracingDemo(
        cases=2,
        contacts=case.contacts.count(),
        isolations=Isolation.objects.filter(state=IsolationState.ACTIVE).count(),
        clusters=len(raised),
    )
