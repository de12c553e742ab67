"""The roles: one table of who may see and do what. Rendered into docs/roles.md.

A role is held as a `Position` over a unit, a Party organization or a grid, and reaches that
node's subtree; its `reach` says which people that is. Everyone also sees themselves.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("Party secretary")
    COLLEGE_LEADER = "college_leader", _("College leader")
    COUNSELOR = "counselor", _("Counselor")
    GRID_WORKER = "grid_worker", _("Grid worker")
    LAB_HEAD = "lab_head", _("Lab head")
    LEADING_GROUP = "leading_group", _("Leading group")
    ORG_DEPARTMENT = "org_department", _("Organization Department")
    STUDENT_AFFAIRS = "student_affairs", _("Student Affairs")
    UNIVERSITY_OFFICE = "university_office", _("University Office")
    DISCIPLINE_INSPECTION = "discipline_inspection", _("Discipline inspection")
    GATE_KEEPER = "gate_keeper", _("Gate keeper")


class Reach(StrEnum):
    """Which people a position lets its holder see."""

    EVERYONE = "everyone"
    ALL_STUDENTS = "all_students"
    ALL_STAFF = "all_staff"
    UNIT_SUBTREE = "unit_subtree"
    PARTY_SUBTREE = "party_subtree"
    GRID = "grid"
    NOBODY_ELSE = "nobody_else"


class HeldOn(StrEnum):
    """What a position of the role is held over."""

    UNIT = "unit"
    PARTY_ORG = "party_org"
    GRID = "grid"


class Perm(StrEnum):
    VIEW_PEOPLE = "people.view"
    VIEW_PHONE = "people.view_phone"
    VIEW_ID_NUMBER = "people.view_id_number"
    IMPORT_ROSTER = "roster.import"
    MANAGE_ORG = "org.manage"
    ADMIN = "admin.access"
    CHECKIN_PROXY = "checkins.proxy"
    REGISTER_TRIPS = "tracing.register_trips"
    TRACE = "tracing.trace"
    ISOLATE = "tracing.isolate"
    HANDLE_ALERTS = "alerts.handle"
    SUBMIT_REPORT = "reports.submit"
    URGENT_REPORT = "reports.urgent"
    VIEW_DASHBOARD = "dashboards.view"
    APPROVE_RETURN = "campus.approve_return"
    APPROVE_RETURN_COLLEGE = "campus.approve_return_college"
    SEMESTER_PLAN = "campus.semester_plan"
    APPROVE_LEAVE = "campus.approve_leave"
    GATE_CHECK = "campus.gate_check"
    REGISTER_VISITORS = "campus.register_visitors"
    MANAGE_PLACES = "campus.manage_places"
    CONTINGENCY_PLAN = "campus.contingency_plan"
    PARTY_TASKS = "partywork.tasks"
    DUTY_ROSTER = "partywork.duty"
    ASSESS_CADRES = "partywork.assess"
    COMMEND = "partywork.commend"
    DISCIPLINE = "partywork.discipline"
    PUBLISH_STORIES = "partywork.publish"
    CARE_FRONTLINE = "partywork.care"
    BRIEFING = "partywork.briefing"
    PUBLISH_NOTICES = "notices.publish"
    HANDLE_SENTIMENT = "notices.sentiment"
    KEEP_SUPPLIES = "supplies.keep"
    REQUEST_SUPPLIES = "supplies.request"
    LIAISON = "liaison.contacts"
    STUDENT_CARE = "liaison.student_care"
    READ_AUDIT = "audit.read"


HELD_ON_LABELS = {
    HeldOn.UNIT: _("a unit"),
    HeldOn.PARTY_ORG: _("a Party organization"),
    HeldOn.GRID: _("a grid"),
}

PERM_LABELS = {
    Perm.VIEW_PEOPLE: _("see the people in reach and their records"),
    Perm.VIEW_PHONE: _("see phone numbers unmasked"),
    Perm.VIEW_ID_NUMBER: _("see ID card numbers unmasked"),
    Perm.IMPORT_ROSTER: _("import rosters for the people in reach"),
    Perm.MANAGE_ORG: _("edit units, Party organizations, grids and positions"),
    Perm.ADMIN: _("use the administration site (scoped)"),
    Perm.CHECKIN_PROXY: _("check in on behalf of the people in reach"),
    Perm.REGISTER_TRIPS: _("register the trips of the people in reach (screening)"),
    Perm.TRACE: _("record cases of the people in reach and confirm or dismiss their contacts"),
    Perm.ISOLATE: _("start, extend and release isolations in reach and name their carers"),
    Perm.HANDLE_ALERTS: _("acknowledge and close the alerts of the people in reach"),
    Perm.SUBMIT_REPORT: _("submit the daily report of the units held"),
    Perm.URGENT_REPORT: _("report a special situation at once"),
    Perm.VIEW_DASHBOARD: _("read the dashboards of the reach"),
    Perm.APPROVE_RETURN: _(
        "approve the return to campus of the people in reach (in bulk when every condition "
        "is met, else one by one)"
    ),
    Perm.APPROVE_RETURN_COLLEGE: _(
        "decide, for the college, the return applications a counselor passed on"
    ),
    Perm.SEMESTER_PLAN: _("set the semester plan: deferred start, return conditions, capacity"),
    Perm.APPROVE_LEAVE: _("approve leave to go out of campus for the people in reach"),
    Perm.GATE_CHECK: _("verify passes at a gate or a key place and log entries and exits"),
    Perm.REGISTER_VISITORS: _("register visitors with a host and a time window"),
    Perm.MANAGE_PLACES: _("set up the key places of the units in reach and who may enter"),
    Perm.CONTINGENCY_PLAN: _("keep the contingency plans of the units in reach"),
    Perm.PARTY_TASKS: _(
        "set up front-line posts, assign tasks to members, observe activists, submit stories"
    ),
    Perm.DUTY_ROSTER: _("plan the duty shifts of the units and posts in reach"),
    Perm.ASSESS_CADRES: _("assess cadres against the rubric and the evidence"),
    Perm.COMMEND: _("record commendations, criticism, organizational talks, accountability"),
    Perm.DISCIPLINE: _("open and keep discipline inspection cases (seen by nobody else)"),
    Perm.PUBLISH_STORIES: _("approve exemplary stories for publication"),
    Perm.CARE_FRONTLINE: _("register and resolve the difficulties of front-line staff"),
    Perm.BRIEFING: _("read the daily briefing and the committees' work reports"),
    Perm.PUBLISH_NOTICES: _("publish notices to the people in reach and chase their readers"),
    Perm.HANDLE_SENTIMENT: _("handle the public-sentiment and rumour reports that reach them"),
    Perm.KEEP_SUPPLIES: _("keep the stores: receive, approve requests, issue, take returns"),
    Perm.REQUEST_SUPPLIES: _("request supplies for the units held"),
    Perm.LIAISON: _("keep the community contacts and hand over people isolating at home"),
    Perm.STUDENT_CARE: _("take up students' requests for care and see them done"),
    Perm.READ_AUDIT: _(
        "read the audit trail of a record: who changed what, when, from where, and who read "
        "or exported it"
    ),
}

REACH_LABELS = {
    Reach.EVERYONE: _("everyone in the university"),
    Reach.ALL_STUDENTS: _("every student, no staff"),
    Reach.ALL_STAFF: _("every staff member, no student"),
    Reach.UNIT_SUBTREE: _("the people of the unit and every unit below it"),
    Reach.PARTY_SUBTREE: _(
        "the members of the Party organization and those below it, and the "
        "people of the units they lead"
    ),
    Reach.GRID: _("the people of the grid"),
    Reach.NOBODY_ELSE: _("nobody but themselves (a pass shows only a name and a colour)"),
}


@dataclass(frozen=True)
class RoleSpec:
    held_on: tuple[HeldOn, ...]
    reach: Reach
    perms: frozenset[Perm]


_FIELD = frozenset(
    {Perm.VIEW_PEOPLE, Perm.VIEW_PHONE, Perm.HANDLE_ALERTS, Perm.URGENT_REPORT, Perm.VIEW_DASHBOARD}
)
_OFFICE = frozenset(
    {
        Perm.VIEW_PEOPLE,
        Perm.VIEW_PHONE,
        Perm.VIEW_ID_NUMBER,
        Perm.IMPORT_ROSTER,
        Perm.ADMIN,
        Perm.URGENT_REPORT,
        Perm.VIEW_DASHBOARD,
    }
)
_LEADER = _FIELD | {Perm.SUBMIT_REPORT}
# Those who go through their people one by one (排查): counselors and grid workers.
_SCREENER = frozenset({Perm.CHECKIN_PROXY, Perm.REGISTER_TRIPS})
# Those who trace (流调) and isolate: the leading group, college leaders, counselors.
_TRACER = frozenset({Perm.TRACE, Perm.ISOLATE})
# The Party's work seen from the centre: the leading group and the Organization Department.
_PARTY_CENTRE = frozenset(
    {
        Perm.PARTY_TASKS,
        Perm.DUTY_ROSTER,
        Perm.ASSESS_CADRES,
        Perm.COMMEND,
        Perm.CARE_FRONTLINE,
        Perm.BRIEFING,
    }
)
# Information and care (R21-R27): notices, sentiment, supplies, liaison, student care.
_INFORMER = frozenset({Perm.PUBLISH_NOTICES, Perm.HANDLE_SENTIMENT})
# Campus: who approves returns and leave, keeps places, registers visitors, keeps plans.
_CAMPUS_LEADER = frozenset(
    {
        Perm.APPROVE_RETURN_COLLEGE,
        Perm.APPROVE_LEAVE,
        Perm.MANAGE_PLACES,
        Perm.REGISTER_VISITORS,
        Perm.CONTINGENCY_PLAN,
    }
)

ROLES: dict[Role, RoleSpec] = {
    Role.LEADING_GROUP: RoleSpec(
        (HeldOn.UNIT,),
        Reach.EVERYONE,
        _OFFICE
        | _TRACER
        | _CAMPUS_LEADER
        | _PARTY_CENTRE
        | _INFORMER
        | {
            Perm.MANAGE_ORG,
            Perm.HANDLE_ALERTS,
            Perm.SEMESTER_PLAN,
            Perm.GATE_CHECK,
            Perm.KEEP_SUPPLIES,
            Perm.LIAISON,
            Perm.STUDENT_CARE,
        },
    ),
    Role.ORG_DEPARTMENT: RoleSpec(
        (HeldOn.UNIT,),
        Reach.EVERYONE,
        _OFFICE
        | _PARTY_CENTRE
        | _INFORMER
        | {Perm.MANAGE_ORG, Perm.PUBLISH_STORIES, Perm.READ_AUDIT},
    ),
    Role.DISCIPLINE_INSPECTION: RoleSpec(
        (HeldOn.UNIT,),
        Reach.EVERYONE,
        frozenset(
            {
                Perm.VIEW_PEOPLE,
                Perm.VIEW_PHONE,
                Perm.VIEW_ID_NUMBER,
                Perm.VIEW_DASHBOARD,
                Perm.DISCIPLINE,
                Perm.READ_AUDIT,
            }
        ),
    ),
    Role.STUDENT_AFFAIRS: RoleSpec(
        (HeldOn.UNIT,),
        Reach.ALL_STUDENTS,
        _OFFICE | {Perm.PUBLISH_NOTICES, Perm.STUDENT_CARE},
    ),
    Role.UNIVERSITY_OFFICE: RoleSpec(
        (HeldOn.UNIT,),
        Reach.ALL_STAFF,
        _OFFICE | {Perm.CARE_FRONTLINE, Perm.PUBLISH_NOTICES, Perm.KEEP_SUPPLIES},
    ),
    Role.PARTY_SECRETARY: RoleSpec(
        (HeldOn.PARTY_ORG,),
        Reach.PARTY_SUBTREE,
        _LEADER
        | _INFORMER
        | {
            Perm.CONTINGENCY_PLAN,
            Perm.PARTY_TASKS,
            Perm.DUTY_ROSTER,
            Perm.CARE_FRONTLINE,
            Perm.REQUEST_SUPPLIES,
        },
    ),
    Role.COLLEGE_LEADER: RoleSpec(
        (HeldOn.UNIT,),
        Reach.UNIT_SUBTREE,
        _LEADER
        | _TRACER
        | _CAMPUS_LEADER
        | {
            Perm.IMPORT_ROSTER,
            Perm.DUTY_ROSTER,
            Perm.PUBLISH_NOTICES,
            Perm.REQUEST_SUPPLIES,
            Perm.LIAISON,
            Perm.STUDENT_CARE,
        },
    ),
    Role.COUNSELOR: RoleSpec(
        (HeldOn.UNIT,),
        Reach.UNIT_SUBTREE,
        _FIELD
        | _SCREENER
        | _TRACER
        | {
            Perm.APPROVE_RETURN,
            Perm.APPROVE_LEAVE,
            Perm.PUBLISH_NOTICES,
            Perm.LIAISON,
            Perm.STUDENT_CARE,
        },
    ),
    Role.LAB_HEAD: RoleSpec(
        (HeldOn.UNIT,),
        Reach.UNIT_SUBTREE,
        _FIELD
        | {Perm.APPROVE_LEAVE, Perm.MANAGE_PLACES, Perm.REGISTER_VISITORS, Perm.REQUEST_SUPPLIES},
    ),
    Role.GRID_WORKER: RoleSpec((HeldOn.GRID,), Reach.GRID, _FIELD | _SCREENER),
    Role.GATE_KEEPER: RoleSpec(
        (HeldOn.UNIT,), Reach.NOBODY_ELSE, frozenset({Perm.GATE_CHECK, Perm.REGISTER_VISITORS})
    ),
}


def spec(role: str) -> RoleSpec:
    return ROLES[Role(role)]
