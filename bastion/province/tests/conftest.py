"""Fixtures of the reporting-once tests: a university that is a member of a province, and a
province that has it as a member; a fixed morning of the campaign.

The two sides are tested apart in one database each (the university's world is the suite's;
the province's is built here), and together in test_loopback.py, where the province is an
instance of its own served by granian on loopback.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import PASSWORD, SINCE, agree_to_privacy_notice
from bastion.lib.days import at
from bastion.ops.tests.conftest import migrated_schema, scratch, scratch_factory  # noqa: F401
from bastion.org.models import Person, PersonKind, UnitKind
from bastion.org.services import position_assign, unit_add
from bastion.province.services import canonical, member_register, report_key
from bastion.province.signing import signed_headers
from bastion.reports.selectors import COUNT_FIELDS

DAY = dt.date(2020, 2, 10)  # a Monday of the campaign
MORNING = at(DAY, dt.time(9, 0))
MEMBER = "10001"  # 示范大学's code at the province (学校代码)
KEY = "k3y-of-the-university-at-the-province-0123456789"
PATH = "/api/v1/province/reports"


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False):
        yield MORNING


# --- the university's side ----------------------------------------------------------------


@pytest.fixture
def member_settings(settings):
    """This instance is 示范大学's, a member of the province at a loopback address."""
    settings.BASTION_PROVINCE_URL = "http://127.0.0.1:9"  # discard: nobody answers
    settings.BASTION_PROVINCE_MEMBER = MEMBER
    settings.BASTION_PROVINCE_KEY = KEY
    return settings


def university_signer(world) -> Person:
    """高明, secretary of the university's Party committee: signs the university's own daily
    report, which the campaign asks of the university as a whole as well as of its colleges."""
    person = Person.objects.create(
        number="T8001", name="高明", kind=PersonKind.STAFF, unit=world.org_dept
    )
    user = User(username=person.number, person=person, must_change_password=False)
    user.set_password(PASSWORD)
    user.save()
    agree_to_privacy_notice(user)
    position_assign(person=person, role=Role.PARTY_SECRETARY, over=world.committee, starts_on=SINCE)
    return person


@pytest.fixture
def signer(world, campaign) -> Person:
    campaign.reporting_unit_kinds = [*campaign.reporting_unit_kinds, UnitKind.UNIVERSITY.value]
    campaign.save(update_fields=["reporting_unit_kinds"])
    return university_signer(world)


# --- the province's side ------------------------------------------------------------------


def build_province(*, member: str = MEMBER, key: str = KEY, starts_on: dt.date = SINCE):
    """省教育厅 (EDU) with 示范大学 as a member, an officer who reads the universities'
    reports, and the campaign: universities report by 12:00."""
    p = SimpleNamespace()
    p.root = unit_add(parent=None, code="EDU", name="省教育厅", kind=UnitKind.OFFICE)
    p.member, _key = member_register(code=member, name="示范大学", key=key)
    p.university = p.member.unit
    p.campaign = campaign_create_from_preset(
        preset="covid19",
        starts_on=starts_on,
        reporting_unit_kinds=[UnitKind.UNIVERSITY.value],
        report_deadlines={"2": "12:00", "1": "14:00"},
    )
    p.officer = Person.objects.create(
        number="E0001", name="孔处长", kind=PersonKind.STAFF, unit=p.root
    )
    user = User(username=p.officer.number, person=p.officer, must_change_password=False)
    user.set_password(PASSWORD)
    user.save()
    agree_to_privacy_notice(user)
    position_assign(person=p.officer, role=Role.ORG_DEPARTMENT, over=p.root, starts_on=starts_on)
    return p


@pytest.fixture
def province(db):
    return build_province()


def counts(**given: int) -> dict[str, int]:
    return {f: given.get(f, 0) for f in COUNT_FIELDS}


def sent_report(**over) -> dict:
    """A report as 示范大学's instance sends it: a zero report of DAY, signed at 8:55."""
    report = {
        "day": DAY.isoformat(),
        "version": 1,
        "is_zero": True,
        "counts": counts(expected=1200, checked_in=1190, late=12),
        "counts_by_kind": {
            "student": counts(expected=1000, checked_in=995, late=10),
            "staff": counts(expected=200, checked_in=195, late=2),
        },
        "submitted_at": at(DAY, dt.time(8, 55)).isoformat(),
        "on_time": True,
    }
    report.update(over)
    return report


def post_signed(client, report: dict, *, key: str = KEY, member: str = MEMBER, **override):
    """POST `report` as the member's instance does; `override` replaces a header or the time
    (`timestamp=<aware datetime>`, `idempotency_key=…`, `signature=…`)."""
    body = canonical(report)
    moment = override.pop("timestamp", None)
    headers = signed_headers(
        member=member,
        key=key,
        method="POST",
        path=PATH,
        body=body,
        idempotency_key=override.pop(
            "idempotency_key",
            report_key(
                member=member, day=dt.date.fromisoformat(report["day"]), version=report["version"]
            ),
        ),
        now=(moment or timezone.now()).timestamp(),
    )
    if "signature" in override:
        headers["X-Bastion-Signature"] = override.pop("signature")
    return client.post(PATH, data=body, content_type="application/json", headers=headers)
