"""The permission matrix: every URL, for every role, in and out of reach, answers as
bastion/accounts/url_access.py says.

The URLs come from the resolver (pages, the API's operations, the admin), the rights from
the roles' table. For each URL and each role the test fills the URL's arguments with a real
object the role reaches and one it does not (or a missing one, for those who reach
everyone), and asks: anonymous → the login page (401 from the API); without the right → the
table's refusal; in reach with the right → neither refused nor an error; out of reach → 404.
A POST-only URL is posted to with an empty body. A URL with no entry fails the suite.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.roles import ROLES, Perm, Reach, Role
from bastion.accounts.scoping import scope_for_person
from bastion.accounts.services import token_issue
from bastion.accounts.url_access import NAMESPACES, URLS, Access, Who, access_of
from bastion.alerts.models import Alert
from bastion.api import api
from bastion.campaigns.services import campaign_create_from_preset
from bastion.campus.models import (
    ContingencyPlan,
    ContingencyPlanVersion,
    KeyPlace,
    LeaveApplication,
    ReturnApplication,
    SemesterPlan,
    Visitor,
)
from bastion.checkins.models import CheckIn
from bastion.checkins.selectors import active_campaign_forget
from bastion.conftest import FIGURES, PASSWORD, SINCE, agree_to_privacy_notice, build_world
from bastion.liaison.models import CareRequest, CommunityContact, Handover
from bastion.lib.days import business_day
from bastion.notices.models import Notice, Receipt, ScreenShot, SentimentReport
from bastion.org.models import Person, PersonKind, PoliticalStatus
from bastion.org.services import position_assign
from bastion.partywork.models import (
    AssessmentRubric,
    CadreAssessment,
    CareCase,
    DisciplineCase,
    DutyShift,
    ExemplaryStory,
    FrontlinePost,
    PostMember,
    StoryPhoto,
    VanguardRecord,
    WorkReport,
)
from bastion.reports.models import UrgentRecipient, UrgentReport
from bastion.roster.models import RosterImport
from bastion.supplies.models import SupplyItem, SupplyRequest
from bastion.tracing.models import Case, Cluster, Contact, Isolation

TABLE = "bastion/accounts/url_access.py"
STUDENT = "student"  # a person who holds no position: the most common user of all


# --- the URLs the resolver knows ---------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]
    methods: tuple[str, ...] = ()  # the API's methods; () for a page (GET, else POST)
    operation_id: str = ""  # in the API's OpenAPI document

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")


def _api_operations() -> dict[str, tuple[tuple[str, ...], str]]:
    """URL name → (methods, operation id) of each operation of the API."""
    found = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", None) or operation.view_func.__name__
                found[f"api:{name}"] = (
                    tuple(operation.methods),
                    api.get_openapi_operation_id(operation),
                )
    return found


def _walk(patterns, namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
            yield from _walk(p.url_patterns, inner or namespace)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, tuple(p.pattern.converters) or tuple(_route_params(str(p.pattern)))


def _route_params(route: str) -> list[str]:
    """`<uid>` or `<uuid:uid>` in a route: its parameter names, in order."""
    return [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]


def routes() -> dict[str, Route]:
    operations = _api_operations()
    found: dict[str, Route] = {}
    for name, params in _walk(get_resolver().url_patterns):
        found.setdefault(name, Route(name, params, *operations.get(name, ((), ""))))
    return found


ROUTES = routes()


def _checked(name: str) -> bool:
    """The admin is one door: its index stands for all its URLs."""
    return not name.startswith("admin:") or name == "admin:index"


# --- the people: one for each role, and a student who holds none --------------------------------


@dataclass
class Actor:
    label: str
    person: Person
    user: User
    perms: frozenset[Perm]
    reach: frozenset[Reach]
    session: str = ""
    token: str = ""
    # What the actor reaches and what it does not: (inside, outside); None outside for those
    # who reach everyone (a missing object stands in), None inside for nothing of the kind.
    sides: dict[str, tuple] = field(default_factory=dict)

    def may(self, perm: Perm) -> bool:
        return perm in self.perms

    @property
    def everyone(self) -> bool:
        return Reach.EVERYONE in self.reach


def _person(number: str, name: str, unit, role: Role, over, **extra) -> Person:
    person = Person.objects.create(
        number=number, name=name, kind=PersonKind.STAFF, unit=unit, **extra
    )
    user = User.objects.create(
        username=number,
        person=person,
        must_change_password=False,
        password=make_password(PASSWORD, hasher="md5"),
    )
    agree_to_privacy_notice(user)
    position_assign(person=person, role=role, over=over, starts_on=SINCE)
    return person


def _sides(w, person: Person) -> dict[str, tuple]:
    """What the person reaches of the world and what not, as the one door (scope_of) says:
    the first of a few people, units and Party organizations in reach, and the first out of
    it (none out of it for one who reaches everyone). Oneself, for one who reaches nobody."""
    scope = scope_for_person(person)
    people = [w.student, w.staff, w.other_student]
    reached = set(scope.people().filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True))
    inside = [p for p in people if p.pk in reached and p != person] or [person]
    outside = [p for p in people if p.pk not in reached]
    sides = {"person": (inside[0], outside[0] if outside else None)}
    for kind, nodes, reached_nodes in (
        ("unit", [w.med_class, w.med_lab, w.cs_class, w.university], scope.units()),
        ("party_org", [w.med_branch, w.cs_branch], scope.party_orgs()),
    ):
        reached = set(
            reached_nodes.filter(pk__in=[n.pk for n in nodes]).values_list("pk", flat=True)
        )
        inside = [n for n in nodes if n.pk in reached]
        outside = [n for n in nodes if n.pk not in reached]
        sides[kind] = (inside[0] if inside else None, outside[0] if outside else None)
    return sides


def _actors(w) -> list[Actor]:
    """Each role of the table held by someone of the world (three added for it), and a
    student who holds none."""
    w.leader = _person("T9002", "高峰", w.university, Role.LEADING_GROUP, w.university)
    w.inspector = _person("T9001", "韩刚", w.university, Role.DISCIPLINE_INSPECTION, w.university)
    w.gate_keeper = _person("T8001", "孙强", w.university, Role.GATE_KEEPER, w.university)
    held = {
        STUDENT: w.student,
        Role.COUNSELOR: w.counselor,
        Role.GRID_WORKER: w.grid_worker,
        Role.PARTY_SECRETARY: w.secretary,
        Role.COLLEGE_LEADER: w.college_leader,
        Role.LAB_HEAD: w.lab_head,
        Role.LEADING_GROUP: w.leader,
        Role.ORG_DEPARTMENT: w.org_officer,
        Role.DISCIPLINE_INSPECTION: w.inspector,
        Role.STUDENT_AFFAIRS: w.student_affairs,
        Role.UNIVERSITY_OFFICE: w.office_officer,
        Role.GATE_KEEPER: w.gate_keeper,
    }
    missing = set(ROLES) - set(held)
    assert not missing, f"no one holds {sorted(missing)} in the matrix: add a holder here"
    actors = []
    for label, person in held.items():
        spec = ROLES.get(label)
        actors.append(
            Actor(
                label=str(label),
                person=person,
                user=User.objects.get(person=person),
                perms=spec.perms if spec else frozenset(),
                reach=frozenset({spec.reach if spec else Reach.NOBODY_ELSE}),
                sides=_sides(w, person),
            )
        )
    return actors


# --- the objects a URL names: one factory per kind of argument -----------------------------------


@dataclass
class Ctx:
    """What a factory needs: the world, the actor, and a cache for the objects of one URL."""

    w: SimpleNamespace
    actor: Actor
    cache: dict

    @property
    def now(self) -> dt.datetime:
        return self.w.now

    @property
    def today(self) -> dt.date:
        return self.w.today

    def side(self, kind: str, inside: bool):
        return self.actor.sides[kind][0 if inside else 1]

    def once(self, key, make: Callable):
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


@dataclass(frozen=True)
class Kind:
    make: Callable[[Ctx, bool], object | None]  # the argument in (or out of) reach, or None
    missing: str | None = None  # the argument for an object that does not exist; None: a constant

    def value(self, ctx: Ctx, inside: bool) -> str | None:
        found = self.make(ctx, inside)
        if found is None:
            return None
        return str(getattr(found, "uid", getattr(found, "code", getattr(found, "number", found))))


MISSING_UID = str(uuid.UUID(int=0))


def _person_side(ctx: Ctx, inside: bool) -> Person | None:
    return ctx.side("person", inside)


def _alert(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("alert", person.pk),
        lambda: Alert.objects.create(
            campaign=ctx.w.campaign,
            person=person,
            kind="fever",
            severity="red",
            summary="体温37.8℃",
            day=ctx.today,
            raised_at=ctx.now,
        ),
    )


def _roster_import(ctx: Ctx, inside: bool):
    """One's own import; anyone else's is out of reach."""
    user = ctx.actor.user if inside else ctx.w.someone_else(ctx.actor.user)
    return ctx.once(
        ("roster", user.pk),
        lambda: RosterImport.objects.create(
            actor=user, file_name="roster.xlsx", status=RosterImport.Status.PREVIEWED
        ),
    )


def _urgent_report(ctx: Ctx, inside: bool):
    """About a unit in reach, and sent to the actor; out: about a unit out of reach."""
    unit = ctx.side("unit", inside)
    if unit is None:
        return None

    def make():
        report = UrgentReport.objects.create(
            campaign=ctx.w.campaign,
            unit=unit,
            kind="incident",
            summary="发热聚集",
            reported_at=ctx.now,
        )
        if inside:
            UrgentRecipient.objects.create(report=report, person=ctx.actor.person)
        return report

    return ctx.once(("urgent", unit.pk, inside, ctx.actor.label), make)


def _digest_kind(ctx: Ctx, inside: bool) -> str | None:
    reach = ctx.actor.reach
    if Reach.EVERYONE in reach:
        return "students" if inside else None
    if Reach.ALL_STUDENTS in reach:
        return "students" if inside else "staff"
    if Reach.ALL_STAFF in reach:
        return "staff" if inside else "students"
    return None if inside else "students"


def _cluster(ctx: Ctx, inside: bool):
    unit = ctx.side("unit", inside)
    if unit is None:
        return None
    return ctx.once(
        ("cluster", unit.pk),
        lambda: Cluster.objects.create(
            campaign=ctx.w.campaign,
            group="class",
            group_key=unit.code,
            group_name=unit.name,
            unit=unit,
            first_day=ctx.today,
            raised_at=ctx.now,
        ),
    )


def _case(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("case", person.pk),
        lambda: Case.objects.create(
            campaign=ctx.w.campaign,
            person=person,
            discovered_at=ctx.now,
            reported_at=ctx.now,
            status_changed_at=ctx.now,
        ),
    )


def _contact(ctx: Ctx, inside: bool):
    """A person in (or out of) reach, exposed to the hospital's doctor, a case."""
    person = _person_side(ctx, inside)
    if person is None:
        return None
    doctor = ctx.w.hospital_worker
    case = ctx.once(
        ("case", doctor.pk),
        lambda: Case.objects.create(
            campaign=ctx.w.campaign,
            person=doctor,
            discovered_at=ctx.now,
            reported_at=ctx.now,
            status_changed_at=ctx.now,
        ),
    )
    return ctx.once(
        ("contact", person.pk),
        lambda: Contact.objects.create(
            case=case,
            person=person,
            source=doctor,
            exposure_on=ctx.today,
            setting="unit",
            closeness="close",
            created_at=ctx.now,
        ),
    )


