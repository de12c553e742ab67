"""Isolation with a carer: started in reach with an eligible carer, released under the
campaign's conditions, every contact logged; a missed contact alerts the carer's superior;
key areas propose isolation and withdraw the proposal when lowered."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from bastion.accounts.models import User
from bastion.alerts.models import Alert, AlertState
from bastion.alerts.services import daily_cycle_run, person_health_refresh
from bastion.campaigns.models import KeyArea, RiskLevel
from bastion.checkins.models import CheckIn
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.tracing.isolation import (
    IsolationRefused,
    care_log,
    care_missed_raise,
    isolation_extend,
    isolation_release,
    isolation_start,
    isolation_test_record,
    isolation_withdraw,
    isolations_propose_many,
    release_unmet,
)
from bastion.tracing.models import (
    CareLog,
    Case,
    Contact,
    Isolation,
    IsolationEvent,
)
from bastion.tracing.services import key_area_reevaluate, trip_record

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def start(world, person=None, **extra) -> Isolation:
    extra.setdefault("reason", "从武汉返回")
    return isolation_start(actor=user(world.counselor), person=person or world.student, **extra)


def check_in(campaign, person, day: dt.date, temperature="36.5", symptoms=()) -> None:
    CheckIn.objects.create(
        campaign=campaign,
        person=person,
        day=day,
        submitted_at=at(day, dt.time(8, 0)),
        temperature=temperature,
        symptoms=list(symptoms),
        location="110108",
        on_campus=True,
    )


def refused(call, *args, **kwargs) -> IsolationRefused:
    with pytest.raises(IsolationRefused) as caught:
        call(*args, **kwargs)
    return caught.value


# --- starting -------------------------------------------------------------------------------


def test_it_starts_with_the_nearest_carer_by_default(world, campaign):
    isolation = start(world, place="一号楼301")
    assert isolation.state == "active"
    assert isolation.carer == world.grid_worker
    assert (isolation.starts_on, isolation.planned_end_on) == (DAY, DAY + dt.timedelta(days=14))
    assert isolation.last_care_at is None
    assert list(isolation.events.values_list("action", flat=True)) == ["started"]
    told = Notification.objects.get(recipient=world.grid_worker)
    assert "李明" in told.subject


def test_a_contact_is_isolated_until_the_quarantine_days_after_exposure(world, campaign):
    case = Case.objects.create(
        campaign=campaign,
        person=world.grid_worker,
        discovered_at=NOW,
        reported_at=NOW,
        status_changed_at=NOW,
    )
    contact = Contact.objects.create(
        case=case,
        person=world.student,
        source=world.grid_worker,
        exposure_on=dt.date(2020, 2, 6),
        setting="dorm_floor",
        closeness="close",
        created_at=NOW,
    )
    isolation = start(world, contact=contact, carer=world.counselor, kind="central")
    assert isolation.planned_end_on == dt.date(2020, 2, 20)
    assert (isolation.kind, isolation.contact) == ("central", contact)


def test_it_starts_a_proposal_and_answers_an_active_one_unchanged(world, campaign):
    isolations_propose_many(campaign=campaign, reasons={world.student.pk: "到过湖北"}, now=NOW)
    isolation = start(world, reason="")
    assert isolation.state == "active" and isolation.reason == "到过湖北"
    assert Isolation.objects.count() == 1
    again = start(world, carer=world.counselor)
    assert again.pk == isolation.pk and again.carer == world.grid_worker
    assert IsolationEvent.objects.filter(action="started").count() == 1


def test_an_open_case_counts_as_isolated_when_its_person_is(world, campaign):
    case = Case.objects.create(
        campaign=campaign,
        person=world.student,
        discovered_at=NOW - dt.timedelta(hours=3),
        reported_at=NOW - dt.timedelta(hours=2),
        status_changed_at=NOW,
    )
    start(world)
    case.refresh_from_db()
    assert case.isolated_at == NOW


def test_it_refuses_a_carer_who_is_no_party_member_counselor_or_grid_worker(world, campaign):
    error = refused(start, world, carer=world.staff)
    assert error.status == 400 and "赵强" in error.message
    error = refused(start, world, carer=world.student)
    assert error.status == 400
    assert not Isolation.objects.exists()


def test_it_refuses_a_start_in_the_future(world, campaign):
    error = refused(start, world, starts_on=DAY + dt.timedelta(days=1))
    assert error.status == 400
    assert not Isolation.objects.exists()


def test_a_person_out_of_reach_is_not_found(world, campaign):
    error = refused(start, world, person=world.other_student)
    assert error.status == 404
    assert not Isolation.objects.exists()


def test_a_student_may_isolate_nobody_not_even_themself(world, campaign):
    for person in (world.student, world.grid_worker):
        error = refused(
            isolation_start, actor=user(world.student), person=person, reason="自我隔离"
        )
        assert error.status == 404
    assert not Isolation.objects.exists()


def test_proposing_many_skips_people_with_an_open_isolation(world, campaign):
    start(world)
    reasons = {world.student.pk: "到过湖北", world.other_student.pk: "到过湖北"}
    assert isolations_propose_many(campaign=campaign, reasons=reasons, now=NOW) == 1
    assert isolations_propose_many(campaign=campaign, reasons=reasons, now=NOW) == 0
    proposed = Isolation.objects.get(person=world.other_student)
    assert proposed.state == "proposed"
    assert list(proposed.events.values_list("action", flat=True)) == ["proposed"]


def test_a_proposal_not_taken_up_is_withdrawn_with_a_reason(world, campaign):
    isolations_propose_many(campaign=campaign, reasons={world.student.pk: "到过湖北"}, now=NOW)
    proposal = Isolation.objects.get()
    actor = user(world.counselor)
    assert refused(isolation_withdraw, actor=actor, isolation=proposal, note="").status == 400
    isolation_withdraw(actor=actor, isolation=proposal, note="核实未去过湖北")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.end_note) == ("withdrawn", "核实未去过湖北")


# --- extending and releasing --------------------------------------------------------------------


def test_it_extends_an_active_isolation_by_days_with_a_reason(world, campaign):
    isolation = start(world)
    actor = user(world.counselor)
    for days in (0, 61, "x"):
        assert (
            refused(
                isolation_extend, actor=actor, isolation=isolation, days=days, reason="复查"
            ).status
            == 400
        )
    assert (
        refused(isolation_extend, actor=actor, isolation=isolation, days=7, reason="").status == 400
    )
    isolation_extend(actor=actor, isolation=isolation, days=7, reason="同住者确诊")
    isolation.refresh_from_db()
    assert isolation.planned_end_on == DAY + dt.timedelta(days=21)
    assert isolation.events.filter(action="extended").count() == 1


def test_release_is_refused_while_its_conditions_are_unmet_listing_each(world, campaign):
    isolation = start(world)
    check_in(campaign, world.student, DAY, temperature="37.8")
    error = refused(isolation_release, actor=user(world.counselor), isolation=isolation)
    assert error.status == 400
    assert "2020-02-24" in error.message  # the planned end
    assert "02-10" in error.message  # the day of the fever
    unmet = release_unmet(isolation=isolation, today=DAY)
    assert len(unmet) == 3  # the days, the fever and the negative test
    assert all(condition in error.message for condition in unmet)
    isolation.refresh_from_db()
    assert isolation.state == "active"
    assert not isolation.events.filter(action__startswith="released").exists()


def test_release_without_any_check_in_says_so(world, campaign):
    isolation = start(world, starts_on=dt.date(2020, 1, 27))
    isolation_test_record(actor=user(world.counselor), isolation=isolation, tested_on=DAY)
    error = refused(isolation_release, actor=user(world.counselor), isolation=isolation)
    assert "check-in" in error.message or "打卡" in error.message


def test_release_after_the_days_with_normal_check_ins_and_a_negative_test(world, campaign):
    isolation = start(world, starts_on=dt.date(2020, 1, 27))
    assert isolation.planned_end_on == DAY
    for back in range(3):
        check_in(campaign, world.student, DAY - dt.timedelta(days=back))
    actor = user(world.counselor)
    assert (
        refused(
            isolation_test_record, actor=actor, isolation=isolation, tested_on="2020-01-20"
        ).status
        == 400
    )
    isolation_test_record(actor=actor, isolation=isolation, tested_on="2020-02-09")
    isolation_release(actor=actor, isolation=isolation, note="期满")
    isolation.refresh_from_db()
    assert (isolation.state, isolation.ended_on, isolation.end_note) == ("released", DAY, "期满")
    assert isolation.events.filter(action="released").count() == 1


def test_early_release_needs_a_reason_and_skips_only_the_days(world, campaign):
    isolation = start(world)
    actor = user(world.counselor)
    check_in(campaign, world.student, DAY)
    error = refused(isolation_release, actor=actor, isolation=isolation, early=True)
    assert error.status == 400
    error = refused(isolation_release, actor=actor, isolation=isolation, early=True, note="排除")
    assert "2020-02-24" not in error.message  # the test is still needed, not the days
    isolation_test_record(actor=actor, isolation=isolation, tested_on=DAY)
    isolation_release(actor=actor, isolation=isolation, early=True, note="病例已排除")
    isolation.refresh_from_db()
    assert isolation.state == "released"
    assert isolation.events.filter(action="released_early").count() == 1


# --- care -------------------------------------------------------------------------------------


def test_the_carer_logs_a_contact_and_a_retry_writes_nothing(world, campaign):
    isolation = start(world)
    carer = user(world.grid_worker)
    log = care_log(
        actor=carer,
        isolation=isolation,
        channel="phone",
        needs="口罩",
        done="已送达",
        client_id="c1",
    )
    isolation.refresh_from_db()
    assert isolation.last_care_at == NOW
    again = care_log(actor=carer, isolation=isolation, channel="phone", client_id="c1")
    assert again.pk == log.pk
    assert CareLog.objects.count() == 1
    assert log.carer == world.grid_worker and log.logged_by == carer


def test_a_contact_cannot_be_logged_in_the_future_or_in_an_unknown_way(world, campaign):
    isolation = start(world)
    carer = user(world.grid_worker)
    later = NOW + dt.timedelta(hours=2)
    assert (
        refused(care_log, actor=carer, isolation=isolation, channel="phone", at=later).status == 400
    )
    assert refused(care_log, actor=carer, isolation=isolation, channel="fax").status == 400
    assert not CareLog.objects.exists()


def test_a_stranger_cannot_log_a_contact(world, campaign):
    isolation = start(world)
    for stranger in (world.other_student, world.staff, world.student):
        error = refused(care_log, actor=user(stranger), isolation=isolation, channel="phone")
        assert error.status == 404
    assert not CareLog.objects.exists()


def test_a_missed_contact_alerts_the_carers_superior_without_touching_health(world, campaign):
    start(world)
    assert care_missed_raise(now=NOW + dt.timedelta(hours=10)) == 0
    later = NOW + dt.timedelta(days=1)
    assert care_missed_raise(now=later) == 1
    alert = Alert.objects.get(kind="care_missed")
    assert alert.person == world.student and alert.owner == world.counselor
    assert alert.severity == "yellow"
    assert alert.summary == "隔离人员李明已1天未获照护联系（照护人：刘洋）"
    person_health_refresh(person=world.student, now=later)
    world.student.refresh_from_db()
    assert world.student.health_status == "green"
    assert care_missed_raise(now=later + dt.timedelta(minutes=1)) == 0
    isolation = Isolation.objects.get()
    care_log(actor=user(world.grid_worker), isolation=isolation, channel="phone", now=later)
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED


def test_a_counselor_carer_who_misses_a_contact_is_reported_above_them(world, campaign):
    start(world, carer=world.counselor)
    care_missed_raise(now=NOW + dt.timedelta(days=2))
    alert = Alert.objects.get(kind="care_missed")
    assert alert.owner == world.secretary  # the next level of the chain above the counselor
    assert "2天" in alert.summary


def test_the_daily_cycle_raises_missed_contacts(world, campaign):
    start(world)
    later = NOW + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        assert daily_cycle_run(now=later)["care_missed"] == 1


# --- key areas ------------------------------------------------------------------------------


@pytest.fixture
def hubei(world, campaign):
    """李明 left Wuhan on 1 February."""
    trip_record(
        actor=user(world.student),
        person=world.student,
        origin="420106",
        destination="110108",
        departs_on="2020-02-01",
        arrives_on="2020-02-01",
        transport="car",
    )
    return KeyArea.objects.get(campaign=campaign, division="420000")


def test_a_key_area_proposes_isolation_and_withdraws_it_when_lowered(world, hubei):
    result = key_area_reevaluate(key_area=hubei)
    assert result.proposed == 1
    proposal = Isolation.objects.get(person=world.student)
    assert (proposal.state, proposal.key_area) == ("proposed", hubei)
    assert proposal.reason == "2月1日到过重点地区：湖北省"
    assert key_area_reevaluate(key_area=hubei).proposed == 0
    hubei.risk_level = RiskLevel.LOW
    hubei.save()
    assert key_area_reevaluate(key_area=hubei).withdrawn == 1
    proposal.refresh_from_db()
    assert proposal.state == "withdrawn"
    assert proposal.events.filter(action="withdrawn").count() == 1


def test_lowering_a_key_area_leaves_a_started_isolation_alone(world, hubei):
    key_area_reevaluate(key_area=hubei)
    start(world)
    hubei.risk_level = RiskLevel.LOW
    hubei.save()
    assert key_area_reevaluate(key_area=hubei).withdrawn == 0
    assert Isolation.objects.get(person=world.student).state == "active"


# --- pages --------------------------------------------------------------------------------------


def test_the_ledger_lists_the_isolations_in_reach(world, campaign, client_as):
    start(world)
    page = client_as(world.counselor).get("/tracing/isolations/")
    assert page.status_code == 200
    assert "李明" in page.content.decode() and "刘洋" in page.content.decode()
    assert client_as(world.counselor).get("/tracing/isolations/?unit=CS-C1").status_code == 404
    lab = client_as(world.lab_head).get("/tracing/isolations/")
    assert lab.status_code == 200 and "李明" not in lab.content.decode()
    assert client_as(world.student).get("/tracing/isolations/").status_code == 404


def test_the_ledger_xlsx_is_laid_out_as_an_office_prints_it(world, campaign, client_as):
    start(world)
    answer = client_as(world.counselor).get("/tracing/isolations.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    sheet = book.active
    assert "陈静" in sheet["A1"].value
    assert sheet["A3"].value == world.student.number
    assert client_as(world.student).get("/tracing/isolations.xlsx").status_code == 404


def test_the_detail_page_is_for_those_in_reach_and_the_carer(world, campaign, client_as):
    isolation = start(world)
    url = f"/tracing/isolations/{isolation.uid}/"
    page = client_as(world.counselor).get(url)
    assert page.status_code == 200 and "/release/" in page.content.decode()
    carer_page = client_as(world.grid_worker).get(url)
    assert carer_page.status_code == 200 and "/release/" not in carer_page.content.decode()
    assert client_as(world.lab_head).get(url).status_code == 404
    assert client_as(world.other_student).get(url).status_code == 404


def test_the_detail_forms_extend_and_refuse_a_release_with_reasons(world, campaign, client_as):
    isolation = start(world)
    url = f"/tracing/isolations/{isolation.uid}/"
    client = client_as(world.counselor)
    answer = client.post(url + "extend/", {"days": "3", "reason": "复查"})
    assert answer.status_code == 302
    isolation.refresh_from_db()
    assert isolation.planned_end_on == DAY + dt.timedelta(days=17)
    answer = client.post(url + "release/", {"note": ""})
    assert answer.status_code == 400
    isolation.refresh_from_db()
    assert isolation.state == "active"
    assert client_as(world.grid_worker).post(url + "release/").status_code == 404
    assert client_as(world.other_student).post(url + "extend/", {"days": "3"}).status_code == 404


def test_a_proposal_is_started_from_its_page_with_a_carer_number(world, campaign, client_as):
    isolations_propose_many(campaign=campaign, reasons={world.student.pk: "到过湖北"}, now=NOW)
    proposal = Isolation.objects.get()
    client = client_as(world.counselor)
    url = f"/tracing/isolations/{proposal.uid}/start/"
    answer = client.post(url, {"kind": "home", "carer": world.staff.number, "reason": "到过湖北"})
    assert answer.status_code == 400  # 赵强 is out of the counselor's reach
    answer = client.post(url, {"kind": "home", "carer": world.counselor.number, "place": "家中"})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.carer, proposal.place) == ("active", world.counselor, "家中")


def test_the_care_page_shows_the_week_of_check_ins_and_logs_a_call(world, campaign, client_as):
    isolation = start(world)
    check_in(campaign, world.student, DAY - dt.timedelta(days=1), "37.6", ["cough"])
    check_in(campaign, world.student, DAY - dt.timedelta(days=9), "38.9")  # older than a week
    client = client_as(world.grid_worker)
    page = client.get("/tracing/care/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "李明" in text and "37.6" in text and "干咳" in text and "38.9" not in text
    answer = client.post(
        f"/tracing/care/{isolation.uid}/log/",
        {"channel": "network", "needs": "药品", "done": "已代购", "client_id": "x1"},
    )
    assert answer.status_code == 302
    assert CareLog.objects.get().channel == "network"
    other = client_as(world.other_student)
    assert "李明" not in other.get("/tracing/care/").content.decode()
    answer = other.post(f"/tracing/care/{isolation.uid}/log/", {"channel": "phone"})
    assert answer.status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_the_api_starts_lists_and_answers_out_of_reach(world, campaign, bearer):
    api = bearer(world.counselor)
    body = {"person": world.student.number, "kind": "home", "reason": "从武汉返回"}
    answer = api.post("/api/v1/isolations", body, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["carer"] == world.grid_worker.number
    again = api.post("/api/v1/isolations", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["uid"] == answer.json()["uid"]
    listed = api.get("/api/v1/isolations").json()
    assert listed["count"] == 1 and listed["items"][0]["person"] == world.student.number
    body["person"] = world.other_student.number
    assert api.post("/api/v1/isolations", body, content_type="application/json").status_code == 404
    student = bearer(world.student)
    body["person"] = world.student.number
    assert (
        student.post("/api/v1/isolations", body, content_type="application/json").status_code == 404
    )
    assert bearer(world.other_student).get("/api/v1/isolations").json()["count"] == 0


def test_the_api_logs_care_once_per_client_id(world, campaign, bearer):
    isolation = start(world)
    url = f"/api/v1/isolations/{isolation.uid}/care-logs"
    body = {"channel": "phone", "needs": "体温计", "client_id": "a-1"}
    carer = bearer(world.grid_worker)
    first = carer.post(url, body, content_type="application/json")
    assert first.status_code == 201
    retry = carer.post(url, body, content_type="application/json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    stranger = bearer(world.other_student)
    assert stranger.post(url, body, content_type="application/json").status_code == 404


def test_the_api_release_lists_what_is_unmet(world, campaign, bearer):
    isolation = start(world)
    url = f"/api/v1/isolations/{isolation.uid}/release"
    api = bearer(world.counselor)
    answer = api.post(url, {"note": ""}, content_type="application/json")
    assert answer.status_code == 400 and "2020-02-24" in answer.json()["detail"]
    early = api.post(url, {"early": True}, content_type="application/json")
    assert early.status_code == 400
    carer = bearer(world.grid_worker)
    assert carer.post(url, {"note": "x"}, content_type="application/json").status_code == 404


# --- cost and bad input -----------------------------------------------------------------------


def _isolate_many(world, people) -> list[Isolation]:
    """People of different units and grids, all cared for by 刘洋, each checked in today."""
    isolations = [
        isolation_start(actor=None, person=p, reason="从武汉返回", carer=world.grid_worker)
        for p in people
    ]
    for isolation in isolations:
        check_in(isolation.campaign, isolation.person, DAY)
    return isolations


def _isolate_classmates(world, campaign, n: int) -> list[Isolation]:
    from bastion.org.models import Person, PersonKind

    people = [world.student] + [
        Person.objects.create(
            number=f"20209{k:02d}",
            name=f"同学{k}",
            kind=PersonKind.STUDENT,
            unit=world.med_class,
            grid=world.floor if k % 2 else None,
        )
        for k in range(n - 1)
    ]
    return _isolate_many(world, people)


@pytest.mark.parametrize("n", [1, 6])
def test_the_isolation_pages_take_the_same_queries_for_one_person_or_many(
    world, campaign, client_as, django_assert_max_num_queries, n
):
    isolations = _isolate_classmates(world, campaign, n)
    for isolation in isolations:
        care_log(actor=user(world.grid_worker), isolation=isolation, channel="phone", now=NOW)
    counselor, carer = client_as(world.counselor), client_as(world.grid_worker)
    detail = f"/tracing/isolations/{isolations[0].uid}/"
    for client, url, most in [
        (counselor, "/tracing/isolations/", 8),  # one: the audit trail's entry of the list
        (carer, "/tracing/care/", 9),
        (counselor, detail, 12),
        (carer, detail, 11),
    ]:
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_missed_contacts_of_many_people_are_raised_in_the_same_queries(
    world, campaign, django_assert_max_num_queries, n
):
    """It runs every minute: its owners' chains are read together, whatever the units."""
    _isolate_many(world, [world.student, world.other_student, world.staff][:n])
    later = NOW + dt.timedelta(days=2)
    with django_assert_max_num_queries(13):
        assert care_missed_raise(now=later, campaign=campaign) == n
    with django_assert_max_num_queries(2):  # nothing more to raise: two reads
        assert care_missed_raise(now=later + dt.timedelta(minutes=1), campaign=campaign) == 0


