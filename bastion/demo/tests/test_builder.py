"""The demo university: realistic, complete, consistent, and the same for the same seed."""

import hashlib
from collections import Counter

import pytest
from django.db.models import Count

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import scope_of
from bastion.demo.builder import DemoResult, demo_build
from bastion.demo.models import DemoAccount
from bastion.lib import divisions, idcard
from bastion.org.models import (
    Grid,
    PartyOrg,
    PartyOrgKind,
    Person,
    PersonKind,
    PoliticalStatus,
    Position,
    Unit,
    UnitKind,
)

PEOPLE = 600


@pytest.fixture
def demo(db) -> DemoResult:
    return demo_build(people=PEOPLE, seed=7)


def wipe() -> None:
    DemoAccount.objects.all().delete()
    User.objects.all().delete()
    Position.objects.all().delete()
    Person.objects.all().delete()
    Grid.objects.all().delete()
    Unit.objects.all().delete()
    PartyOrg.objects.all().delete()


def digest() -> str:
    """Everything a seed decides, by stable keys (codes and numbers, never primary keys)."""
    h = hashlib.sha256()
    for rows in (
        Unit.objects.order_by("path").values_list(
            "path", "code", "name", "kind", "party_org__code"
        ),
        PartyOrg.objects.order_by("path").values_list("path", "code", "name", "kind", "post"),
        Grid.objects.order_by("unit__code", "name").values_list("uid", "unit__code", "name"),
        Person.objects.order_by("number").values_list(
            "number",
            "name",
            "gender",
            "kind",
            "unit__code",
            "grid__name",
            "political_status",
            "party_branch__code",
            "phone",
            "id_number",
            "dormitory",
            "home_region",
        ),
        Position.objects.order_by(
            "person__number", "role", "unit__code", "party_org__code", "grid__name"
        ).values_list(
            "person__number", "role", "unit__code", "party_org__code", "grid__name", "starts_on"
        ),
        DemoAccount.objects.values_list("order", "kind", "username", "duty"),
    ):
        for row in rows:
            h.update(repr(row).encode())
    return h.hexdigest()


def test_it_builds_exactly_the_people_asked_for_with_unique_numbers(demo):
    assert Person.objects.count() == PEOPLE == demo.people
    assert Person.objects.values("number").distinct().count() == PEOPLE


def test_every_kind_of_position_is_filled(demo):
    assert set(Position.objects.values_list("role", flat=True)) == set(Role.values)


def test_every_party_org_has_a_secretary_who_is_a_member(demo):
    secretaries = Position.objects.filter(role=Role.PARTY_SECRETARY)
    assert set(secretaries.values_list("party_org", flat=True)) == set(
        PartyOrg.objects.values_list("pk", flat=True)
    )
    assert not secretaries.exclude(person__political_status=PoliticalStatus.MEMBER).exists()


def test_the_party_has_every_kind_of_organization_and_front_line_posts(demo):
    assert set(PartyOrg.objects.values_list("kind", flat=True)) == set(PartyOrgKind.values)
    for org in PartyOrg.objects.filter(kind=PartyOrgKind.TEMPORARY):
        assert org.post and org.started_on.isoformat() == "2020-01-28"


def test_colleges_are_led_by_secondary_committees_and_classes_by_branches(demo):
    assert (
        not Unit.objects.filter(kind=UnitKind.COLLEGE)
        .exclude(party_org__kind=PartyOrgKind.SECONDARY_COMMITTEE)
        .exists()
    )
    assert (
        not Unit.objects.filter(kind=UnitKind.CLASS)
        .exclude(party_org__kind=PartyOrgKind.BRANCH)
        .exists()
    )
    assert Unit.objects.filter(kind=UnitKind.HOSPITAL, name="校医院").exists()
    assert Unit.objects.filter(kind=UnitKind.OFFICE, name="党委组织部").exists()


def test_every_student_is_in_a_class_and_a_grid_and_every_grid_has_its_worker(demo):
    students = Person.objects.filter(kind=PersonKind.STUDENT)
    assert not students.exclude(unit__kind=UnitKind.CLASS).exists()
    assert not students.filter(grid__isnull=True).exists()
    assert not students.filter(dormitory="").exists()
    assert not Person.objects.filter(grid__isnull=True).exists()
    workers = Grid.objects.annotate(n=Count("positions")).filter(n=0)
    assert not workers.exists()
    assert Grid.objects.filter(kind=Grid.Kind.DORMITORY_FLOOR).exists()
    assert Grid.objects.filter(kind=Grid.Kind.CLASS).exists()


def test_every_class_has_a_counselor_and_every_lab_a_head(demo):
    counseled = set(Position.objects.filter(role=Role.COUNSELOR).values_list("unit", flat=True))
    assert counseled == set(Unit.objects.filter(kind=UnitKind.CLASS).values_list("pk", flat=True))
    headed = set(Position.objects.filter(role=Role.LAB_HEAD).values_list("unit", flat=True))
    labs = Unit.objects.filter(kind__in=[UnitKind.LAB, UnitKind.RESEARCH_GROUP])
    assert headed == set(labs.values_list("pk", flat=True))