def _isolation(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("isolation", person.pk),
        lambda: Isolation.objects.create(
            campaign=ctx.w.campaign,
            person=person,
            kind="home",
            state="active",
            reason="密切接触者",
            proposed_at=ctx.now,
            starts_on=ctx.today,
            planned_end_on=ctx.today + dt.timedelta(days=14),
        ),
    )


def _own_person(ctx: Ctx, inside: bool) -> Person | None:
    """The actor (in), or someone out of their reach (out): for what is one's own."""
    return ctx.actor.person if inside else _person_side(ctx, False)


def _return(ctx: Ctx, inside: bool, *, of=_person_side):
    person = of(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("return", person.pk),
        lambda: ReturnApplication.objects.create(
            campaign=ctx.w.campaign,
            person=person,
            planned_on=ctx.today + dt.timedelta(days=3),
            origin="420102",
            transport="train",
            sorted_at=ctx.now,
            submitted_at=ctx.now,
        ),
    )


def _leave(ctx: Ctx, inside: bool, *, of=_person_side):
    person = of(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("leave", person.pk),
        lambda: LeaveApplication.objects.create(
            campaign=ctx.w.campaign,
            person=person,
            reason="就医",
            destination="市第一医院",
            leaves_at=ctx.now + dt.timedelta(days=1),
            returns_by=ctx.now + dt.timedelta(days=1, hours=4),
            submitted_at=ctx.now,
        ),
    )


