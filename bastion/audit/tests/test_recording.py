"""What the trail records: every change of a registered record, by whom, from where, before
and after, whichever path wrote it (save, bulk, update, raw SQL, a task, a roster)."""

import datetime as dt

import pytest
from django.db import transaction

from bastion.alerts.models import Alert, AlertState
from bastion.alerts.services import alerts_close_many
from bastion.audit.models import Action, AuditEntry
from bastion.audit.tests.conftest import user_of
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.org.models import Person
from bastion.tracing.cases import case_record
from bastion.tracing.models import Case

GOOD = {
    "temperature": 36.5,
    "symptoms": [],
    "location": "110108",
    "on_campus": True,
    "client_id": "phone-1",
}


def entries(target: str, target_id: str | None = None):
    found = AuditEntry.objects.filter(target=target)
    if target_id is not None:
        found = found.filter(target_id=target_id)
    return list(found.order_by("pk"))


def test_a_case_moved_on_its_page_records_who_from_where_before_and_after(
    world, campaign, morning, client_as
):
    case = case_record(
        actor=user_of(world.counselor),
        person=world.student,
        discovered_at=morning - dt.timedelta(hours=3),
        note="发热 38.6 °C",
        now=morning,
    )
    answer = client_as(world.counselor).post(
        f"/tracing/cases/{case.uid}/status/",
        {"status": "confirmed", "note": "核酸阳性"},
        REMOTE_ADDR="10.20.30.40",
    )
    assert answer.status_code == 302
    trail = entries("tracing.case", str(case.uid))
    created, changed = trail[0], trail[-1]
    assert created.action == Action.CREATE and created.after["status"] == "suspected"
    assert created.after["person"] == world.student.pk and created.before is None
    assert changed.action == Action.UPDATE
    assert changed.before["status"] == "suspected" and changed.after["status"] == "confirmed"
    assert changed.actor == user_of(world.counselor) and changed.actor_label == "T2001"
    assert changed.ip == "10.20.30.40"
    assert changed.at == morning


def test_a_check_in_through_the_api_is_in_the_trail(world, campaign, morning, bearer):
    answer = bearer(world.student).post(
        "/api/v1/checkins", GOOD, content_type="application/json", REMOTE_ADDR="10.0.0.7"
    )
    assert answer.status_code == 201
    checkin = CheckIn.objects.get(person=world.student)
    [made] = entries("checkins.checkin", str(checkin.uid))
    assert made.action == Action.CREATE and made.actor == user_of(world.student)
    assert made.ip == "10.0.0.7"
    assert made.after["temperature"] == "36.5" and made.after["person"] == world.student.pk
    assert made.after["location"] == "110108" and made.after["status"] == "green"


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(
    world, campaign, morning, bearer, settings
):
    """One proxy appends the client's address to X-Forwarded-For; what the client wrote
    before it is not believed."""
    settings.BASTION_PROXY_COUNT = 1
    bearer(world.student).post(
        "/api/v1/checkins",
        GOOD,
        content_type="application/json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="8.8.8.8, 202.112.1.9",
    )
    checkin = CheckIn.objects.get(person=world.student)
    assert entries("checkins.checkin", str(checkin.uid))[0].ip == "202.112.1.9"


def test_a_second_check_in_records_the_change_and_keeps_the_earlier_version(
    world, campaign, morning, bearer
):
    client = bearer(world.student)
    client.post("/api/v1/checkins", GOOD, content_type="application/json")
    client.post(
        "/api/v1/checkins",
        {**GOOD, "temperature": 36.8, "client_id": "phone-2"},
        content_type="application/json",
    )
    checkin = CheckIn.objects.get(person=world.student)
    _created, changed = entries("checkins.checkin", str(checkin.uid))
    assert changed.before["temperature"] == "36.5" and changed.after["temperature"] == "36.8"
    assert changed.before["revision"] == 1 and changed.after["revision"] == 2
    revision = CheckInRevision.objects.get(checkin=checkin)
    [kept] = entries("checkins.checkinrevision", str(revision.pk))
    assert kept.action == Action.CREATE and kept.after["data"]["temperature"] == "36.5"


