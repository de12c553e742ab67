"""Lists of personal data shown, and every export, are in the trail: one entry per page or
file (what, the filters, how many rows); every export carries its stamp (who, when, the
reference of its entry) in the printed footer and the file's properties."""

import datetime as dt
import io

import docx
from openpyxl import load_workbook

from bastion.audit.models import Action, AuditEntry
from bastion.audit.tests.conftest import user_of
from bastion.tracing.cases import case_record


def last(action: Action) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("pk").last()


def test_a_people_list_shown_is_recorded_with_its_filters_and_rows(world, client_as):
    answer = client_as(world.org_officer).get(
        "/org/people/", {"kind": "student", "q": "李"}, REMOTE_ADDR="10.9.8.7"
    )
    assert answer.status_code == 200
    seen = last(Action.VIEW)
    assert (seen.target, seen.target_id) == ("org.person", "")
    assert seen.after == {
        "path": "/org/people/",
        "filters": {"kind": "student", "q": "李"},
        "rows": 1,
    }
    assert seen.actor == user_of(world.org_officer) and seen.ip == "10.9.8.7"


def test_the_list_of_who_has_not_checked_in_is_recorded_when_shown_and_exported(
    world, campaign, morning, client_as
):
    client = client_as(world.college_leader)
    assert client.get("/dashboard/units/MED/").status_code == 200
    seen = last(Action.VIEW)
    assert seen.target == "dashboards.missing" and seen.after["rows"] >= 1
    answer = client.get("/dashboard/units/MED/missing.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    exported = last(Action.EXPORT)
    assert exported.target == "dashboards.missing" and exported.actor == user_of(
        world.college_leader
    )
    sheet = book.active
    listed = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    assert exported.after["rows"] == len(listed) and exported.after["filters"] == {"unit": "MED"}
    ref = exported.after["ref"]
    assert book.properties.creator == "周伟（T3001）" and book.properties.keywords == ref
    assert book.properties.created == morning.astimezone(dt.UTC).replace(tzinfo=None)
    assert "周伟（T3001）" in sheet.oddFooter.left.text and ref in sheet.oddFooter.left.text
    assert "2020-02-10 08:00" in sheet.oddFooter.left.text


def test_the_cases_ledger_is_recorded_when_shown_and_exported(world, campaign, morning, client_as):
    case_record(
        actor=user_of(world.counselor),
        person=world.student,
        discovered_at=morning - dt.timedelta(hours=1),
        now=morning,
    )
    client = client_as(world.org_officer)
    client.get("/tracing/cases/", {"status": "suspected"})
    seen = last(Action.VIEW)
    assert seen.target == "tracing.case" and seen.after["rows"] == 1
    assert seen.after["filters"] == {"status": "suspected"}
    answer = client.get("/tracing/cases.xlsx")
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    exported = last(Action.EXPORT)
    assert exported.target == "tracing.case" and exported.after["rows"] == 1
    assert book.properties.keywords == exported.after["ref"]


def test_the_briefing_document_is_stamped_and_recorded(world, campaign, morning, client_as):
    answer = client_as(world.org_officer).get("/party/briefing/docx/")
    assert answer.status_code == 200
    document = docx.Document(io.BytesIO(b"".join(answer.streaming_content)))
    exported = last(Action.EXPORT)
    assert exported.target == "partywork.briefing"
    assert document.core_properties.author == "吴敏（T4001）"
    assert document.core_properties.keywords == exported.after["ref"]