def _place(ctx: Ctx, inside: bool):
    unit = ctx.side("unit", inside)
    if unit is None or (not inside and ctx.actor.may(Perm.GATE_CHECK)):
        return None  # the gates guard every key place
    return ctx.once(
        ("place", unit.pk),
        lambda: KeyPlace.objects.create(
            name=f"{unit.name}实验室", kind="lab", unit=unit, capacity=10
        ),
    )


def _visitor(ctx: Ctx, inside: bool):
    """Hosted by someone in reach, for one who registers visitors or guards a gate; by the
    actor for anyone else (who sees their own visitors)."""
    person = _person_side(ctx, inside)
    keeps = ctx.actor.may(Perm.REGISTER_VISITORS) or ctx.actor.may(Perm.GATE_CHECK)
    if inside and not keeps:
        person = ctx.actor.person
    if person is None or (not inside and ctx.actor.may(Perm.GATE_CHECK)):
        return None
    return ctx.once(
        ("visitor", person.pk),
        lambda: Visitor.objects.create(
            name="张伟",
            phone="13700000000",
            purpose="送资料",
            host=person,
            valid_from=ctx.now + dt.timedelta(hours=1),
            valid_until=ctx.now + dt.timedelta(hours=3),
            registered_at=ctx.now,
        ),
    )