def test_a_fever_records_the_alert_raised_in_bulk_and_its_closing(world, campaign, morning, bearer):
    bearer(world.student).post(
        "/api/v1/checkins", {**GOOD, "temperature": 38.4}, content_type="application/json"
    )
    alert = Alert.objects.get(person=world.student)
    [raised] = entries("alerts.alert", str(alert.uid))
    assert raised.action == Action.CREATE and raised.after["kind"] == "fever"
    assert raised.actor == user_of(world.student)
    with transaction.atomic():
        alerts_close_many(pks=[alert.pk], note="退烧", now=morning, actor=user_of(world.counselor))
    closed = entries("alerts.alert", str(alert.uid))[-1]
    assert closed.action == Action.UPDATE
    assert closed.before["state"] == AlertState.OPEN and closed.after["state"] == "closed"
    assert closed.after["closed_by"] == user_of(world.counselor).pk


def test_a_periodic_task_records_under_its_own_name(world, campaign):
    """Nobody checked in by the cut-off: the minute tick raises the alerts, as itself."""
    import time_machine

    from bastion.alerts.tasks import daily_cycle_tick
    from bastion.lib.days import at

    with time_machine.travel(at(dt.date(2020, 2, 10), dt.time(11, 0)), tick=False):
        daily_cycle_tick()
    raised = AuditEntry.objects.filter(target="alerts.alert", action=Action.CREATE)
    assert raised.exists()
    assert {e.actor_label for e in raised} == {"task:daily_cycle_tick"}
    assert {e.actor_id for e in raised} == {None}


def test_a_change_rolled_back_leaves_no_entry(world):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        world.student.phone = "13999999999"
        world.student.save()
        raise RuntimeError
    assert AuditEntry.objects.count() == before


def test_a_save_of_derived_facts_only_writes_no_entry(world):
    """The hot facts (last check-in day, health) are derived: not in the trail."""
    before = AuditEntry.objects.count()
    world.student.health_status = "red"
    world.student.save(update_fields=["health_status"])
    world.student.save()  # nothing audited changed
    assert AuditEntry.objects.count() == before


def test_a_deletion_records_the_fields_it_removed(world, campaign, morning):
    case = case_record(
        actor=user_of(world.counselor),
        person=world.student,
        discovered_at=morning - dt.timedelta(hours=1),
        now=morning,
    )
    Case.objects.filter(pk=case.pk).delete()
    gone = entries("tracing.case", str(case.uid))[-1]
    assert gone.action == Action.DELETE and gone.after is None
    assert gone.before["person"] == world.student.pk and gone.before["status"] == "suspected"


def test_a_roster_import_records_each_person_created_and_changed(world):
    from bastion.roster.parsing import parse_roster
    from bastion.roster.services import roster_import
    from bastion.roster.tests.conftest import csv_bytes, person_row

    data = csv_bytes(
        [
            person_row("2020999", "新同学"),
            person_row(
                world.student.number,
                world.student.name,
                phone="13811112222",
                political_status="预备党员",
                branch=world.med_branch.name,
                dormitory="一号楼301",
                id_number=world.student.id_number,
            ),
        ]
    )
    rows = parse_roster(data, "roster.csv", max_bytes=2**20).rows
    result = roster_import(actor=user_of(world.org_officer), rows=rows)
    assert result.ok and result.created == 1 and result.updated == 1
    new = Person.objects.get(number="2020999")
    [made] = entries("org.person", str(new.pk))
    assert made.action == Action.CREATE and made.after["name"] == "新同学"
    changed = entries("org.person", str(world.student.pk))[-1]
    assert changed.action == Action.UPDATE
    assert changed.before["phone"] == "13800000001" and changed.after["phone"] == "13811112222"
