"""The organization API under /api/v1/: bearer tokens, scope, masking, errors."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.services import token_issue, token_revoke
from bastion.org.models import Person, PersonKind


@pytest.fixture
def api_as(world):
    """`api_as(world.counselor)`: a client that sends that person's bearer token."""

    def make(person: Person) -> Client:
        _, raw = token_issue(user=User.objects.get(person=person), name="test")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def numbers(response) -> set[str]:
    return {item["number"] for item in response.json()["items"]}


# --- authentication ----------------------------------------------------------------------------


def test_me_says_who_the_token_belongs_to_and_what_they_hold(world, api_as):
    body = api_as(world.counselor).get("/api/v1/me").json()
    assert body["number"] == "T2001" and body["name"] == "陈静" and body["kind"] == "staff"
    assert body["unit"] == {"code": "MED", "name": "医学院"}
    assert body["roles"][0]["role"] == "counselor"
    assert body["roles"][0]["target_code"] == "MED-C1"
    assert body["self_only"] is False


def test_me_of_a_student_has_no_roles(world, api_as):
    body = api_as(world.student).get("/api/v1/me").json()
    assert body["roles"] == [] and body["self_only"] is True


def test_a_session_also_authenticates(world, client_as):
    assert client_as(world.student).get("/api/v1/me").json()["number"] == "2020001"


@pytest.mark.parametrize("header", [None, "Bearer bst_nonsense", "Basic dXNlcjpwYXNz", "Bearer "])
def test_no_or_a_wrong_token_is_unauthorized(world, header):
    client = Client(headers={"Authorization": header} if header else {})
    assert client.get("/api/v1/people").status_code == 401


def test_a_revoked_token_is_unauthorized(world):
    token, raw = token_issue(user=User.objects.get(person=world.counselor))
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 200
    token_revoke(token=token)
    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_token_is_unauthorized(world):
    token, raw = token_issue(user=User.objects.get(person=world.counselor))
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save()
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_of_a_deactivated_account_is_unauthorized(world, api_as):
    client = api_as(world.counselor)
    User.objects.filter(person=world.counselor).update(is_active=False)
    assert client.get("/api/v1/me").status_code == 401


# --- people: the Done-when sentences ------------------------------------------------------------


def test_a_counselor_gets_exactly_their_classes_people(world, api_as):
    response = api_as(world.counselor).get("/api/v1/people")
    assert numbers(response) == {"2020001", "2020002", "T2001"}
    assert response.json()["count"] == 3


def test_a_student_gets_only_themselves(world, api_as):
    assert numbers(api_as(world.student).get("/api/v1/people")) == {"2020001"}


def test_student_affairs_gets_every_student_and_no_staff(world, api_as):
    got = numbers(api_as(world.student_affairs).get("/api/v1/people?page_size=200"))
    students = set(Person.objects.filter(kind=PersonKind.STUDENT).values_list("number", flat=True))
    assert got == students | {"T5001"}


def test_the_university_office_gets_every_staff_member_and_no_student(world, api_as):
    got = numbers(api_as(world.office_officer).get("/api/v1/people?page_size=200"))
    staff = set(Person.objects.filter(kind=PersonKind.STAFF).values_list("number", flat=True))
    assert got == staff


# --- people: filters and pages ------------------------------------------------------------------


def test_people_filter_by_unit_subtree_kind_and_query(world, api_as):
    client = api_as(world.college_leader)
    assert numbers(client.get("/api/v1/people?unit=MED-CLI")) == {"2020001", "2020002", "T2002"}
    assert numbers(client.get("/api/v1/people?unit=MED&kind=student")) == {"2020001", "2020002"}
    assert numbers(client.get("/api/v1/people?q=周")) == {"T3001"}


def test_people_of_a_unit_out_of_scope_is_not_found_in_chinese(world, api_as):
    response = api_as(world.college_leader).get("/api/v1/people?unit=CS")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到，或不在你的查看范围内。"}


def test_people_come_a_page_at_a_time(world, api_as):
    Person.objects.bulk_create(
        Person(number=f"2021{i:04d}", name=f"学生{i}", kind=PersonKind.STUDENT, unit=world.cs_class)
        for i in range(30)
    )
    client = api_as(world.org_officer)
    total = Person.objects.count()
    first = client.get("/api/v1/people?page_size=30").json()
    second = client.get("/api/v1/people?page_size=30&page=2").json()
    assert first["count"] == total and len(first["items"]) == 30
    assert len(second["items"]) == total - 30
    assert not {i["number"] for i in first["items"]} & {i["number"] for i in second["items"]}


