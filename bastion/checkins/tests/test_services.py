"""checkin_submit and checkin_same_as_yesterday: what they write, and what they refuse."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from bastion.alerts.models import Alert, AlertState
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.checkins.services import (
    CheckInRefused,
    checkin_same_as_yesterday,
    checkin_submit,
)
from bastion.checkins.tests.conftest import GOOD, MORNING, user_of
from bastion.lib.days import SHANGHAI
from bastion.org.models import Person
from bastion.reports.models import UnitDayCount


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def submit(world, campaign, *, actor=None, person=None, **changes):
    values = {**GOOD, **changes}
    return checkin_submit(
        actor=user_of(actor or world.student),
        person=person or world.student,
        campaign=campaign,
        **values,
    )


def rows() -> tuple[int, int, int, int]:
    return (
        CheckIn.objects.count(),
        CheckInRevision.objects.count(),
        Alert.objects.count(),
        Person.objects.filter(last_checkin_day__isnull=False).count(),
    )


def test_a_check_in_is_recorded_with_the_hot_facts_and_counts(
    world, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world, campaign)
    assert result.created and not result.replayed
    checkin = result.checkin
    assert checkin.day == dt.date(2020, 2, 10)
    assert checkin.temperature == Decimal("36.5")
    assert checkin.status == "green" and not checkin.is_late and not checkin.is_proxy
    assert checkin.revision == 1
    world.student.refresh_from_db()
    assert world.student.last_checkin_day == dt.date(2020, 2, 10)
    assert world.student.health_status == "green"
    counts = UnitDayCount.objects.get(unit=world.med_class, day=dt.date(2020, 2, 10))
    assert counts.checked_in == 1 and counts.expected == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"temperature": "33.9"},
        {"temperature": "43.1"},
        {"temperature": "hot"},
        {"temperature": "NaN"},
        {"symptoms": ["sneezing"]},
        {"symptoms": "cough"},
        {"location": "999999"},
        {"location": ""},
        {"client_id": "x" * 65},
    ],
    ids=lambda c: str(c)[:30],
)
def test_a_bad_value_is_refused_with_a_message_and_writes_nothing(world, campaign, changes):
    before = rows()
    with pytest.raises(CheckInRefused) as refused:
        submit(world, campaign, **changes)
    assert refused.value.status == 400 and refused.value.message
    assert rows() == before


def test_a_day_in_the_future_is_refused(world, campaign):
    before = rows()
    with pytest.raises(CheckInRefused, match=r"将来|future"):
        checkin_submit(
            actor=user_of(world.student),
            person=world.student,
            campaign=campaign,
            now=MORNING + dt.timedelta(days=1),
            **GOOD,
        )
    assert rows() == before


def test_without_an_active_campaign_nothing_is_written(world, campaign):
    before = rows()
    with pytest.raises(CheckInRefused):
        submit(world, None)
    campaign.is_active = False
    with pytest.raises(CheckInRefused):
        submit(world, campaign)
    assert rows() == before


@pytest.mark.parametrize("who", ["other_student", "grid_worker_for_other", "other_counselor"])
def test_a_check_in_for_someone_out_of_reach_answers_not_found(
    world, campaign, other_counselor, who
):
    actor, person = {
        "other_student": (world.other_student, world.student),
        "grid_worker_for_other": (world.grid_worker, world.other_student),
        "other_counselor": (other_counselor, world.student),
    }[who]
    before = rows()
    with pytest.raises(CheckInRefused) as refused:
        submit(world, campaign, actor=actor, person=person)
    assert refused.value.status == 404
    assert rows() == before


def test_a_college_leader_sees_the_student_but_may_not_check_in_for_them(world, campaign):
    with pytest.raises(CheckInRefused) as refused:
        submit(world, campaign, actor=world.college_leader)
    assert refused.value.status == 404


@pytest.mark.parametrize("proxy", ["grid_worker", "counselor"])
def test_the_grid_worker_and_counselor_may_check_in_on_behalf(world, campaign, proxy):
    actor = getattr(world, proxy)
    checkin = submit(world, campaign, actor=actor).checkin
    assert checkin.person == world.student
    assert checkin.is_proxy and checkin.submitted_by == user_of(actor)


def test_a_retry_with_the_same_client_id_answers_the_same_record_and_writes_nothing(
    world, campaign
):
    first = submit(world, campaign, client_id="phone-1").checkin
    before = rows()
    again = submit(world, campaign, client_id="phone-1", temperature="38.5")
    assert again.replayed and not again.created
    assert again.checkin.pk == first.pk and again.checkin.temperature == Decimal("36.5")
    assert rows() == before


def test_a_client_id_kept_in_an_earlier_version_is_still_a_replay(world, campaign):
    submit(world, campaign, client_id="phone-1")
    submit(world, campaign, client_id="phone-2", temperature="36.7")
    before = rows()
    again = submit(world, campaign, client_id="phone-1", temperature="39.0")
    assert again.replayed and again.checkin.revision == 2
    assert rows() == before


def test_a_client_id_of_an_earlier_days_version_is_a_replay_not_todays_first(world, campaign):
    """The day's first submission is one INSERT: it must still see yesterday's versions."""
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        submit(world, campaign, client_id="phone-1")
        yesterday = submit(world, campaign, client_id="phone-2", temperature="36.7").checkin
    before = rows()
    again = submit(world, campaign, client_id="phone-1", temperature="39.0")
    assert again.replayed and again.checkin.pk == yesterday.pk
    assert rows() == before
    again = submit(world, campaign, client_id="phone-2")
    assert again.replayed and again.checkin.pk == yesterday.pk
    assert rows() == before


def test_a_retry_on_the_next_day_with_yesterdays_client_id_answers_yesterdays_record(
    world, campaign
):
    """On PostgreSQL the client id's unique index is per day (the table is partitioned by
    month): the INSERT's own look-up across days keeps the retry a replay."""
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        yesterday = submit(world, campaign, client_id="phone-1").checkin
    before = rows()
    again = submit(world, campaign, client_id="phone-1", temperature="38.5")
    assert again.replayed and again.checkin.pk == yesterday.pk
    assert rows() == before


