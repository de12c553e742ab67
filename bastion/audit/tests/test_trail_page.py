"""The trail page: a record's entries for discipline inspection and the Organization
Department (everyone else: 404), newest first, each change as before → after; reading it is
recorded; record pages link to it only for its readers."""

import datetime as dt

from bastion.audit.models import Action, AuditEntry
from bastion.audit.tests.conftest import user_of
from bastion.partywork.discipline import discipline_case_open
from bastion.tracing.cases import case_record
from bastion.tracing.models import Case


def person_url(person) -> str:
    return f"/audit/people/{person.number}/"


def test_discipline_inspection_and_the_organization_department_read_a_persons_trail(
    world, inspector, client_as
):
    world.student.phone = "13800009999"
    world.student.save()
    for reader in (inspector, world.org_officer):
        page = client_as(reader).get(person_url(world.student))
        assert page.status_code == 200
        html = page.content.decode()
        assert "13800000001" in html and "13800009999" in html
        assert html.index("13800009999") < html.index("一号楼301")  # newest first


def test_the_trail_is_404_for_those_without_the_right(world, inspector, client_as):
    """A counselor reaches the student but does not read trails; nor does a college leader."""
    for person in (world.counselor, world.college_leader, world.student, world.secretary):
        assert client_as(person).get(person_url(world.student)).status_code == 404


def test_reading_a_trail_is_itself_recorded(world, inspector, client_as):
    client_as(inspector).get(person_url(world.student), REMOTE_ADDR="10.1.2.3")
    read = AuditEntry.objects.filter(action=Action.VIEW, target="org.person").last()
    assert read.target_id == str(world.student.pk) and read.actor == user_of(inspector)
    assert read.ip == "10.1.2.3"


def test_a_case_has_its_trail_by_uid_and_keeps_it_once_deleted(
    world, campaign, morning, inspector, client_as
):
    case = case_record(
        actor=user_of(world.counselor),
        person=world.student,
        discovered_at=morning - dt.timedelta(hours=1),
        now=morning,
    )
    url = f"/audit/tracing.case/{case.uid}/"
    page = client_as(inspector).get(url)
    assert page.status_code == 200 and "疑似" in page.content.decode()
    Case.objects.filter(pk=case.pk).delete()
    assert client_as(world.org_officer).get(url).status_code == 200
    assert client_as(world.counselor).get(url).status_code == 404


def test_a_discipline_cases_trail_is_for_discipline_inspection_only(
    world, campaign, inspector, client_as
):
    case = discipline_case_open(
        actor=user_of(inspector), person=world.counselor, kind="falsification", summary="虚报"
    )
    url = f"/audit/partywork.disciplinecase/{case.uid}/"
    assert client_as(inspector).get(url).status_code == 200
    assert client_as(world.org_officer).get(url).status_code == 404


def test_unknown_targets_and_keys_are_404(world, inspector, client_as):
    client = client_as(inspector)
    assert client.get("/audit/people/0000000/").status_code == 404
    assert client.get("/audit/tracing.case/not-a-uid/").status_code == 404
    assert client.get("/audit/tracing.case/00000000-0000-0000-0000-000000000000/").status_code == (
        404
    )
    assert client.get("/audit/accounts.user/00000000-0000-0000-0000-000000000000/").status_code == (
        404
    )


def test_the_person_page_links_to_the_trail_only_for_its_readers(world, inspector, client_as):
    page = client_as(inspector).get(f"/org/people/{world.student.number}/")
    assert person_url(world.student) in page.content.decode()
    page = client_as(world.counselor).get(f"/org/people/{world.student.number}/")
    assert page.status_code == 200 and "/audit/" not in page.content.decode()
