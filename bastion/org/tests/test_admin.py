"""The admin: every model registered, lists scoped, rights from the role table."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from bastion.accounts.models import ApiToken, User
from bastion.accounts.services import token_issue
from bastion.conftest import PASSWORD
from bastion.org.models import Person, Position, Unit

# Every model of every Bastion app: a new model without an admin fails the suite.
MODELS = [m for m in apps.get_models() if m.__module__.startswith("bastion.")]


class _Superuser:
    """Just enough of a request for has_add_permission."""

    class user:
        is_superuser = True
        is_active = True
        is_authenticated = True


def url(model, view="changelist", *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(response) -> set:
    return set(response.context["cl"].result_list)


@pytest.fixture
def superuser_client(world) -> Client:
    User.objects.create_superuser("root", password=PASSWORD, must_change_password=False)
    client = Client()
    client.login(username="root", password=PASSWORD)
    return client


def test_every_model_is_registered():
    for model in MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", [m for m in MODELS if m._meta.model_name != "demoaccount"])
def test_the_organization_department_opens_every_list(world, client_as, model):
    assert client_as(world.org_officer).get(url(model)).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_a_superuser_opens_every_list_and_add_page(superuser_client, model):
    assert superuser_client.get(url(model)).status_code == 200
    addable = superuser_client.get(url(model, "add")).status_code
    assert addable == (200 if admin.site._registry[model].has_add_permission(_Superuser()) else 403)


@pytest.mark.parametrize("who", ["student", "counselor", "college_leader", "secretary"])
def test_people_without_the_admin_right_are_sent_to_the_admin_login(world, client_as, who):
    client = client_as(getattr(world, who))
    for target in ("/admin/", url(Person), url(Person, "change", world.student.pk)):
        response = client.get(target)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_student_affairs_lists_only_students_and_themselves(world, client_as):
    response = client_as(world.student_affairs).get(url(Person))
    got = {p.number for p in listed(response)}
    assert got == {"2020001", "2020002", "2020101", "T5001"}


def test_the_university_office_lists_only_staff(world, client_as):
    got = {p.number for p in listed(client_as(world.office_officer).get(url(Person)))}
    assert got == set(Person.objects.filter(kind="staff").values_list("number", flat=True))


def test_a_person_out_of_scope_has_no_admin_page(world, client_as):
    client = client_as(world.student_affairs)
    assert client.get(url(Person, "change", world.staff.pk)).status_code == 302  # admin: "missing"
    assert client.get(url(Person, "change", world.student.pk)).status_code == 200


def test_accounts_and_positions_follow_the_people_in_scope(world, client_as):
    client = client_as(world.office_officer)
    users = {u.username for u in listed(client.get(url(User)))}
    assert "2020001" not in users and "T1001" in users
    positions = {p.person.number for p in listed(client.get(url(Position)))}
    assert "2020002" not in positions and "T2001" in positions


def test_tokens_follow_the_people_in_scope(world, client_as):
    token_issue(user=User.objects.get(person=world.student))
    token_issue(user=User.objects.get(person=world.staff))
    got = {t.user.username for t in listed(client_as(world.office_officer).get(url(ApiToken)))}
    assert got == {"T1001"}


def test_office_roles_may_view_but_not_change(world, client_as):
    client = client_as(world.student_affairs)
    response = client.get(url(Person, "change", world.student.pk))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert client.get(url(Person, "add")).status_code == 403
    assert client.post(url(Person, "delete", world.student.pk), {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=world.student.pk).exists()


def test_the_organization_department_may_change_people(world, client_as):
    client = client_as(world.org_officer)
    response = client.get(url(Person, "change", world.student.pk))
    assert response.context["has_change_permission"]


def test_the_id_number_is_masked_in_the_list_without_the_permission(world, client_as, settings):
    from bastion.accounts import roles

    client = client_as(world.student_affairs)
    assert "11010519491231002X" in client.get(url(Person)).content.decode()
    spec = roles.ROLES[roles.Role.STUDENT_AFFAIRS]
    without = roles.RoleSpec(spec.held_on, spec.reach, spec.perms - {roles.Perm.VIEW_ID_NUMBER})
    roles.ROLES[roles.Role.STUDENT_AFFAIRS] = without
    try:
        body = client_as(world.student_affairs).get(url(Person)).content.decode()
        assert "11010519491231002X" not in body and world.student.id_number_masked in body
    finally:
        roles.ROLES[roles.Role.STUDENT_AFFAIRS] = spec


def test_only_a_superuser_grants_admin_rights(world, client_as):
    client = client_as(world.org_officer)
    response = client.get(url(User, "change", User.objects.get(person=world.student).pk))
    assert "is_superuser" in response.context["adminform"].readonly_fields


def test_the_unit_tree_admin_lists_units(world, superuser_client):
    response = superuser_client.get(url(Unit))
    assert response.status_code == 200 and "示范大学" in response.content.decode()
