"""The organization pages: trees, unit and Party-org pages, people, a person — all scoped."""

import pytest
from django.urls import reverse

from bastion.org.models import Person, PersonKind


def numbers_listed(response) -> set[str]:
    """The people numbers a list page shows (from its links to person pages)."""
    page = response.context["page"]
    return {p.number for p in page.object_list}


def get(client, name, *args, **params):
    return client.get(reverse(name, args=args), params)


# --- the unit tree -----------------------------------------------------------------------


def test_the_unit_tree_shows_a_college_leader_their_college_and_not_the_other(world, client_as):
    response = get(client_as(world.college_leader), "org:units")
    assert response.status_code == 200
    names = [row.node.name for row in response.context["rows"]]
    assert names[0] == "医学院" and "临床2020级1班" in names and "病原生物学实验室" in names
    assert "计算机学院" not in names
    assert "计算机学院" not in response.content.decode()


def test_the_unit_tree_counts_only_visible_people(world, client_as):
    response = get(client_as(world.counselor), "org:units")
    counts = {row.node.code: row.people for row in response.context["rows"]}
    assert counts["MED-C1"] == 2


def test_the_unit_tree_counts_each_subtree(world, client_as):
    response = get(client_as(world.org_officer), "org:units")
    counts = {row.node.code: row.people for row in response.context["rows"]}
    assert counts["U"] == Person.objects.count()
    assert counts["MED"] == Person.objects.filter(unit__path__startswith=world.med.path).count()
    assert counts["MED-C1"] == 2


def test_the_unit_tree_tells_a_student_they_see_only_themselves(world, client_as):
    response = get(client_as(world.student), "org:units")
    assert response.status_code == 200
    body = response.content.decode()
    assert "你只能查看本人信息" in body
    assert reverse("org:person", args=["2020001"]) in body
    assert "医学院" not in body


