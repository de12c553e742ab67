"""The import page: in scope it imports, out of scope it refuses, without the permission 404."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bastion.org.models import Person
from bastion.roster.models import RosterImport
from bastion.roster.parsing import HEADERS
from bastion.roster.tests.conftest import person_row, xlsx_bytes


def upload(client, rows):
    data = xlsx_bytes(rows)
    return client.post(
        "/roster/import/", {"file": SimpleUploadedFile("名单.xlsx", data)}, follow=True
    )


def test_a_college_leader_imports_into_their_college(
    client_as, world, django_capture_on_commit_callbacks, monkeypatch
):
    import threading

    class Inline:  # run the import in the test's thread and transaction
        def __init__(self, target, daemon):
            self.target = target

        def start(self):
            self.target()

    monkeypatch.setattr(threading, "Thread", Inline)
    monkeypatch.setattr("bastion.roster.tasks.close_old_connections", lambda: None)
    client = client_as(world.college_leader)
    page = upload(client, [person_row("2021001", unit="MED-C1")])
    assert page.status_code == 200 and "2021001" in page.content.decode()
    job = RosterImport.objects.get()
    assert job.status == "previewed" and job.created == 1
    assert not Person.objects.filter(number="2021001").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/roster/import/{job.uid}/confirm/")
    job.refresh_from_db()
    assert job.status == "done" and job.content == b""
    assert Person.objects.get(number="2021001").unit == world.med_class
    assert client.get(f"/roster/import/{job.uid}/progress/").status_code == 200


def test_rows_out_of_the_college_leaders_reach_are_refused(client_as, world):
    client = client_as(world.college_leader)
    page = upload(
        client,
        [
            person_row("2021001", unit="MED-C1"),
            person_row("2021002", unit="CS-C1"),
            person_row("2020101", "王芳", unit="MED-C1"),
        ],
    )
    job = RosterImport.objects.get()
    assert job.status == "invalid"
    assert [e[0] for e in job.errors] == [3, 4]
    assert "不在您的管理范围内" in page.content.decode()
    assert not Person.objects.filter(number="2021001").exists()


def test_student_affairs_imports_students_but_not_staff(client_as, world):
    client = client_as(world.student_affairs)
    upload(client, [person_row("2021001"), person_row("T9001", kind="教职工")])
    assert [e[0] for e in RosterImport.objects.get().errors] == [3]


@pytest.mark.parametrize("who", ["counselor", "student", "secretary"])
def test_a_role_without_the_permission_gets_404(client_as, world, who):
    client = client_as(getattr(world, who))
    assert client.get("/roster/import/").status_code == 404
    assert upload(client, [person_row()]).status_code == 404


def test_someone_elses_import_is_missing(client_as, world):
    upload(client_as(world.college_leader), [person_row("2021001", unit="MED-C1")])
    job = RosterImport.objects.get()
    assert client_as(world.org_officer).get(f"/roster/import/{job.uid}/").status_code == 404


def test_a_file_that_is_not_a_spreadsheet_shows_the_reason(client_as, world):
    client = client_as(world.org_officer)
    page = client.post("/roster/import/", {"file": SimpleUploadedFile("a.xlsx", b"\x00\x01")})
    assert page.status_code == 200 and "不是" in page.content.decode()
    assert not RosterImport.objects.exists()


def test_the_template_opens_and_has_the_headers(client_as, world):
    response = client_as(world.student).get("/roster/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == list(HEADERS)
    assert book.worksheets[0].freeze_panes == "A2" and len(book.worksheets) == 2


def test_the_template_itself_imports(world):
    from bastion.roster.parsing import parse_roster
    from bastion.roster.services import roster_import
    from bastion.roster.template import template_bytes

    rows = parse_roster(template_bytes(), max_bytes=2**24).rows
    assert roster_import(actor=None, rows=rows).unchanged == 1