def _plan(ctx: Ctx, inside: bool):
    """A unit's contingency plan with its first version."""
    unit = ctx.side("unit", inside)
    if unit is None:
        return None

    def make():
        plan = ContingencyPlan.objects.create(
            campaign=ctx.w.campaign, unit=unit, title=f"{unit.name}预案", created_at=ctx.now
        )
        ContingencyPlanVersion.objects.create(
            plan=plan,
            number=1,
            vacation_on=dt.date(2020, 1, 10),
            travel_return_on=dt.date(2020, 2, 1),
            semester_starts_on=dt.date(2020, 2, 17),
            file_name="plan.pdf",
            content_type="application/pdf",
            content=b"%PDF-1.4\n",
            uploaded_at=ctx.now,
        )
        return plan

    return ctx.once(("plan", unit.pk), make)


def _post(ctx: Ctx, inside: bool):
    """A front-line post of a unit in reach, the actor among its members; out: another's."""
    unit = ctx.side("unit", inside)
    if unit is None:
        return None

    def make():
        post = FrontlinePost.objects.create(
            name=f"{unit.name}岗", kind="gate", unit=unit, set_up_on=ctx.today
        )
        if inside:
            PostMember.objects.create(post=post, person=ctx.actor.person, from_on=ctx.today)
        return post

    return ctx.once(("post", unit.pk, inside, ctx.actor.label), make)


def _shift(ctx: Ctx, inside: bool):
    """The actor's own shift in a unit in reach; out: someone out of reach's, elsewhere."""
    unit = ctx.side("unit", inside)
    person = ctx.actor.person if inside else _person_side(ctx, False)
    if unit is None or person is None:
        return None
    start = ctx.now + dt.timedelta(hours=1)
    return ctx.once(
        ("shift", unit.pk, person.pk),
        lambda: DutyShift.objects.create(
            unit=unit, person=person, starts_at=start, ends_at=start + dt.timedelta(hours=4)
        ),
    )


def _care_case(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("care_case", person.pk, inside, ctx.actor.label),
        lambda: CareCase.objects.create(
            person=person,
            difficulty="家中老人无人照料",
            registered_at=ctx.now,
            assigned_to=ctx.actor.person if inside else None,
        ),
    )


def _vanguard_task(ctx: Ctx, inside: bool, *, of=_person_side):
    person = of(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("task", person.pk),
        lambda: VanguardRecord.objects.create(
            kind="task",
            party_org=person.party_branch or ctx.w.med_branch,
            person=person,
            title="宿舍楼消杀",
            assigned_at=ctx.now,
        ),
    )


def _work_report(ctx: Ctx, inside: bool):
    org = ctx.side("party_org", inside)
    if org is None:
        return None
    return ctx.once(
        ("work_report", org.pk),
        lambda: WorkReport.objects.create(
            party_org=org,
            period_start=ctx.today - dt.timedelta(days=7),
            period_end=ctx.today,
            due_at=ctx.now + dt.timedelta(days=1),
            body="本周工作",
        ),
    )