@pytest.mark.parametrize("query", ["page_size=201", "page_size=0", "page=0", "kind=alien"])
def test_people_refuse_bad_parameters(world, api_as, query):
    assert api_as(world.org_officer).get(f"/api/v1/people?{query}").status_code == 422


# --- one person ---------------------------------------------------------------------------------


def test_a_person_in_scope_has_every_field_with_masks(world, api_as):
    body = api_as(world.counselor).get("/api/v1/people/2020001").json()
    assert body["name"] == "李明" and body["unit"]["code"] == "MED-C1"
    assert body["id_number"] == world.student.id_number_masked
    assert body["phone"] == "13800000001"
    assert body["home_region_name"] == "湖北省武汉市江岸区"
    assert body["grid"] == "一号楼3层" and body["grid_workers"] == ["刘洋"]
    assert body["party_branch"] == "MED-B1"


def test_the_organization_department_gets_the_id_number_unmasked(world, api_as):
    body = api_as(world.org_officer).get("/api/v1/people/2020001").json()
    assert body["id_number"] == "11010519491231002X"


def test_a_student_gets_their_own_numbers_masked(world, api_as):
    body = api_as(world.student).get("/api/v1/people/2020001").json()
    assert body["phone"] == world.student.phone_masked
    assert body["id_number"] == world.student.id_number_masked


@pytest.mark.parametrize(
    ("viewer", "number"),
    [
        ("student", "2020002"),
        ("counselor", "2020101"),
        ("office_officer", "2020001"),
        ("student_affairs", "T1001"),
        ("org_officer", "NOBODY"),
    ],
)
def test_a_person_out_of_scope_is_not_found(world, api_as, viewer, number):
    response = api_as(getattr(world, viewer)).get(f"/api/v1/people/{number}")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到，或不在你的查看范围内。"


# --- units, Party organizations, divisions -------------------------------------------------------


def test_units_in_reach_with_parents_and_depths(world, api_as):
    body = api_as(world.college_leader).get("/api/v1/units").json()
    assert [u["code"] for u in body] == ["MED", "MED-CLI", "MED-C1", "MED-LAB"]
    assert body[0] == {
        "code": "MED",
        "name": "医学院",
        "kind": "college",
        "parent": "U",
        "depth": 2,
    }
    assert body[2]["parent"] == "MED-CLI"


def test_one_unit_in_reach(world, api_as):
    body = api_as(world.college_leader).get("/api/v1/units/MED").json()
    assert body["party_org"] == "MED-PC" and body["people"] == 7
    assert [c["code"] for c in body["children"]] == ["MED-CLI", "MED-LAB"]
    assert [a["code"] for a in body["ancestors"]] == ["U"]


def test_a_unit_out_of_scope_is_not_found(world, api_as):
    assert api_as(world.college_leader).get("/api/v1/units/CS").status_code == 404
    assert api_as(world.student).get("/api/v1/units/MED").status_code == 404


def test_a_student_gets_only_their_own_unit(world, api_as):
    body = api_as(world.student).get("/api/v1/units").json()
    assert [u["code"] for u in body] == ["MED-C1"]


def test_party_orgs_in_reach(world, api_as):
    body = api_as(world.secretary).get("/api/v1/party-orgs").json()
    codes = {o["code"] for o in body}
    assert "MED-B1" in codes and "CS-B1" not in codes
    assert next(o for o in body if o["code"] == "MED-B1")["parent"] == "MED-PC"


def test_divisions_are_provinces_then_children(world, api_as):
    client = api_as(world.student)
    provinces = client.get("/api/v1/divisions").json()
    assert {"code": "420000", "name": "湖北省", "level": 1} in provinces
    cities = client.get("/api/v1/divisions?parent=420000").json()
    assert any(c["name"] == "武汉市" for c in cities)
    assert client.get("/api/v1/divisions?parent=999999").status_code == 404


def test_divisions_need_authentication(world):
    assert Client().get("/api/v1/divisions").status_code == 401


# --- the document -------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_endpoints(world):
    doc = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/me",
        "/api/v1/people",
        "/api/v1/people/{number}",
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/party-orgs",
        "/api/v1/divisions",
    ):
        assert path in doc["paths"], path
    schema = doc["components"]["schemas"]["PersonDetailOut"]["properties"]
    assert "masked" in schema["id_number"]["description"]


def test_the_docs_page_loads_its_assets_locally(world, client_as):
    response = client_as(world.org_officer).get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn" not in body.lower() and "/static/ninja/" in body