def test_the_first_check_in_of_the_day_still_closes_an_open_missing_alert(world, campaign):
    """The INSERT says whether the person has open alerts; a missing one is then closed."""
    from bastion.alerts.missing import MISSING_KINDS

    alert = Alert.objects.create(
        campaign=campaign,
        person=world.student,
        kind=next(iter(MISSING_KINDS)),
        severity="yellow",
        summary="未打卡",
        day=MORNING.date(),
        raised_at=MORNING,
    )
    submit(world, campaign, client_id="phone-1")
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED


def test_the_common_check_in_is_one_statement_on_postgresql(world, campaign):
    """A green first check-in of a green person with no alert: the record, the hot fact and
    the audit trail's entry in one statement on PostgreSQL (outside a transaction, no BEGIN or
    COMMIT round trips); three on SQLite."""
    from django.db.models import prefetch_related_objects
    from django.test.utils import CaptureQueriesContext

    actor = user_of(world.student)
    prefetch_related_objects([campaign], "key_areas")  # as the active campaign comes
    with CaptureQueriesContext(connection) as queries:
        checkin_submit(actor=actor, person=world.student, campaign=campaign, **GOOD)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert sum("checkins_checkin" in sql for sql in statements) == 1
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)
    world.student.refresh_from_db()
    assert world.student.last_checkin_day == MORNING.date()
    assert CheckIn.objects.get(person=world.student).status == "green"


def test_a_green_check_in_of_a_person_not_green_takes_the_careful_path(world, campaign):
    """A status left from before (no live alert behind it) is recomputed, not kept."""
    Person.objects.filter(pk=world.student.pk).update(health_status="yellow", health_reason="旧")
    world.student.refresh_from_db()
    submit(world, campaign)
    world.student.refresh_from_db()
    assert (world.student.health_status, world.student.health_reason) == ("green", "")
    assert world.student.last_checkin_day == MORNING.date()


def test_a_second_submission_the_same_day_updates_and_keeps_the_earlier_version(world, campaign):
    first = submit(world, campaign).checkin
    second = submit(world, campaign, temperature="36.8", on_campus=False)
    assert not second.created and second.checkin.pk == first.pk
    assert second.checkin.revision == 2 and second.checkin.temperature == Decimal("36.8")
    kept = CheckInRevision.objects.get(checkin=first)
    assert kept.revision == 1
    assert kept.data["temperature"] == "36.5" and kept.data["on_campus"] is True
    assert CheckIn.objects.count() == 1