def test_the_tree_pages_need_a_login(world, client):
    for name in ("org:units", "org:party", "org:people"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- a unit page ---------------------------------------------------------------------------


def test_a_unit_page_shows_its_path_children_grids_positions_and_people(world, client_as):
    response = get(client_as(world.college_leader), "org:unit", "MED-CLI")
    assert response.status_code == 200
    body = response.content.decode()
    assert [c.node.code for c in response.context["crumbs"]] == ["U", "MED"]
    assert [c.linked for c in response.context["crumbs"]] == [False, True]
    assert "临床2020级1班" in body
    assert numbers_listed(response) == {"2020001", "2020002", "T2002"}


def test_a_unit_page_shows_its_grid_and_positions(world, client_as):
    response = get(client_as(world.counselor), "org:unit", "MED-C1")
    body = response.content.decode()
    assert "一号楼3层" in body and "刘洋" in body
    assert "辅导员" in body and "陈静" in body


def test_a_unit_page_filters_by_kind_and_searches(world, client_as):
    client = client_as(world.college_leader)
    assert numbers_listed(get(client, "org:unit", "MED", kind="staff")) == {
        "T1001",
        "T2001",
        "T2002",
        "T3001",
        "T7001",
    }
    assert numbers_listed(get(client, "org:unit", "MED", q="李")) == {"2020001"}
    assert numbers_listed(get(client, "org:unit", "MED", q="2020")) == {"2020001", "2020002"}


def test_a_unit_out_of_scope_is_not_found(world, client_as):
    assert get(client_as(world.college_leader), "org:unit", "CS").status_code == 404
    assert get(client_as(world.counselor), "org:unit", "MED-LAB").status_code == 404
    assert get(client_as(world.college_leader), "org:unit", "NOPE").status_code == 404


def test_a_student_sees_only_themselves_on_their_own_units_page(world, client_as):
    client = client_as(world.student)
    response = get(client, "org:unit", "MED-C1")
    assert response.status_code == 200
    assert numbers_listed(response) == {"2020001"}
    assert get(client, "org:unit", "MED").status_code == 404


# --- Party organizations ---------------------------------------------------------------------


def test_the_party_tree_shows_a_secretary_their_branch(world, client_as):
    response = get(client_as(world.secretary), "org:party")
    codes = [row.node.code for row in response.context["rows"]]
    assert "MED-B1" in codes and "CS-B1" not in codes and "CS-PC" not in codes


def test_a_party_org_page_lists_members_and_the_units_it_leads(world, client_as):
    response = get(client_as(world.secretary), "org:party_org", "MED-B1")
    assert response.status_code == 200
    assert [u.code for u in response.context["led_units"]] == ["MED-CLI"]
    assert numbers_listed(response) == {"2020001", "2020002", "T2001", "T2002"}


def test_a_party_org_out_of_scope_is_not_found(world, client_as):
    assert get(client_as(world.secretary), "org:party_org", "CS-B1").status_code == 404
    assert get(client_as(world.student), "org:party_org", "MED-PC").status_code == 404


def test_a_temporary_party_org_shows_its_post_and_dates(world, client_as):
    import datetime as dt

    from bastion.org.services import party_org_add

    party_org_add(
        parent=world.med_committee,
        code="MED-T1",
        name="方舱医院临时党支部",
        kind="temporary",
        post="方舱医院",
        started_on=dt.date(2020, 2, 5),
        ended_on=dt.date(2020, 3, 10),
    )
    response = get(client_as(world.org_officer), "org:party_org", "MED-T1")
    body = response.content.decode()
    assert "方舱医院" in body and "2020-02-05" in body and "2020-03-10" in body


# --- the people list ---------------------------------------------------------------------------


def test_the_people_list_of_a_counselor_is_exactly_their_classes_people(world, client_as):
    response = get(client_as(world.counselor), "org:people")
    assert numbers_listed(response) == {"2020001", "2020002", "T2001"}


def test_the_people_list_of_a_student_is_only_themselves(world, client_as):
    response = get(client_as(world.student), "org:people")
    assert numbers_listed(response) == {"2020001"}
    assert "王芳" not in response.content.decode()


def test_the_people_list_of_student_affairs_is_every_student_and_no_staff(world, client_as):
    response = get(client_as(world.student_affairs), "org:people")
    students = set(Person.objects.filter(kind=PersonKind.STUDENT).values_list("number", flat=True))
    assert numbers_listed(response) == students | {"T5001"}


def test_the_people_list_of_the_university_office_is_every_staff_member(world, client_as):
    response = get(client_as(world.office_officer), "org:people")
    staff = set(Person.objects.filter(kind=PersonKind.STAFF).values_list("number", flat=True))
    assert numbers_listed(response) == staff


def test_the_people_list_pages_fifty_at_a_time(world, client_as):
    Person.objects.bulk_create(
        Person(number=f"2021{i:04d}", name=f"学生{i}", kind=PersonKind.STUDENT, unit=world.cs_class)
        for i in range(120)
    )
    client = client_as(world.org_officer)
    first = get(client, "org:people")
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == Person.objects.count()
    last = get(client, "org:people", page=3)
    assert len(last.context["page"].object_list) == Person.objects.count() - 100
    assert "page=2" in last.content.decode()


# --- a person's page ---------------------------------------------------------------------------


def test_a_person_page_shows_every_field(world, client_as):
    response = get(client_as(world.org_officer), "org:person", "2020001")
    body = response.content.decode()
    for text in (
        "李明",
        "2020001",
        "临床2020级1班",
        "临床医学系学生党支部",
        "一号楼301",
        "湖北省武汉市江岸区",
        "一号楼3层",
        "刘洋",
    ):
        assert text in body, text


def test_a_person_page_masks_the_id_number_and_phone_without_the_permission(world, client_as):
    body = get(client_as(world.counselor), "org:person", "2020001").content.decode()
    assert "11010519491231002X" not in body and world.student.id_number_masked in body
    assert "13800000001" in body  # counselors may see phones


def test_a_student_sees_their_own_numbers_masked(world, client_as):
    body = get(client_as(world.student), "org:person", "2020001").content.decode()
    assert "11010519491231002X" not in body and "13800000001" not in body
    assert world.student.phone_masked in body


def test_the_organization_department_sees_the_id_number_unmasked(world, client_as):
    body = get(client_as(world.org_officer), "org:person", "2020001").content.decode()
    assert "11010519491231002X" in body


def test_a_person_page_lists_the_positions_they_hold(world, client_as):
    body = get(client_as(world.college_leader), "org:person", "T2001").content.decode()
    assert "辅导员" in body and "临床2020级1班" in body


@pytest.mark.parametrize(
    ("viewer", "number"),
    [
        ("student", "2020002"),
        ("student", "2020101"),
        ("counselor", "2020101"),
        ("counselor", "T1001"),
        ("college_leader", "2020101"),
        ("student_affairs", "T1001"),
        ("office_officer", "2020001"),
        ("org_officer", "NOBODY"),
    ],
)
def test_a_person_out_of_scope_is_not_found(world, client_as, viewer, number):
    response = get(client_as(getattr(world, viewer)), "org:person", number)
    assert response.status_code == 404


# --- queries stay constant -----------------------------------------------------------------------


def _grow(world, n: int) -> None:
    Person.objects.bulk_create(
        Person(
            number=f"G{n}{i:05d}",
            name=f"人{i}",
            kind=PersonKind.STUDENT,
            unit=[world.med_class, world.cs_class, world.med_lab][i % 3],
        )
        for i in range(n)
    )


@pytest.mark.parametrize("name", ["org:units", "org:party", "org:people"])
def test_list_pages_use_a_constant_number_of_queries(
    world, client_as, name, django_assert_max_num_queries
):
    client = client_as(world.org_officer)
    client.get(reverse(name))  # warm the session
    _grow(world, 10)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse(name))
    _grow(world, 300)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_a_unit_page_uses_a_constant_number_of_queries(
    world, client_as, django_assert_max_num_queries
):
    client = client_as(world.college_leader)
    _grow(world, 10)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("org:unit", args=["MED"]))
    _grow(world, 300)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("org:unit", args=["MED"]))


# --- language ----------------------------------------------------------------------------------


def test_pages_are_chinese_by_default_and_switch_to_english(world, client_as):
    client = client_as(world.college_leader)
    assert "单位" in get(client, "org:units").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/org/units/"})
    body = get(client, "org:units").content.decode()
    assert "Units and their people" in body
    assert "College" in body
