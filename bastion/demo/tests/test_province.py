"""The demo province: an education department above universities built as the demo's one is,
each with its own codes and numbers; the same for the same seed; its leaders see everything."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.checkins.models import CheckIn
from bastion.conftest import agree_to_privacy_notice
from bastion.dashboards.selectors import children_figures
from bastion.demo.models import DemoAccount
from bastion.demo.province import ProvinceRefused, province_build
from bastion.demo.tests.test_builder import digest, wipe
from bastion.lib.days import SHANGHAI
from bastion.org.models import PartyOrg, Person, Unit, UnitKind
from bastion.reports.models import DailyReport, UnitDayCount

NOW = dt.datetime(2020, 3, 2, 9, 20, tzinfo=SHANGHAI)


@pytest.fixture
def province(db):
    return province_build(universities=2, people=700, seed=5)


def test_the_province_holds_its_universities_under_its_department(province):
    top = Unit.objects.get(depth=1)
    assert top.kind == UnitKind.PROVINCE and top.name == "示范省教育厅"
    universities = list(Unit.objects.filter(depth=2).order_by("path"))
    assert [(u.code, u.name, u.kind) for u in universities] == [
        ("U01", "示范大学", UnitKind.UNIVERSITY),
        ("U02", "示范理工大学", UnitKind.UNIVERSITY),
    ]
    assert all(problem == [] for problem in Unit.objects.find_problems())
    assert all(problem == [] for problem in PartyOrg.objects.find_problems())
    assert top.numchild == 2
    assert not Unit.objects.filter(depth__gt=2).exclude(code__regex=r"^U0[12]-").exists()


def test_every_person_is_counted_once_with_the_number_of_their_university(province):
    people = Person.objects.count()
    assert people == 702 == province.people  # the universities' 700 and the province's two
    assert Person.objects.values("number").distinct().count() == people
    for university in Unit.objects.filter(depth=2):
        prefix = university.code[1:]
        inside = Person.objects.filter(unit__path__startswith=university.path)
        assert inside.exists() and not inside.exclude(number__startswith=prefix).exists()


def test_the_same_seed_builds_the_same_province(province):
    first = digest()
    wipe()
    province_build(universities=2, people=700, seed=5)
    assert digest() == first


def test_the_provinces_leading_group_sees_every_university(province):
    head = DemoAccount.objects.get(kind="province")
    user = User.objects.get(username=head.username)
    assert scope_of(user).people().count() == Person.objects.count()


@pytest.mark.parametrize(
    "universities, people",
    [(0, 1000), (31, 100_000), (2, 500)],  # none; more than the names; too small to staff
)
def test_a_province_that_cannot_be_built_is_refused_with_nothing_written(db, universities, people):
    with pytest.raises(ProvinceRefused):
        province_build(universities=universities, people=people, seed=5)
    assert not Unit.objects.exists() and not Person.objects.exists()


def run(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_the_command_builds_a_province_with_its_history_and_dashboards(db):
    with time_machine.travel(NOW, tick=False):
        out = run(province=True, universities=2, people=700, history_days=3, seed=5)
    assert "示范省教育厅" in out and "省级领导小组" in out
    today = NOW.date()
    assert CheckIn.objects.filter(day=today - dt.timedelta(days=1)).count() > 600
    assert UnitDayCount.objects.filter(day=today).exists() and DailyReport.objects.exists()
    province = Unit.objects.get(depth=1)
    children = children_figures(unit=province, day=today - dt.timedelta(days=1))
    assert [c.unit.code for c in children] == ["U01", "U02"]
    assert sum(c.figures.expected for c in children) == 700
    client = Client()
    user = User.objects.get(username=DemoAccount.objects.get(kind="province").username)
    agree_to_privacy_notice(user)
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/dashboard/")
    assert page.status_code == 200
    assert "示范理工大学" in page.content.decode()


def test_the_command_refuses_a_province_it_cannot_build(db):
    with pytest.raises(CommandError, match="300"):
        run(province=True, universities=2, people=500)
    assert not Unit.objects.exists()
