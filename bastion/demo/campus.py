"""Campus for the demo university, through the real services: the semester plan (the start
deferred by a week), the demo counselor's students applying to return (most clear, some held:
from Hubei, too few days, an open alert), one approved in bulk with a day to return on, a
gate keeper of the 保卫处 at the east gate who has admitted one pass and refused a forged one,
a few key places, a visitor, and contingency plans for half of the colleges."""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.campus.gate import gate_check, pass_issue
from bastion.campus.models import (
    KeyPlace,
    KeyPlaceKind,
    SemesterPlan,
    Stay,
)
from bastion.campus.plans import plan_version_add
from bastion.campus.returns import ReturnRefused, return_apply, returns_approve_clear
from bastion.demo.models import DemoAccount
from bastion.lib import dorms
from bastion.lib.days import business_day
from bastion.org.models import PersonKind, Unit, UnitKind


@dataclass(frozen=True)
class CampusDemo:
    applications: int
    approved: int
    held: int
    plans: int


def _user(kind: str) -> User:
    return User.objects.get(username=DemoAccount.objects.get(kind=kind).username)


def campus_build(*, seed: int = 2020) -> CampusDemo | None:
    campaign = active_campaign()
    if campaign is None or SemesterPlan.objects.filter(campaign=campaign).exists():
        return None
    rng = random.Random(seed)
    now = timezone.now()
    today = business_day(now)
    plan = SemesterPlan.objects.create(
        campaign=campaign,
        vacation_starts_on=today - dt.timedelta(days=35),
        travel_return_on=today - dt.timedelta(days=7),
        semester_starts_on=today,
        deferred_start_on=today + dt.timedelta(days=7),
        daily_capacity=800,
        college_daily_capacity=120,
    )
    counselor = _user("counselor")
    students = list(
        scope_of(counselor)
        .people()
        .filter(kind=PersonKind.STUDENT)
        .exclude(pk=counselor.person_id)
        .order_by("number")[:60]
    )
    demo_student = _user("student").person
    applications = 0
    for k, person in enumerate(students):
        if person.pk == demo_student.pk:
            continue  # the demo student applies themself
        origin = person.home_region or "110108"
        try:
            return_apply(
                actor=User.objects.get(person=person),
                person=person,
                campaign=campaign,
                planned_on=plan.start_on + dt.timedelta(days=rng.randrange(0, 5)),
                origin=origin,
                route="",
                transport=rng.choice(["train", "train", "flight", "car"]),
                number=f"G{rng.randrange(1, 999)}" if k % 3 else "",
                now=now,
            )
            applications += 1
        except ReturnRefused:  # a demo student whose application is refused outright
            continue
    # A first batch approved in bulk yesterday's way; the rest wait for the demo counselor.
    first = students[:10]
    from bastion.campus.models import ReturnApplication

    uids = list(
        ReturnApplication.objects.filter(person__in=first, unmet=[]).values_list("uid", flat=True)
    )
    approved, _held = returns_approve_clear(
        actor=counselor, campaign=campaign, uids=[str(u) for u in uids], now=now
    )
    held = ReturnApplication.objects.filter(campaign=campaign).exclude(unmet=[]).count()

    # Some students stayed on campus over the vacation (留校).
    for person in students[-3:]:
        Stay.objects.get_or_create(
            campaign=campaign, person=person, defaults={"reason": "寒假留校", "added_at": now}
        )

    keeper = _user("gate_keeper")
    # The east gate's morning: a staff member admitted, a forged pass refused.
    staff = _user("staff").person
    gate_check(actor=keeper, code=pass_issue(person=staff, now=now), direction="in", gate="东校门")
    code = pass_issue(person=staff, now=now)
    gate_check(actor=keeper, code=code[:-6] + "AAAAAA", direction="in", gate="东校门")

    # Key places of the demo college: its office, a lab, an apartment building.
    college_leader = _user("college_leader").person
    college = Unit.objects.get(pk=college_leader.unit_id)
    lab = Unit.objects.filter(path__startswith=college.path, kind=UnitKind.LAB).first()
    KeyPlace.objects.create(
        name=f"{college.name}办公室", kind=KeyPlaceKind.OFFICE, unit=college, capacity=20
    )
    if lab is not None:
        KeyPlace.objects.create(
            name=lab.name, kind=KeyPlaceKind.TEACHING_LAB, unit=lab, capacity=12
        )
    dorm = dorms.parse(demo_student.dormitory)
    building = dorm.building if dorm else "1号楼"
    KeyPlace.objects.create(
        name=f"学生公寓{building}",
        kind=KeyPlaceKind.APARTMENT,
        unit=college,
        dormitory=building,
        capacity=600,
    )

    # Contingency plans: half of the colleges have theirs; the rest show as lacking one.
    colleges = list(Unit.objects.filter(kind=UnitKind.COLLEGE).order_by("path"))
    leader = _user("leading_group")
    plans = 0
    for unit in colleges[::2]:
        plan_version_add(
            actor=leader,
            unit=unit,
            campaign=campaign,
            title=f"{unit.name}疫情防控工作预案",
            vacation_on=plan.vacation_starts_on,
            travel_return_on=plan.travel_return_on,
            semester_starts_on=plan.start_on,
            summary="一、组织领导；二、排查与报告；三、返校安排；四、应急处置；五、物资保障。",
            now=now,
        )
        plans += 1
    return CampusDemo(applications=applications, approved=approved, held=held, plans=plans)