def test_bad_form_input_is_a_message_not_an_error(world, campaign, client_as):
    client = client_as(world.counselor)
    isolations_propose_many(campaign=campaign, reasons={world.student.pk: "到过湖北"}, now=NOW)
    proposal = Isolation.objects.get()
    for data in [{"starts_on": "昨天"}, {"starts_on": "2020-02-30"}, {"kind": "hotel"}]:
        answer = client.post(f"/tracing/isolations/{proposal.uid}/start/", data)
        assert answer.status_code == 400, data
    isolation = start(world)
    url = f"/tracing/isolations/{isolation.uid}/"
    for action, data in [
        ("extend", {"days": "七", "reason": "复查"}),
        ("extend", {"days": "99999999999999999999", "reason": "复查"}),
        ("test", {"tested_on": "2020-02-31"}),
        ("test", {}),
        ("carer", {"carer": "nobody"}),
        ("carer", {"carer": ""}),
        ("care", {"channel": "pigeon"}),
    ]:
        answer = client.post(url + action + "/", data)
        assert answer.status_code == 400, (action, data)
        assert 'role="alert"' in answer.content.decode()
    assert client_as(world.grid_worker).post("/tracing/care/x/log/").status_code == 404


def test_the_api_refuses_a_contact_time_out_of_range(world, campaign, bearer):
    isolation = start(world)
    url = f"/api/v1/isolations/{isolation.uid}/care-logs"
    body = {"channel": "phone", "at": "0001-01-01T00:00:00+05:00"}
    answer = bearer(world.grid_worker).post(url, body, content_type="application/json")
    assert answer.status_code == 400
    assert not CareLog.objects.exists()


def test_an_isolation_left_open_in_an_ended_campaign_is_not_chased(world, campaign):
    from bastion.campaigns.services import campaign_create_from_preset

    start(world)
    campaign.is_active = False
    campaign.save(update_fields=["is_active"])
    flu = campaign_create_from_preset(preset="influenza", starts_on=DAY)
    later = NOW + dt.timedelta(days=2)
    assert care_missed_raise(now=later, campaign=flu) == 0
    assert care_missed_raise(now=later) == 0  # the running campaign is the influenza one
    assert not Alert.objects.filter(kind="care_missed").exists()