def test_a_university_of_some_size_has_the_real_shares_of_students_and_members(db):
    """A tiny demo is all cadres; from a few thousand people the shares are the real ones."""
    demo_build(people=3000, seed=11)
    students = Person.objects.filter(kind=PersonKind.STUDENT).count()
    assert 6 <= students / (3000 - students) <= 10  # about eight students per staff member

    def share(**filters) -> float:
        people = Person.objects.filter(**filters)
        members = people.filter(political_status__in=["member", "probationary"]).count()
        return members / people.count()

    assert 0.35 <= share(kind=PersonKind.STAFF) <= 0.65
    assert 0.04 <= share(kind=PersonKind.STUDENT, number__regex=r"^\d{6}1") <= 0.15
    assert 0.20 <= share(kind=PersonKind.STUDENT, number__regex=r"^\d{6}[23]") <= 0.45


def test_members_activists_and_applicants_have_a_branch_and_the_masses_none(demo):
    assert (
        not Person.objects.exclude(political_status=PoliticalStatus.MASSES)
        .filter(party_branch__isnull=True)
        .exists()
    )
    assert (
        not Person.objects.filter(political_status=PoliticalStatus.MASSES)
        .filter(party_branch__isnull=False)
        .exists()
    )
    assert (
        not Person.objects.filter(party_branch__isnull=False)
        .exclude(party_branch__kind__in=[PartyOrgKind.BRANCH, PartyOrgKind.DIRECT_BRANCH])
        .exists()
    )


def test_id_numbers_phones_and_home_regions_are_valid_and_agree(demo):
    provinces = Counter()
    for person in Person.objects.all():
        assert idcard.is_valid(person.id_number), person.id_number
        assert person.id_number[:6] == person.home_region
        assert divisions.get(person.home_region).level == 3
        assert int(person.id_number[16]) % 2 == (1 if person.gender == "M" else 0)
        assert len(person.phone) == 11 and person.phone[1] in "3456789"
        provinces[person.home_region[:2]] += 1
    assert provinces.most_common(1)[0][0] == "12"  # the university is in Tianjin
    assert len(provinces) >= 20


def test_the_trees_are_consistent(demo):
    assert all(problem == [] for problem in Unit.objects.find_problems())
    assert all(problem == [] for problem in PartyOrg.objects.find_problems())
    assert len(Unit.objects.get_tree()) == Unit.objects.count() == demo.units
    for unit in Unit.objects.all():
        children = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        assert children.count() == unit.numchild, unit.code


def test_the_same_seed_builds_the_same_university_and_another_seed_another(demo):
    first = digest()
    wipe()
    demo_build(people=PEOPLE, seed=7)
    assert digest() == first
    wipe()
    demo_build(people=PEOPLE, seed=8)
    assert digest() != first


def test_the_demo_accounts_log_in_without_changing_their_password(demo, client):
    assert [r.kind.key for r in demo.demo_accounts][-1] == "admin"
    assert len({r.username for r in demo.demo_accounts}) == len(demo.demo_accounts) == 15
    for row in demo.demo_accounts:
        assert client.login(username=row.username, password=row.password), row
        assert not User.objects.get(username=row.username).must_change_password
        client.logout()
    ordinary = User.objects.filter(person__isnull=False, must_change_password=True).first()
    assert ordinary is not None and not ordinary.has_usable_password()


def test_each_demo_account_holds_the_role_it_is_printed_for(demo):
    accounts = {r.kind.key: r.username for r in demo.demo_accounts}
    for kind, role in [
        ("counselor", Role.COUNSELOR),
        ("grid_worker", Role.GRID_WORKER),
        ("college_leader", Role.COLLEGE_LEADER),
        ("lab_head", Role.LAB_HEAD),
        ("branch_secretary", Role.PARTY_SECRETARY),
        ("leading_group", Role.LEADING_GROUP),
        ("org_department", Role.ORG_DEPARTMENT),
        ("student_affairs", Role.STUDENT_AFFAIRS),
        ("university_office", Role.UNIVERSITY_OFFICE),
        ("discipline_inspection", Role.DISCIPLINE_INSPECTION),
    ]:
        assert Position.objects.filter(person__number=accounts[kind], role=role).exists(), kind
    assert not Position.objects.filter(person__number=accounts["student"]).exists()
    assert not Position.objects.filter(person__number=accounts["staff"]).exists()
    assert User.objects.get(username="admin").is_superuser


def test_the_counselor_sees_only_the_people_of_their_classes(demo):
    number = next(r.username for r in demo.demo_accounts if r.kind.key == "counselor")
    classes = Position.objects.filter(person__number=number, role=Role.COUNSELOR)
    assert classes.count() > 1
    expected = set(
        Person.objects.filter(unit__in=classes.values("unit")).values_list("number", flat=True)
    ) | {number}
    seen = set(
        scope_of(User.objects.get(username=number)).people().values_list("number", flat=True)
    )
    assert seen == expected


def test_the_college_leader_sees_their_college_and_nothing_else(demo):
    number = next(r.username for r in demo.demo_accounts if r.kind.key == "college_leader")
    seen = scope_of(User.objects.get(username=number)).people()
    assert (
        seen.count()
        == Person.objects.filter(unit__path__startswith=Unit.objects.get(code="MED").path).count()
    )
    assert not seen.exclude(unit__path__startswith=Unit.objects.get(code="MED").path).exists()
