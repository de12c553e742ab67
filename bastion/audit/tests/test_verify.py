"""verify_audit: a clean trail passes; an entry changed, removed or inserted behind Bastion's
back is caught, and so is a record edited, deleted or inserted directly in its table."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bastion.audit.models import Action, AuditEntry, AuditHead
from bastion.audit.services import audit_baseline, audit_purge, audit_seal
from bastion.audit.tests.conftest import user_of
from bastion.audit.verify import audit_verify
from bastion.checkins.models import CheckIn
from bastion.org.models import Person, PersonKind
from bastion.tracing.cases import case_record

GOOD = {"temperature": 36.5, "symptoms": [], "location": "110108", "on_campus": True}


@pytest.fixture
def busy(world, campaign, morning, bearer, client_as):
    """A morning's work through the pages and the API: check-ins (one with a fever, so an
    alert), a correction, a case moved on, a person's phone changed; then sealed."""
    for person in (world.student, world.grid_worker, world.other_student):
        bearer(person).post("/api/v1/checkins", GOOD, content_type="application/json")
    bearer(world.staff).post(
        "/api/v1/checkins", {**GOOD, "temperature": 38.3}, content_type="application/json"
    )
    bearer(world.student).post(
        "/api/v1/checkins", {**GOOD, "temperature": 36.7}, content_type="application/json"
    )
    case = case_record(
        actor=user_of(world.counselor),
        person=world.student,
        discovered_at=morning - dt.timedelta(hours=2),
        now=morning,
    )
    client_as(world.counselor).post(f"/tracing/cases/{case.uid}/status/", {"status": "confirmed"})
    world.grid_worker.phone = "13811110000"
    world.grid_worker.save()
    audit_seal()
    return world


def findings(report) -> dict[str, int]:
    return {kind: n for kind, n in report.counts.items() if n}


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_clean_trail_passes(busy):
    report = audit_verify()
    assert findings(report) == {}
    assert report.unsealed == 0 and report.sealed == report.entries == report.head_seq
    assert report.records["checkins.checkin"] == 4 and report.records["org.person"] >= 11
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert "Nothing found" in out.getvalue() or "未发现" in out.getvalue()


def test_the_sealer_chains_every_entry_once_and_moves_the_head(busy):
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    head = AuditHead.objects.get()
    assert head.seq == len(seqs)
    assert audit_seal().sealed == 0  # nothing new


def test_an_entry_edited_with_raw_sql_is_caught(busy):
    victim = AuditEntry.objects.filter(target="org.person", action=Action.UPDATE).last()
    raw(
        "UPDATE audit_auditentry SET after = %s WHERE id = %s",
        ['{"phone": "13800000000"}', victim.pk],
    )
    report = audit_verify()
    assert report.counts["mac"] == 1
    assert report.findings["mac"][0].entry_id == victim.pk
    # The phone now differs from what the trail can still be believed to say? No: the edited
    # entry is not believed, so the record is checked against the entries before it.
    assert report.counts["changed"] == 1


def test_an_entry_deleted_from_the_middle_is_caught(busy):
    middle = AuditEntry.objects.order_by("seq")[3]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [middle.pk])
    report = audit_verify()
    assert report.counts["gap"] == 1
    assert report.findings["gap"][0].detail == f"{middle.seq}–{middle.seq}"


def test_the_last_entries_deleted_are_caught_by_the_head(busy):
    last = AuditEntry.objects.order_by("-seq")[0]
    raw("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    report = audit_verify()
    assert report.counts["head"] == 1


def test_a_row_inserted_with_raw_sql_is_caught(busy):
    """A forged entry saying the phone was always this: it has no valid mac."""
    now = busy.grid_worker.pk
    raw(
        "INSERT INTO audit_auditentry"
        " (at, actor_id, actor_label, ip, action, target, target_id, before, after, note, mac,"
        " seq, chain) VALUES (%s, NULL, '', '', 2, 'org.person', %s, NULL, %s, '', %s, NULL, '')",
        [
            dt.datetime(2020, 2, 10, 1, 0, tzinfo=dt.UTC),
            str(now),
            '{"phone": "13999999999"}',
            "0" * 64,
        ],
    )
    report = audit_verify()
    assert report.counts["mac"] == 1 and report.findings["mac"][0].target == "org.person"
    audit_seal()  # the sealer will not chain it
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 1


def test_a_phone_changed_with_raw_sql_in_the_people_table_is_caught(busy):
    raw(
        "UPDATE org_person SET phone = %s WHERE id = %s",
        ["13700000000", busy.student.pk],
    )
    report = audit_verify()
    assert findings(report) == {"changed": 1}
    [found] = report.findings["changed"]
    assert (found.target, found.target_id) == ("org.person", str(busy.student.pk))
    assert "phone" in found.detail and "13700000000" in found.detail


def test_a_check_in_deleted_with_raw_sql_is_caught(busy):
    checkin = CheckIn.objects.get(person=busy.other_student)
    raw("DELETE FROM checkins_checkin WHERE id = %s", [checkin.pk])
    report = audit_verify()
    assert findings(report) == {"gone": 1}
    assert report.findings["gone"][0].target_id == str(checkin.uid)


def test_a_person_inserted_with_raw_sql_is_caught(busy):
    raw(
        "INSERT INTO org_person (number, name, gender, kind, unit_id,"
        " political_status, phone, email, id_number, dormitory, home_region, health_status,"
        " health_reason, created_at, updated_at) VALUES ('2020666', '影子', '', 'student', %s,"
        " 'masses', '', '', '', '', '', 'green', '', %s, %s)",
        [busy.med_class.pk, dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC)],
    )
    report = audit_verify()
    assert findings(report) == {"untracked": 1}


def test_records_from_before_the_trail_began_are_counted_not_reported(world):
    """Loaded in bulk (as the demo is) and named by a baseline: not traced, not an error."""
    Person.objects.bulk_create(
        Person(number=f"30{i:05d}", name=f"批量{i}", kind=PersonKind.STUDENT, unit=world.med_class)
        for i in range(5)
    )
    audit_baseline(source="demo.build", note="bulk")
    audit_seal()
    report = audit_verify()
    assert findings(report) == {}
    assert report.not_traced["org.person"] == 5


def test_records_purged_by_a_rule_are_counted_not_reported(busy):
    """A retention rule deletes in bulk with one entry saying which records it removed."""
    audit_purge(CheckIn, match={"person": busy.other_student.pk}, note="retention")
    raw("DELETE FROM checkins_checkin WHERE person_id = %s", [busy.other_student.pk])
    report = audit_verify()
    assert findings(report) == {}
    assert report.purged["checkins.checkin"] == 1


def test_the_command_exits_non_zero_and_says_what_it_found(busy):
    raw(
        "UPDATE org_person SET phone = %s WHERE id = %s",
        ["13700000000", busy.student.pk],
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", "--language", "en", stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert "1 record differs from its trail" in err.getvalue()
    assert busy.student.pk and "13700000000" in err.getvalue()
    assert "entries in the trail" in out.getvalue()


def test_the_command_seals_first_when_asked(busy, bearer):
    bearer(busy.staff).post(
        "/api/v1/checkins",
        {**GOOD, "client_id": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert AuditEntry.objects.filter(seq__isnull=True).exists()
    out = io.StringIO()
    call_command("verify_audit", "--seal", "--language", "en", stdout=out, stderr=io.StringIO())
    assert "Sealed" in out.getvalue()
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
