"""Party work for the demo university, through the real services: a fever-clinic post with
its temporary Party organization, this week's duty shifts, tasks the demo branch secretary
gave its members (one done), a pledge, an activist observed, a story through its three
reviews to publication and one waiting for the committee, a care case, a commendation, and
last week's work reports drafted for every committee."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bastion.accounts.models import User
from bastion.demo.models import DemoAccount
from bastion.lib.days import SHANGHAI, business_day
from bastion.org.models import PartyOrg, Person, PersonKind, PoliticalStatus, Position, Unit
from bastion.partywork.care import care_case_register
from bastion.partywork.discipline import commendation_record
from bastion.partywork.duty import shift_assign
from bastion.partywork.frontline import post_member_add, post_set_up
from bastion.partywork.models import FrontlinePost, PostKind
from bastion.partywork.stories import story_review, story_submit
from bastion.partywork.vanguard import pledge_make, task_assign, task_complete
from bastion.partywork.workreports import work_reports_draft_all

MEMBERS = (PoliticalStatus.MEMBER, PoliticalStatus.PROBATIONARY)


@dataclass(frozen=True)
class PartyDemo:
    posts: int
    shifts: int
    tasks: int
    stories: int


def _user(kind: str) -> User:
    return User.objects.get(username=DemoAccount.objects.get(kind=kind).username)


def _branch_of(user: User) -> PartyOrg:
    position = (
        Position.objects.active()
        .filter(person_id=user.person_id, role="party_secretary", party_org__isnull=False)
        .select_related("party_org")
        .first()
    )
    return position.party_org


def partywork_build() -> PartyDemo | None:
    if FrontlinePost.objects.exists():
        return None
    now = timezone.now()
    today = business_day(now)
    leader = _user("leading_group")
    hospital = Unit.objects.filter(code="HOSP").first() or Unit.get_first_root_node()
    staff = list(
        Person.objects.filter(
            unit__path__startswith=hospital.path,
            kind=PersonKind.STAFF,
            political_status__in=MEMBERS,
        ).order_by("number")[:6]
    )
    post = post_set_up(
        actor=leader,
        unit=hospital,
        name="发热门诊预检分诊岗",
        kind=PostKind.FEVER_CLINIC,
        place="校医院一楼",
        leader=staff[0],
        set_up_on=today - dt.timedelta(days=20),
        now=now,
    )
    for person in staff[1:]:
        post_member_add(
            actor=leader,
            post=post,
            person=person,
            duty="预检分诊",
            from_on=today - dt.timedelta(20),
        )
    # The coming week's shifts at the post: two a day, eight hours each (a shift is planned
    # ahead, never in the past).
    monday = today - dt.timedelta(days=today.weekday())
    shifts = 0
    for day in range(1, 8):
        for k, hour in enumerate((8, 16)):
            starts = dt.datetime.combine(today + dt.timedelta(days=day), dt.time(hour), SHANGHAI)
            shift_assign(
                actor=leader,
                unit=hospital,
                post=post,
                person=staff[(day * 2 + k) % len(staff)],
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=8),
                now=now,
            )
            shifts += 1

    # The demo branch secretary's tasks for the branch's members; one done.
    secretary = _user("branch_secretary")
    branch = _branch_of(secretary)
    members = list(
        Person.objects.filter(party_branch=branch, political_status__in=MEMBERS)
        .exclude(pk=secretary.person_id)
        .order_by("number")[:3]
    )
    titles = ["协助网格员排查返校学生信息", "值守学生公寓楼门岗", "整理本支部党员志愿服务台账"]
    tasks = []
    for person, title in zip(members, titles, strict=False):
        tasks.append(
            task_assign(
                actor=secretary,
                party_org=branch,
                person=person,
                title=title,
                due_on=today + dt.timedelta(days=3),
                now=now,
            )
        )
    if tasks:
        done = tasks[0]
        task_complete(
            actor=User.objects.get(person=done.person),
            record=done,
            outcome="完成 126 名学生信息核对，发现 3 人信息需更正，已报辅导员。",
            hours=6,
            now=now,
        )
        pledge_make(actor=User.objects.get(person=done.person), pledge="measures", now=now)

    # A story through the branch, the committee and the Organization Department.
    committee_secretary = _user("committee_secretary")
    org_officer = _user("org_department")
    stories = 0
    if members:
        story = story_submit(
            actor=secretary,
            branch=branch,
            title="疫情防控一线的党员身影",
            body=(
                f"{members[0].name}同志主动请缨，连续十余天参与返校学生信息排查，"
                "每天核对数百条记录，做到不漏一人。面对繁重任务，他说：“我是党员，我先上。”"
            ),
            people_numbers=[members[0].number],
            now=now,
        )
        story_review(actor=committee_secretary, story=story, passed=True, note="事迹真实", now=now)
        story_review(actor=org_officer, story=story, passed=True, note="同意发布", now=now)
        stories += 1
        story_submit(
            actor=secretary,
            branch=branch,
            title="坚守公寓门岗的日日夜夜",
            body=f"{members[-1].name}同志坚守学生公寓门岗，耐心做好进出人员登记和体温检测。",
            people_numbers=[members[-1].number],
            now=now,
        )
        stories += 1
        commendation_record(
            actor=org_officer,
            kind="commendation",
            citation="在疫情防控返校学生排查工作中表现突出，予以通报表扬。",
            awarded_on=today,
            person=members[0],
            now=now,
        )
    care_case_register(
        actor=leader,
        person=staff[0],
        difficulty="连续值守发热门诊，子女居家无人照看，需协调社区志愿者帮助。",
        now=now,
    )
    last_monday = monday - dt.timedelta(days=7)
    work_reports_draft_all(
        period_start=last_monday,
        period_end=last_monday + dt.timedelta(days=6),
        due_at=dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(17), SHANGHAI),
        now=now,
    )
    return PartyDemo(posts=1, shifts=shifts, tasks=len(tasks), stories=stories)