def test_a_check_in_after_the_cut_off_is_kept_and_marked_late(
    world, campaign, django_capture_on_commit_callbacks
):
    late = dt.datetime(2020, 2, 10, 10, 0, 1, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False), django_capture_on_commit_callbacks(execute=True):
        checkin = submit(world, campaign).checkin
    assert checkin.is_late
    assert UnitDayCount.objects.get(unit=world.med_class, day=checkin.day).late == 1


def test_correcting_an_on_time_check_in_after_the_cut_off_is_not_late(world, campaign):
    submit(world, campaign)
    with time_machine.travel(dt.datetime(2020, 2, 10, 15, 0, tzinfo=SHANGHAI), tick=False):
        checkin = submit(world, campaign, temperature="36.6").checkin
    assert not checkin.is_late and checkin.revision == 2


def test_a_fever_raises_a_red_alert_owned_by_the_grid_worker(world, campaign):
    checkin = submit(world, campaign, temperature="38.2").checkin
    assert checkin.status == "red" and "38.2" in checkin.reason
    alert = Alert.objects.get(person=world.student)
    assert alert.kind == "fever" and alert.severity == "red"
    assert alert.owner == world.grid_worker and alert.state == AlertState.OPEN
    assert alert.checkin == checkin
    world.student.refresh_from_db()
    assert world.student.health_status == "red" and "38.2" in world.student.health_reason


def test_a_fever_again_the_same_day_raises_no_second_alert(world, campaign):
    submit(world, campaign, temperature="38.2")
    submit(world, campaign, temperature="38.6")
    assert Alert.objects.filter(person=world.student, kind="fever").count() == 1


def test_symptoms_alone_are_yellow(world, campaign):
    checkin = submit(world, campaign, symptoms=["cough", "fatigue"]).checkin
    assert checkin.status == "yellow" and "干咳" in checkin.reason
    assert Alert.objects.get(person=world.student).kind == "symptoms"


def test_a_location_in_a_key_area_raises_a_key_area_alert(
    world, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checkin = submit(world, campaign, location="420102").checkin  # 武汉市江岸区
    assert checkin.status == "red"
    assert list(Alert.objects.values_list("kind", flat=True)) == ["key_area"]
    assert UnitDayCount.objects.get(unit=world.med_class, day=checkin.day).key_area == 1


def test_contact_with_a_case_raises_its_alert(world, campaign):
    submit(world, campaign, case_contact=True)
    assert list(Alert.objects.values_list("kind", flat=True)) == ["case_contact"]


def test_same_as_yesterday_copies_the_last_check_in(world, campaign):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        submit(world, campaign, temperature="36.4", location="110108", on_campus=False)
    checkin = checkin_same_as_yesterday(
        actor=user_of(world.student), person=world.student, campaign=campaign
    ).checkin
    assert checkin.day == dt.date(2020, 2, 10)
    assert checkin.temperature == Decimal("36.4") and checkin.on_campus is False


def test_same_as_yesterday_without_an_earlier_check_in_is_refused(world, campaign):
    with pytest.raises(CheckInRefused, match=r"填写|fill"):
        checkin_same_as_yesterday(
            actor=user_of(world.student), person=world.student, campaign=campaign
        )
    assert CheckIn.objects.count() == 0


def test_same_as_yesterday_after_an_abnormal_day_is_refused(world, campaign):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        submit(world, campaign, temperature="37.8")
    with pytest.raises(CheckInRefused):
        checkin_same_as_yesterday(
            actor=user_of(world.student), person=world.student, campaign=campaign
        )
    assert CheckIn.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_submissions_make_one_record(world, campaign):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one(temperature: str) -> None:
        try:
            barrier.wait()
            results.append(submit(world, campaign, temperature=temperature))
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(t,)) for t in ("36.5", "36.6")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CheckIn.objects.count() == 1
    assert sorted(r.created for r in results) == [False, True]
    assert CheckIn.objects.get().revision == 2