def _assessment(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    rubric = ctx.once(
        "rubric",
        lambda: AssessmentRubric.objects.create(
            name="考察", criteria=[{"code": "duty", "label": "履职", "weight": 1}]
        ),
    )
    return ctx.once(
        ("assessment", person.pk),
        lambda: CadreAssessment.objects.create(cadre=person, rubric=rubric, assessed_at=ctx.now),
    )


def _discipline_case(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("discipline", person.pk),
        lambda: DisciplineCase.objects.create(
            kind="falsification", person=person, summary="瞒报", opened_at=ctx.now
        ),
    )


def _story(ctx: Ctx, inside: bool):
    """Published (everyone reads it); out: one under review in a branch out of reach."""
    org = ctx.side("party_org", True) or ctx.w.med_branch
    if not inside:
        if ctx.actor.everyone:
            return None
        org = ctx.w.cs_branch

    def make():
        story = ExemplaryStory.objects.create(
            title="逆行者",
            body="事迹",
            branch=org,
            state="published" if inside else "submitted",
            submitted_at=ctx.now,
            published_at=ctx.now if inside else None,
        )
        StoryPhoto.objects.create(story=story, content_type="image/jpeg", content=b"\xff\xd8")
        return story

    return ctx.once(("story", inside), make)


def _story_for_review(ctx: Ctx, inside: bool):
    """Passed by its committee, for the Organization Department to publish; out: one of a
    branch out of reach (none is, for the publishers)."""
    org = ctx.side("party_org", inside)
    if org is None:
        return None
    return ctx.once(
        ("story_for_review", org.pk),
        lambda: ExemplaryStory.objects.create(
            title="坚守", body="事迹", branch=org, state="committee_ok", submitted_at=ctx.now
        ),
    )


def _checkin_today(ctx: Ctx, inside: bool):
    return ctx.once(
        ("checkin", ctx.actor.person.pk),
        lambda: CheckIn.objects.create(
            campaign=ctx.w.campaign,
            person=ctx.actor.person,
            day=ctx.today,
            submitted_at=ctx.now,
            temperature=Decimal("36.5"),
            location="110108",
            on_campus=True,
        ),
    )


def _notice(ctx: Ctx, inside: bool):
    """A notice sent to the actor (by the actor, for those who publish); out: to someone
    out of reach, by someone else."""
    person = ctx.actor.person if inside else _person_side(ctx, False)
    if person is None:
        return None

    def make():
        notice = Notice.objects.create(
            kind="official",
            title="返校通知",
            body="正文",
            published_at=ctx.now,
            author=ctx.actor.user
            if inside and ctx.actor.may(Perm.PUBLISH_NOTICES)
            else ctx.w.someone_else(ctx.actor.user),
        )
        Receipt.objects.create(notice=notice, person=person)
        return notice

    return ctx.once(("notice", person.pk, inside, ctx.actor.label), make)


def _sentiment(ctx: Ctx, inside: bool):
    """Reported in a branch the actor handles (by the actor, for one who handles none)."""
    org = ctx.side("party_org", inside)
    reporter = _person_side(ctx, inside)
    if inside and not ctx.actor.may(Perm.HANDLE_SENTIMENT):
        reporter, org = ctx.actor.person, ctx.actor.person.party_branch or ctx.w.med_branch
    if org is None or reporter is None:
        return None
    # At the level its handler works at: the university's for those who reach everyone.
    level = "university" if ctx.actor.everyone else "branch"

    def make():
        report = SentimentReport.objects.create(
            reporter=reporter,
            branch=org,
            where_seen="微信群",
            summary="谣言",
            severity="high" if level == "university" else "low",
            level=level,
            reported_at=ctx.now,
        )
        ScreenShot.objects.create(report=report, content_type="image/png", content=b"\x89PNG")
        return report

    return ctx.once(("sentiment", reporter.pk, org.pk, level), make)


def _supply_item(ctx: Ctx, inside: bool):
    """The stores are the university's: every item is every keeper's."""
    if not inside:
        return None
    return ctx.once("item", lambda: SupplyItem.objects.create(name="N95口罩"))


def _supply_request(ctx: Ctx, inside: bool):
    if not inside:
        return None
    return ctx.once(
        "supply_request",
        lambda: SupplyRequest.objects.create(
            unit=ctx.w.med,
            item=_supply_item(ctx, True),
            quantity=10,
            purpose="发热门诊",
            requested_at=ctx.now,
        ),
    )


def _community_contact(ctx: Ctx, inside: bool):
    unit = ctx.side("unit", inside)
    if unit is None:
        return None
    return ctx.once(
        ("community", unit.pk),
        lambda: CommunityContact.objects.create(
            unit=unit, kind="street", organization="街道办", name="王主任", phone="02700000000"
        ),
    )


def _handover(ctx: Ctx, inside: bool):
    isolation = _isolation(ctx, inside)
    contact = _community_contact(ctx, inside)
    if isolation is None or contact is None:
        return None
    return ctx.once(
        ("handover", isolation.pk),
        lambda: Handover.objects.create(
            isolation=isolation, contact=contact, handed_over_at=ctx.now
        ),
    )


def _care_request(ctx: Ctx, inside: bool):
    person = _person_side(ctx, inside)
    if person is None:
        return None
    return ctx.once(
        ("care_request", person.pk),
        lambda: CareRequest.objects.create(
            person=person, kind="meals", detail="隔离期间送餐", requested_at=ctx.now
        ),
    )


def _candidate(ctx: Ctx, inside: bool):
    """An activist of the branch the URL names."""
    org = ctx.side("party_org", inside)
    if org is None:
        return None
    return ctx.once(
        ("candidate", org.pk),
        lambda: Person.objects.create(
            number=f"2020{org.pk:03d}9",
            name="积极分子",
            kind=PersonKind.STUDENT,
            unit=org.units.first() or ctx.w.med_class,
            party_branch=org,
            political_status=PoliticalStatus.ACTIVIST,
        ),
    )


def _api_token(ctx: Ctx, inside: bool):
    """One's own token (not the one the matrix calls with); anyone else's is out of reach."""
    user = ctx.actor.user if inside else ctx.w.someone_else(ctx.actor.user)
    return ctx.once(("token", user.pk), lambda: token_issue(user=user, name="matrix")[0])


def _constant(value: str) -> Kind:
    return Kind(lambda ctx, inside: value)


KINDS: dict[str, Kind] = {
    "unit": Kind(lambda ctx, inside: ctx.side("unit", inside), missing="NO-SUCH-UNIT"),
    "party_org": Kind(lambda ctx, inside: ctx.side("party_org", inside), missing="NO-SUCH-ORG"),
    "person": Kind(_person_side, missing="0000000"),
    "roster_import": Kind(_roster_import, missing=MISSING_UID),
    "alert": Kind(_alert, missing=MISSING_UID),
    "urgent_report": Kind(_urgent_report, missing=MISSING_UID),
    "digest_kind": Kind(_digest_kind, missing="nobody"),
    "day": Kind(lambda ctx, inside: ctx.today.isoformat()),
    "cluster": Kind(_cluster, missing=MISSING_UID),
    "case": Kind(_case, missing=MISSING_UID),
    "contact": Kind(_contact, missing=MISSING_UID),
    "isolation": Kind(_isolation, missing=MISSING_UID),
    "isolation_action": _constant("care"),
    "return_application": Kind(_return, missing=MISSING_UID),
    "own_return": Kind(partial(_return, of=_own_person), missing=MISSING_UID),
    "leave": Kind(_leave, missing=MISSING_UID),
    "own_leave": Kind(partial(_leave, of=_own_person), missing=MISSING_UID),
    "place": Kind(_place, missing=MISSING_UID),
    "place_action": _constant("recount"),
    "visitor": Kind(_visitor, missing=MISSING_UID),
    "plan": Kind(_plan, missing=MISSING_UID),
    "version": _constant("1"),
    "post": Kind(_post, missing=MISSING_UID),
    "shift": Kind(_shift, missing=MISSING_UID),
    "care_case": Kind(_care_case, missing=MISSING_UID),
    "vanguard_task": Kind(_vanguard_task, missing=MISSING_UID),
    "own_task": Kind(partial(_vanguard_task, of=_own_person), missing=MISSING_UID),
    "work_report": Kind(_work_report, missing=MISSING_UID),
    "assessment": Kind(_assessment, missing=MISSING_UID),
    "discipline_case": Kind(_discipline_case, missing=MISSING_UID),
    "story": Kind(_story, missing=MISSING_UID),
    "story_for_review": Kind(_story_for_review, missing=MISSING_UID),
    "photo": _constant("1"),
    "notice": Kind(_notice, missing=MISSING_UID),
    "sentiment": Kind(_sentiment, missing=MISSING_UID),
    "screenshot": _constant("1"),
    "supply_item": Kind(_supply_item, missing=MISSING_UID),
    "supply_request": Kind(_supply_request, missing=MISSING_UID),
    "community_contact": Kind(_community_contact, missing=MISSING_UID),
    "handover": Kind(_handover, missing=MISSING_UID),
    "care_request": Kind(_care_request, missing=MISSING_UID),
    "candidate": Kind(_candidate, missing="0000000"),
    "api_token": Kind(_api_token, missing=MISSING_UID),
    "checkin_today": Kind(_checkin_today),
    "audited": _constant("tracing.case"),  # the model of a record whose trail is read
}


# --- the world, once for the module ------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """The named world, its campaign and semester plan, a holder of every role with a session
    and a token.

    Built once and rolled back at the end of the module: each test adds the objects its URL
    names inside its own transaction."""
    refusals = logging.getLogger("django.request")
    level = refusals.level
    refusals.setLevel(logging.ERROR)  # the matrix is made of 403s and 404s: say only errors
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            active_campaign_forget()
            w = build_world()
            w.campaign = campaign_create_from_preset(preset="covid19", starts_on=SINCE)
            SemesterPlan.objects.create(
                campaign=w.campaign,
                vacation_starts_on=dt.date(2020, 1, 10),
                travel_return_on=dt.date(2020, 2, 1),
                semester_starts_on=dt.date(2020, 2, 17),
            )
            w.now = timezone.now()
            w.today = business_day(w.now)
            w.hospital_worker = Person.objects.create(
                number="T6601", name="何医生", kind=PersonKind.STAFF, unit=w.hospital
            )
            actors = _actors(w)
            others = [w.org_officer, w.college_leader]
            w.someone_else = lambda user: next(
                User.objects.get(person=p) for p in others if p.pk != user.person_id
            )
            for actor in actors:
                client = Client()
                client.force_login(actor.user)
                actor.session = client.cookies[settings.SESSION_COOKIE_NAME].value
                actor.token = token_issue(user=actor.user, name="matrix")[1]
            yield SimpleNamespace(world=w, actors=actors)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            active_campaign_forget()
            refusals.setLevel(level)


# --- asking --------------------------------------------------------------------------------------


def _client(actor: Actor | None, route: Route) -> Client:
    """A client as the actor: its bearer token for the API, its session for pages."""
    if actor is None:
        return Client(raise_request_exception=False)
    if route.is_api:
        return Client(
            raise_request_exception=False, headers={"authorization": f"Bearer {actor.token}"}
        )
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = actor.session
    return client


POST_ONLY: set[str] = set()  # the pages that answered a GET with 405


def _ask(actor: Actor | None, route: Route, url: str, query: dict, body: dict, tally: dict):
    """GET the URL (an API operation: its own method and a valid body; a page that answers
    405: an empty POST)."""
    client = _client(actor, route)
    method = route.methods[0].lower() if route.methods else "get"
    if route.name in POST_ONLY:
        method = "post"
    tally["requests"] += 1
    if method in ("get", "delete"):
        response = getattr(client, method)(url, query)
    elif route.is_api:
        response = getattr(client, method)(url, body, content_type="application/json")
    else:
        response = client.post(url)
    if response.status_code == 405 and not route.is_api and method == "get":
        POST_ONLY.add(route.name)
        tally["requests"] += 1
        response = client.post(url)
    return response


def _url(route: Route, values: list[str]) -> str:
    return reverse(route.name, kwargs=dict(zip(route.params, values, strict=True)))


def _values(access: Access, ctx: Ctx, inside: bool) -> list[str] | None:
    """The URL's arguments in (or out of) the actor's reach; None when there is no such
    object. Out of reach for one who reaches everything: a missing object."""
    values = []
    for kind_name in access.on:
        kind = KINDS[kind_name]
        value = kind.value(ctx, inside)
        if value is None:
            if inside or kind.missing is None:
                return None
            value = kind.missing
        values.append(value)
    return values


@cache
def _openapi() -> dict:
    return api.get_openapi_schema()


@cache
def _request_bodies() -> dict[str, dict]:
    """Operation id → the schema of its JSON body."""
    bodies = {}
    for item in _openapi()["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                bodies[operation["operationId"]] = content["application/json"]["schema"]
    return bodies


def _body(route: Route, ctx: Ctx) -> dict:
    """A body the operation's schema accepts, naming people and units in the actor's reach:
    so that the handler, not the input's validation, answers."""
    schema = _request_bodies().get(route.operation_id)
    return _example(schema, ctx, "") if schema else {}


def _example(schema: dict, ctx: Ctx, name: str):
    """The plainest value `schema` accepts; a person's number or a unit's code in reach for
    a field that names one."""
    if "$ref" in schema:
        name_of = schema["$ref"].split("/")[-1]
        return _example(_openapi()["components"]["schemas"][name_of], ctx, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(options[0], ctx, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {key: _example(props[key], ctx, key) for key in required if key in props}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if schema.get("format") == "date":
        return ctx.today.isoformat()
    if schema.get("format") == "date-time":
        return (ctx.now + dt.timedelta(hours=1)).isoformat()
    if name in ("person", "host", "number", "code"):
        return ctx.side("person", True).number
    if name == "unit":
        return (ctx.side("unit", True) or ctx.w.med_class).code
    return "甲" * max(1, schema.get("minLength", 1))


def _is_login_redirect(response, route: Route) -> bool:
    if route.name.startswith("admin:"):
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n in ROUTES if _checked(n)))
def test_every_url_answers_every_role_as_the_table_says(name, matrix, pytestconfig):
    access = access_of(name)
    assert access is not None, (
        f"The URL {name!r} has no entry in the permission table: add an entry to {TABLE} "
        "(who may use it, the kind of each URL argument, the refusal)."
    )
    route = ROUTES[name]
    unknown = [k for k in (*access.on, *access.query.values(), *access.given) if k not in KINDS]
    assert not unknown, f"{name}: no factory in this test for the argument kinds {unknown}"
    assert len(access.on) == len(route.params), (
        f"{name}: the table names {len(access.on)} argument kinds, the URL has {route.params}"
    )
    figures = pytestconfig.stash.setdefault(FIGURES, {})
    tally = figures.setdefault("permission matrix", {"URLs": 0, "URLs × roles": 0, "requests": 0})
    w, wrong, cache = matrix.world, [], {}

    # Anonymous: the login page, or 401 from the API; public URLs answer.
    ctx = Ctx(w, matrix.actors[0], cache)
    values = _values(access, ctx, True) or [KINDS[k].missing or "x" for k in access.on]
    query = {p: KINDS[k].value(ctx, True) for p, k in access.query.items()}
    response = _ask(None, route, _url(route, values), query, _body(route, ctx), tally)
    status = response.status_code
    if access.who is Who.PUBLIC:
        if status >= 500 or status in (401, 403, 404):
            wrong.append(f"anonymous: {status}, a public URL should answer")
    elif access.who is Who.NOBODY:
        if status != 404:
            wrong.append(f"anonymous: {status}, expected 404")
    elif route.is_api:
        if status != 401:
            wrong.append(f"anonymous: {status}, expected 401")
    elif not _is_login_redirect(response, route):
        wrong.append(f"anonymous: {status}, expected a redirect to the login page")

    for actor in matrix.actors:
        ctx = Ctx(w, actor, cache)
        allowed = access.allows(actor.perms, actor.reach, actor.person.kind)
        for kind in access.given:
            KINDS[kind].make(ctx, True)
        query = {p: KINDS[k].value(ctx, True) or "" for p, k in access.query.items()}
        body = _body(route, ctx)
        # Out of reach is asked of those with the right: the others are refused anyway.
        for inside in (True, False) if access.on and allowed else (True,):
            values = _values(access, ctx, inside)
            if values is None:
                continue
            status = _ask(actor, route, _url(route, values), query, body, tally).status_code
            where = "in reach" if inside else "out of reach"
            if status >= 500:
                wrong.append(f"{actor.label} {where}: {status}")
            elif not allowed:
                if status not in access.refusals:
                    wrong.append(f"{actor.label} {where}: {status}, expected {access.refused}")
            elif inside and status in (401, 403, 404):
                wrong.append(f"{actor.label} {where}: {status}, expected an answer")
            elif not inside and status != 404:
                wrong.append(f"{actor.label} {where}: {status}, expected 404")
        tally["URLs × roles"] += 1
    tally["URLs"] += 1
    assert not wrong, f"{name} ({', '.join(route.methods) or 'page'}):\n  " + "\n  ".join(wrong)


def test_every_entry_of_the_table_names_a_url():
    stale = sorted(set(URLS) - set(ROUTES))
    assert not stale, f"{TABLE} has entries for URLs that no longer exist: {stale}"
    assert all(any(n.startswith(f"{ns}:") for n in ROUTES) for ns in NAMESPACES)
