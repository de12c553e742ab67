"""The front line: a post is set up with its temporary Party organization under the one that
leads its unit, its leader the secretary, and dissolving it ends them; duty shifts are
assigned in reach, never two at once for the same person, swapped, checked in and out by
their holder; the shares held by cadres and Party members and the weekly hours are counted
right; difficulties of front-line workers are registered, assigned and resolved."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import scope_of
from bastion.lib.days import at
from bastion.lib.refusals import Refused
from bastion.notify.models import Notification
from bastion.org.models import PartyOrg, PartyOrgKind, Person, PersonKind, Position
from bastion.partywork import care as cr
from bastion.partywork import duty as du
from bastion.partywork import frontline as fl
from bastion.partywork.models import (
    CareCase,
    DutyPolicy,
    DutyShift,
    EquipmentIssue,
    FrontlinePost,
    PostMember,
    ShiftState,
)

DAY = dt.date(2020, 2, 10)  # a Monday
NOW = at(DAY, dt.time(9, 0))
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def refused(call, **kwargs):
    with pytest.raises(Refused) as caught:
        call(**kwargs)
    return caught.value


def set_up(world, *, actor=None, unit=None, name="一号楼隔离宿舍", leader=None, **extra):
    values = {"kind": "quarantine", "place": "一号楼", "set_up_on": DAY, "now": NOW}
    values.update(extra)
    return fl.post_set_up(
        actor=user(actor or world.leader),
        unit=unit or world.med_class,
        name=name,
        leader=leader or world.counselor,
        **values,
    )


def assign(world, person, start, hours=8, *, actor=None, post=None, unit=None, now=NOW):
    """A shift of `person` from `start` (an hour of DAY, or a moment) for `hours`."""
    if not isinstance(start, dt.datetime):
        start = at(DAY, dt.time(start))
    return du.shift_assign(
        actor=user(actor or world.leader),
        unit=unit or (post.unit if post else world.med),
        post=post,
        person=person,
        starts_at=start,
        ends_at=start + hours * HOUR,
        now=now,
    )


@pytest.fixture
def post(party) -> FrontlinePost:
    """一号楼隔离宿舍 of 临床2020级1班, led by the counselor 陈静; 李明 is at it."""
    post = set_up(party)
    fl.post_member_add(
        actor=user(party.leader), post=post, person=party.student, duty="送餐", from_on=DAY
    )
    return post


@pytest.fixture
def cs_post(party) -> FrontlinePost:
    return set_up(
        party, unit=party.cs, name="东门", kind="gate", leader=party.other_student, place="东门"
    )


@pytest.fixture
def nurse(party) -> Person:
    """张护士, staff of the university hospital."""
    person = Person.objects.create(
        number="H1001", name="张护士", kind=PersonKind.STAFF, unit=party.hospital
    )
    User.objects.create(username="H1001", person=person, must_change_password=False)
    return person


# --- posts and their temporary Party organizations ------------------------------------------


def test_a_post_is_set_up_with_its_temporary_party_organization(party, post):
    org = post.party_org
    assert org.kind == PartyOrgKind.TEMPORARY and org.started_on == DAY and org.ended_on is None
    assert org.post == "一号楼隔离宿舍" and "一号楼隔离宿舍" in org.name
    # 临床2020级1班 has no Party organization of its own: 临床医学系's branch leads it.
    assert PartyOrg.objects.get_parent(org) == party.med_branch
    secretary = Position.objects.get(party_org=org)
    assert (secretary.person, secretary.role) == (party.counselor, Role.PARTY_SECRETARY)
    assert secretary.starts_on == DAY and secretary.ends_on is None
    here = set(PostMember.objects.filter(post=post).values_list("person__name", flat=True))
    assert here == {"陈静", "李明"}


def test_a_college_post_hangs_under_the_committee_that_leads_the_college(party):
    post = set_up(party, unit=party.med, name="发热门诊", kind="fever_clinic")
    assert PartyOrg.objects.get_parent(post.party_org) == party.med_committee


def test_setting_up_is_refused_out_of_reach_and_for_the_wrong_role(party):
    # 周伟 reaches 医学院 but holds no Party-work right; 孙丽 does not reach 计算机学院.
    assert refused(set_up, world=party, actor=party.college_leader).status == 403
    assert refused(set_up, world=party, actor=party.secretary, unit=party.cs).status == 404
    assert refused(set_up, world=party, actor=party.student).status == 403
    assert not FrontlinePost.objects.exists()
    assert not PartyOrg.objects.filter(kind=PartyOrgKind.TEMPORARY).exists()
    assert not Position.objects.filter(party_org__kind=PartyOrgKind.TEMPORARY).exists()


def test_a_branch_secretary_sets_up_posts_in_the_units_her_branch_leads_only(party):
    post = set_up(party, actor=party.secretary, leader=party.student)
    assert post.unit == party.med_class and post.created_by == user(party.secretary)
    above = refused(set_up, world=party, actor=party.secretary, unit=party.med, name="发热门诊")
    assert above.status == 404
    assert FrontlinePost.objects.count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"name": " "},
        {"kind": "canteen"},
        {"set_up_on": "2020-13-01"},
        {"set_up_on": DAY + dt.timedelta(days=31)},
    ],
)
def test_bad_post_input_is_refused_and_nothing_written(party, values):
    assert refused(set_up, world=party, **values).status == 400
    assert not FrontlinePost.objects.exists()
    assert not PartyOrg.objects.filter(kind=PartyOrgKind.TEMPORARY).exists()


def test_a_second_open_post_of_the_same_name_is_refused(party, post):
    assert refused(set_up, world=party).status == 409
    assert FrontlinePost.objects.count() == 1


def test_members_join_and_leave_and_the_leader_stays(party, post):
    leader = user(party.leader)
    again = refused(fl.post_member_add, actor=leader, post=post, person=party.student, from_on=DAY)
    assert again.status == 409
    early = refused(
        fl.post_member_add,
        actor=leader,
        post=post,
        person=party.grid_worker,
        from_on=DAY - dt.timedelta(days=1),
    )
    assert early.status == 400
    stays = refused(fl.post_member_remove, actor=leader, post=post, person=party.counselor, on=DAY)
    assert stays.status == 409
    member = fl.post_member_remove(actor=leader, post=post, person=party.student, on=DAY)
    assert member.to_on == DAY
    wrong = refused(
        fl.post_member_add,
        actor=user(party.college_leader),
        post=post,
        person=party.grid_worker,
        from_on=DAY,
    )
    assert wrong.status == 403
    assert PostMember.objects.filter(post=post, to_on__isnull=True).count() == 1


def test_dissolving_ends_the_temporary_organization_its_positions_and_its_shifts(party, post):
    before = assign(party, party.student, 10, post=post)
    after = assign(party, party.student, at(DAY + dt.timedelta(days=2), dt.time(8)), post=post)
    fl.post_dissolve(actor=user(party.leader), post=post, on=DAY + dt.timedelta(days=1))
    post.refresh_from_db()
    org = PartyOrg.objects.get(pk=post.party_org_id)
    end = DAY + dt.timedelta(days=1)
    assert post.dissolved_on == end and org.ended_on == end
    assert Position.objects.get(party_org=org).ends_on == end
    assert not Position.objects.active(end + dt.timedelta(days=1)).filter(party_org=org).exists()
    assert set(PostMember.objects.filter(post=post).values_list("to_on", flat=True)) == {end}
    before.refresh_from_db()
    after.refresh_from_db()
    assert before.state == ShiftState.PLANNED and after.state == ShiftState.CANCELLED
    leader = user(party.leader)
    assert refused(fl.post_dissolve, actor=leader, post=post, on=end).status == 409
    late = refused(
        fl.post_member_add, actor=leader, post=post, person=party.grid_worker, from_on=DAY
    )
    assert late.status == 409


def test_a_post_is_not_dissolved_before_it_was_set_up_or_by_the_wrong_role(party, post):
    leader = user(party.leader)
    early = refused(fl.post_dissolve, actor=leader, post=post, on=DAY - dt.timedelta(days=1))
    assert early.status == 400
    wrong = refused(fl.post_dissolve, actor=user(party.college_leader), post=post, on=DAY)
    assert wrong.status == 403
    post.refresh_from_db()
    assert post.dissolved_on is None and post.party_org.ended_on is None


def test_posts_now_names_who_is_at_each_post_and_on_duty_in_three_queries(
    party, post, cs_post, django_assert_num_queries
):
    assign(party, party.student, 10, post=post)
    scope = scope_of(user(party.leader))
    with django_assert_num_queries(3):
        items = fl.posts_now(scope=scope, day=DAY)
    found = {i.post.name: i for i in items}
    assert set(found) == {"一号楼隔离宿舍", "东门"}
    dorm = found["一号楼隔离宿舍"]
    assert [m.person.name for m in dorm.members] == ["陈静", "李明"]
    assert dorm.party_members == 2
    assert [s.person.name for s in dorm.shifts] == ["李明"]
    assert fl.posts_now(scope=scope, day=DAY - dt.timedelta(days=1)) == []
    groups = dict(fl.posts_by_kind(items))
    assert len(groups) == 2


def test_who_sees_which_posts(party, post, cs_post):
    def names(person):
        return set(fl.posts_visible(scope=scope_of(user(person))).values_list("name", flat=True))

    assert names(party.leader) == {"一号楼隔离宿舍", "东门"}
    assert names(party.college_leader) == {"一号楼隔离宿舍"}
    assert names(party.student) == {"一号楼隔离宿舍"}  # he is at it
    assert names(party.other_student) == {"东门"}  # she leads it
    assert names(party.staff) == set()


# --- duty shifts ----------------------------------------------------------------------------


def test_a_shift_is_assigned_and_its_holder_told(party, post):
    shift = assign(party, party.student, 10, post=post)
    assert shift.state == ShiftState.PLANNED and shift.unit == party.med_class
    assert shift.assigned_by == user(party.leader)
    assert Notification.objects.filter(recipient=party.student).count() == 1


def test_an_overlapping_shift_is_refused_and_nothing_written(party, post):
    assign(party, party.student, 10, post=post)
    shifts, notes = DutyShift.objects.count(), Notification.objects.count()
    error = refused(assign, world=party, person=party.student, start=14, unit=party.med)
    assert error.status == 409
    assert DutyShift.objects.count() == shifts and Notification.objects.count() == notes
    # Back to back is no overlap; a cancelled shift blocks nothing.
    assign(party, party.student, 18, hours=4)
    other = assign(party, party.grid_worker, 10)
    du.shift_cancel(actor=user(party.leader), shift=other, reason="生病")
    again = assign(party, party.grid_worker, 12)
    assert again.state == ShiftState.PLANNED


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_never_give_one_person_two_shifts(party):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    barrier = threading.Barrier(2)
    done, refusals, errors = [], [], []

    def one(actor, start) -> None:
        try:
            barrier.wait()
            done.append(assign(party, party.student, start, actor=actor))
        except du.DutyRefused as exc:
            refusals.append(exc.status)
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=one, args=(party.leader, 10)),
        threading.Thread(target=one, args=(party.org_officer, 12)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(done) == 1 and refusals == [409]
    assert DutyShift.objects.filter(person=party.student).count() == 1


@pytest.mark.parametrize(
    ("start", "hours"),
    [(10, 0), (10, -2), (10, 25), (at(DAY, dt.time(1)), 7)],
)
def test_bad_shift_times_are_refused(party, start, hours):
    error = refused(assign, world=party, person=party.student, start=start, hours=hours)
    assert error.status == 400
    assert not DutyShift.objects.exists()


def test_assigning_is_refused_out_of_reach_and_for_the_wrong_role(party, post, cs_post):
    # 刘洋's grid is in 临床2020级1班, and the lab head's lab is his own: neither plans duty.
    wrong = refused(
        assign, world=party, person=party.student, start=10, actor=party.grid_worker, post=post
    )
    assert wrong.status == 403
    lab = refused(
        assign, world=party, person=party.staff, start=10, actor=party.lab_head, unit=party.med_lab
    )
    assert lab.status == 403
    out = refused(
        assign,
        world=party,
        person=party.other_student,
        start=10,
        actor=party.secretary,
        unit=party.cs,
    )
    assert out.status == 404
    elsewhere = refused(
        assign, world=party, person=party.student, start=10, post=cs_post, unit=party.med
    )
    assert elsewhere.status == 400
    assert not DutyShift.objects.exists()


def test_a_post_leader_plans_the_shifts_at_her_post_for_those_at_it(party, post, cs_post):
    # 王芳 of 计算机学院 comes to help at 一号楼: beyond 陈静's reach, but at her post.
    fl.post_member_add(actor=user(party.leader), post=post, person=party.other_student, from_on=DAY)
    shift = assign(party, party.other_student, 10, actor=party.counselor, post=post)
    assert shift.assigned_by == user(party.counselor)
    not_at_post = refused(
        assign,
        world=party,
        person=party.other_student,
        start=20,
        actor=party.counselor,
        unit=party.med_class,
    )
    assert not_at_post.status == 404
    other_post = refused(
        assign,
        world=party,
        person=party.other_student,
        start=20,
        actor=party.counselor,
        post=cs_post,
    )
    assert other_post.status == 404
    assert DutyShift.objects.count() == 1


def test_a_swap_gives_the_shift_to_someone_free_and_keeps_who_had_it(party, post):
    leader = user(party.leader)
    shift = assign(party, party.student, 10, post=post)
    assign(party, party.counselor, 12)
    busy = refused(du.shift_swap, actor=leader, shift=shift, to_person=party.counselor)
    assert busy.status == 409
    du.shift_swap(actor=leader, shift=shift, to_person=party.grid_worker)
    shift.refresh_from_db()
    assert shift.person == party.grid_worker and shift.swapped_from == party.student
    wrong = refused(
        du.shift_swap, actor=user(party.grid_worker), shift=shift, to_person=party.student
    )
    assert wrong.status == 403


def test_only_the_holder_checks_in_and_out_within_the_shift(party, post):
    shift = assign(party, party.student, 10, post=post)
    early = refused(du.shift_check_in, actor=user(party.student), shift=shift, now=NOW)
    assert early.status == 409
    moment = at(DAY, dt.time(9, 45))
    other = refused(du.shift_check_in, actor=user(party.leader), shift=shift, now=moment)
    assert other.status == 403
    du.shift_check_in(actor=user(party.student), shift=shift, now=moment)
    shift.refresh_from_db()
    assert shift.state == ShiftState.ON and shift.checked_in_at == moment
    cancel = refused(du.shift_cancel, actor=user(party.leader), shift=shift)
    assert cancel.status == 409
    end = at(DAY, dt.time(18, 5))
    du.shift_check_out(actor=user(party.student), shift=shift, now=end)
    shift.refresh_from_db()
    assert shift.state == ShiftState.DONE and shift.checked_out_at == end


def test_shifts_nobody_checked_in_are_marked_missed(party):
    held = assign(party, party.student, 10)
    missed = assign(party, party.grid_worker, 10)
    du.shift_check_in(actor=user(party.student), shift=held, now=at(DAY, dt.time(10)))
    assert du.shifts_mark_missed(now=at(DAY, dt.time(19))) == 1
    missed.refresh_from_db()
    held.refresh_from_db()
    assert missed.state == ShiftState.MISSED and held.state == ShiftState.ON


def test_the_shares_of_cadres_and_party_members_are_counted_per_unit(
    party, django_assert_num_queries
):
    assign(party, party.counselor, 10)  # a cadre and a Party member
    assign(party, party.student, 10)  # a probationary member, no position
    assign(party, party.staff, 10)  # neither
    assign(party, party.college_leader, 20, unit=party.med_lab)  # a cadre and a member
    cancelled = assign(party, party.grid_worker, 20)  # a cadre (grid worker), cancelled
    du.shift_cancel(actor=user(party.leader), shift=cancelled)
    assign(party, party.other_student, 10, unit=party.cs)  # an activist, in 计算机学院
    units = [party.university, party.med, party.cs, party.hospital]
    with django_assert_num_queries(1):
        rows = du.duty_share(units=units, first_day=DAY, last_day=DAY + dt.timedelta(days=6))
    got = {r.unit.code: (r.shifts, r.by_cadres, r.by_members, r.by_either) for r in rows}
    assert got == {
        "U": (5, 2, 3, 3),
        "MED": (4, 2, 3, 3),
        "CS": (1, 0, 0, 0),
        "HOSP": (0, 0, 0, 0),
    }
    med = rows[1]
    assert (med.cadre_share, med.member_share, med.either_share) == (50, 75, 75)
    assert rows[3].cadre_share is None


def test_weekly_hours_are_clipped_to_the_week_and_flagged_above_the_limit(
    party, django_assert_num_queries
):
    sunday = at(DAY - dt.timedelta(days=1), dt.time(20))
    assign(party, party.student, sunday, hours=12, now=sunday - HOUR)  # 8 h in this week
    for day in range(3):
        start = at(DAY + dt.timedelta(days=day), dt.time(10))
        assign(party, party.student, start, hours=14)
    assign(party, party.counselor, 10, hours=8)
    scope = scope_of(user(party.leader))
    with django_assert_num_queries(3):
        rows = du.weekly_hours(scope=scope, week_start=DAY)
    got = {r.person.name: (r.hours, r.flagged) for r in rows}
    assert got == {"李明": (50.0, True), "陈静": (8.0, False)}
    DutyPolicy.objects.create(campaign=party.campaign, weekly_hours_limit=56)
    again = du.weekly_hours(people_ids=[party.student.pk], week_start=DAY)
    assert [(r.hours, r.limit, r.flagged) for r in again] == [(50.0, 56, False)]
    last_week = du.weekly_hours(scope=scope, week_start=DAY - dt.timedelta(days=7))
    assert [(r.person.name, r.hours) for r in last_week] == [("李明", 4.0)]


def test_the_roster_and_its_grid(party, post, cs_post):
    assign(party, party.student, 10, post=post)
    assign(party, party.other_student, at(DAY + dt.timedelta(days=2), dt.time(8)), post=cs_post)
    assign(party, party.staff, 10)
    last = DAY + dt.timedelta(days=6)
    everything = du.roster(scope=scope_of(user(party.leader)), first_day=DAY, last_day=last)
    grid = du.roster_grid(everything, first_day=DAY, last_day=last)
    assert len(grid.days) == 7 and len(grid.rows) == 3
    gate = next(r for r in grid.rows if r.label == "东门")
    assert [len(c) for c in gate.cells] == [0, 0, 1, 0, 0, 0, 0]
    med = du.roster(scope=scope_of(user(party.college_leader)), first_day=DAY, last_day=last)
    assert {s.person.name for s in med} == {"李明", "赵强"}


# --- care -----------------------------------------------------------------------------------


def test_a_difficulty_is_registered_assigned_and_resolved(party, nurse):
    leader = user(party.leader)
    case = cr.care_case_register(actor=leader, person=nurse, difficulty="孩子无人照看", now=NOW)
    cr.care_case_assign(actor=leader, case=case, to_person=party.staff)
    assert Notification.objects.filter(recipient=party.staff).count() == 1
    assert cr.care_case_for(user(party.staff), case.uid) == case
    cr.care_case_resolve(actor=user(party.staff), case=case, resolution="安排志愿者照看", now=NOW)
    case.refresh_from_db()
    assert case.resolved_at == NOW and case.resolution == "安排志愿者照看"
    again = refused(cr.care_case_resolve, actor=leader, case=case, resolution="再次")
    assert again.status == 409


def test_care_is_refused_out_of_reach_and_for_the_wrong_role(party, nurse):
    wrong = refused(
        cr.care_case_register,
        actor=user(party.college_leader),
        person=party.staff,
        difficulty="x",
    )
    assert wrong.status == 403
    out = refused(cr.care_case_register, actor=user(party.secretary), person=nurse, difficulty="x")
    assert out.status == 404
    empty = refused(cr.care_case_register, actor=user(party.leader), person=nurse, difficulty="")
    assert empty.status == 400
    bad = refused(
        cr.equipment_issue,
        actor=user(party.leader),
        person=nurse,
        item="N95口罩",
        quantity="0",
        on=DAY,
    )
    assert bad.status == 400
    assert not CareCase.objects.exists() and not EquipmentIssue.objects.exists()


def test_care_reaches_the_staff_for_the_university_office_and_a_branch_for_its_secretary(
    party, nurse
):
    case = cr.care_case_register(
        actor=user(party.office_officer), person=nurse, difficulty="住宿困难", now=NOW
    )
    mine = cr.care_case_register(
        actor=user(party.secretary), person=party.student, difficulty="缺少防寒衣物", now=NOW
    )
    office = {c.pk for c in cr.care_cases_open(scope=scope_of(user(party.office_officer)))}
    branch = {c.pk for c in cr.care_cases_open(scope=scope_of(user(party.secretary)))}
    assert office == {case.pk} and branch == {mine.pk}
    with pytest.raises(cr.CareRefused):
        cr.care_case_for(user(party.secretary), case.uid)


def test_workers_show_hours_cases_and_equipment_the_hospitals_first(party, nurse):
    leader = user(party.leader)
    past = NOW - dt.timedelta(days=2)
    assign(party, nurse, past, hours=10, unit=party.hospital, now=past - HOUR)
    assign(party, party.student, past, hours=12, now=past - HOUR)
    cr.care_case_register(actor=leader, person=nurse, difficulty="住宿困难", now=NOW)
    cr.equipment_issue(actor=leader, person=nurse, item="N95口罩", quantity=20, on=DAY)
    cr.equipment_issue(actor=leader, person=nurse, item="N95口罩", quantity=10, on=DAY)
    cr.equipment_issue(actor=leader, person=party.staff, item="防护服", quantity=2, on=DAY)
    workers = cr.care_workers(scope=scope_of(leader), now=NOW)
    got = [(w.person.name, w.hours, w.open_cases, w.equipment, w.hospital) for w in workers]
    assert got == [
        ("张护士", 10.0, 1, [("N95口罩", 30)], True),
        ("李明", 12.0, 0, [], False),
        ("赵强", 0, 0, [("防护服", 2)], False),
    ]
    open_cases = list(cr.care_cases_open(scope=scope_of(leader)))
    assert [c.person.name for c in open_cases] == ["张护士"]
    assert cr.care_workers(scope=scope_of(user(party.college_leader)), now=NOW) == []


# --- pages ------------------------------------------------------------------------------------


def test_the_posts_page_shows_each_post_with_its_people(party, post, cs_post, client_as):
    page = client_as(party.leader).get("/party/posts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "一号楼隔离宿舍" in text and "东门" in text and "陈静" in text and "李明" in text
    assert post.party_org.name in text
    college = client_as(party.college_leader).get("/party/posts/").content.decode()
    assert "一号楼隔离宿舍" in college and "东门" not in college
    assert client_as(party.leader).get("/party/posts/?day=bad").status_code == 404


def test_a_post_page_in_reach_out_of_reach_and_for_the_wrong_role(party, post, cs_post, client_as):
    page = client_as(party.leader).get(f"/party/posts/{post.uid}/")
    assert page.status_code == 200 and 'id="dissolve"' in page.content.decode()
    college = client_as(party.college_leader).get(f"/party/posts/{post.uid}/")
    assert college.status_code == 200 and 'id="dissolve"' not in college.content.decode()
    assert client_as(party.college_leader).get(f"/party/posts/{cs_post.uid}/").status_code == 404
    dissolve = client_as(party.college_leader).post(
        f"/party/posts/{post.uid}/dissolve/", {"on": DAY.isoformat()}
    )
    assert dissolve.status_code == 403
    out = client_as(party.college_leader).post(
        f"/party/posts/{cs_post.uid}/dissolve/", {"on": DAY.isoformat()}
    )
    assert out.status_code == 404
    assert FrontlinePost.objects.filter(dissolved_on__isnull=False).count() == 0


def test_a_post_is_set_up_and_run_through_the_forms(party, client_as):
    client = client_as(party.leader)
    assert client.get("/party/posts/new/").status_code == 200
    answer = client.post(
        "/party/posts/new/",
        {
            "unit": "HOSP",
            "name": "发热门诊",
            "kind": "fever_clinic",
            "place": "校医院一楼",
            "leader": party.college_leader.number,
            "set_up_on": DAY.isoformat(),
        },
    )
    post = FrontlinePost.objects.get(name="发热门诊")
    assert answer.status_code == 302 and answer["Location"] == f"/party/posts/{post.uid}/"
    assert PartyOrg.objects.get_parent(post.party_org) == party.committee
    added = client.post(
        f"/party/posts/{post.uid}/members/add/",
        {"number": party.staff.number, "duty": "预检分诊", "from_on": DAY.isoformat()},
    )
    assert added.status_code == 302
    unknown = client.post(
        f"/party/posts/{post.uid}/members/add/", {"number": "X999", "from_on": DAY.isoformat()}
    )
    assert unknown.status_code == 400
    left = client.post(
        f"/party/posts/{post.uid}/members/remove/",
        {"number": party.staff.number, "on": DAY.isoformat()},
    )
    assert left.status_code == 302
    gone = client.post(f"/party/posts/{post.uid}/dissolve/", {"on": DAY.isoformat()})
    assert gone.status_code == 302
    post.refresh_from_db()
    assert post.dissolved_on == DAY and post.party_org.ended_on == DAY


def test_the_set_up_form_refuses_the_wrong_role_and_units_out_of_reach(party, client_as):
    assert client_as(party.college_leader).get("/party/posts/new/").status_code == 403
    assert client_as(party.student).post("/party/posts/new/", {}).status_code == 403
    bad = client_as(party.leader).post(
        "/party/posts/new/",
        {"unit": "NOPE", "name": "x", "kind": "gate", "leader": "T2001", "set_up_on": "2020-02-10"},
    )
    assert bad.status_code == 400
    assert not FrontlinePost.objects.exists()


def test_the_roster_page_by_week_unit_and_post(party, post, cs_post, client_as):
    assign(party, party.student, 10, post=post)
    assign(party, party.other_student, 10, post=cs_post)
    page = client_as(party.leader).get(f"/party/duty/?week={DAY.isoformat()}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="roster"' in text and "李明" in text and "王芳" in text
    by_post = client_as(party.leader).get(f"/party/duty/?post={post.uid}").content.decode()
    assert "李明" in by_post and "王芳" not in by_post
    college = client_as(party.college_leader).get("/party/duty/?unit=MED").content.decode()
    assert "李明" in college and "王芳" not in college
    assert client_as(party.college_leader).get("/party/duty/?unit=CS").status_code == 404
    assert (
        client_as(party.college_leader).get(f"/party/duty/?post={cs_post.uid}").status_code == 404
    )


def test_a_shift_is_assigned_through_the_form_and_an_overlap_refused(party, post, client_as):
    client = client_as(party.leader)
    assert client.get(f"/party/duty/new/?post={post.uid}").status_code == 200
    values = {
        "post": str(post.uid),
        "number": party.student.number,
        "starts_at": "2020-02-10T10:00",
        "ends_at": "2020-02-10T18:00",
    }
    assert client.post("/party/duty/new/", values).status_code == 302
    shift = DutyShift.objects.get()
    assert shift.post == post and shift.starts_at == at(DAY, dt.time(10))
    overlap = client.post("/party/duty/new/", values | {"post": "", "unit": "MED"})
    assert overlap.status_code == 409 and "李明" in overlap.content.decode()
    assert DutyShift.objects.count() == 1
    assert client_as(party.lab_head).get("/party/duty/new/").status_code == 403
    wrong = client_as(party.grid_worker).post("/party/duty/new/", values)
    assert wrong.status_code == 403 and DutyShift.objects.count() == 1


def test_a_shift_page_swaps_and_cancels_for_the_planner_only(party, post, client_as):
    shift = assign(party, party.student, 10, post=post)
    url = f"/party/duty/{shift.uid}/"
    assert 'id="swap"' in client_as(party.leader).get(url).content.decode()
    # 刘洋 sees the shifts of his grid's people but plans no duty.
    assert 'id="swap"' not in client_as(party.grid_worker).get(url).content.decode()
    assert client_as(party.other_student).get(url).status_code == 404
    wrong = client_as(party.grid_worker).post(f"{url}swap/", {"number": "2020002"})
    assert wrong.status_code == 403
    swapped = client_as(party.leader).post(f"{url}swap/", {"number": "2020002"})
    assert swapped.status_code == 302
    shift.refresh_from_db()
    assert shift.person == party.grid_worker and shift.swapped_from == party.student
    assert client_as(party.leader).post(f"{url}cancel/", {"reason": "调整"}).status_code == 302
    shift.refresh_from_db()
    assert shift.state == ShiftState.CANCELLED


def test_my_shifts_checks_in_and_out_from_a_phone(party, post, client_as):
    shift = assign(party, party.student, 9, post=post)
    client = client_as(party.student)
    page = client.get("/party/duty/mine/").content.decode()
    assert f"/party/duty/{shift.uid}/check-in/" in page
    assert client.post(f"/party/duty/{shift.uid}/check-in/").status_code == 302
    shift.refresh_from_db()
    assert shift.state == ShiftState.ON
    assert f"/party/duty/{shift.uid}/check-out/" in client.get("/party/duty/mine/").content.decode()
    other = client_as(party.college_leader).post(f"/party/duty/{shift.uid}/check-out/")
    assert other.status_code == 403
    assert (
        client_as(party.other_student).post(f"/party/duty/{shift.uid}/check-out/").status_code
        == 404
    )
    assert client.post(f"/party/duty/{shift.uid}/check-out/").status_code == 302
    shift.refresh_from_db()
    assert shift.state == ShiftState.DONE


def test_the_share_page_shows_units_and_flags_hours(party, client_as):
    for day in range(4):
        assign(party, party.student, at(DAY + dt.timedelta(days=day), dt.time(10)), hours=14)
    assign(party, party.counselor, 10, unit=party.med_class)
    page = client_as(party.leader).get(f"/party/duty/share/?week={DAY.isoformat()}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="share-MED"' in text and "医学院" in text and 'class="flagged"' in text
    assert "李明" in text and "56.0" in text
    med = client_as(party.leader).get("/party/duty/share/?unit=MED").content.decode()
    assert 'id="share-MED-CLI"' in med
    # The college leader plans the college's duty: his page starts at the college.
    college = client_as(party.college_leader).get(f"/party/duty/share/?week={DAY}")
    assert college.status_code == 200 and 'id="share-MED-LAB"' in college.content.decode()
    assert client_as(party.college_leader).get("/party/duty/share/?unit=CS").status_code == 404
    assert client_as(party.counselor).get("/party/duty/share/").status_code == 403


def test_the_care_page_for_carers_assignees_and_the_wrong_role(party, nurse, client_as):
    client = client_as(party.leader)
    answer = client.post("/party/care/new/", {"number": "H1001", "difficulty": "住宿困难"})
    assert answer.status_code == 302
    case = CareCase.objects.get()
    assert client.post(f"/party/care/{case.uid}/assign/", {"number": "T1001"}).status_code == 302
    issued = client.post(
        "/party/care/equipment/",
        {"number": "H1001", "item": "N95口罩", "quantity": "20", "on": DAY.isoformat()},
    )
    assert issued.status_code == 302
    page = client.get("/party/care/").content.decode()
    assert "张护士" in page and "住宿困难" in page and "N95口罩 × 20" in page
    # 赵强 has no care right but the case is his to solve.
    staff = client_as(party.staff)
    assert "住宿困难" in staff.get("/party/care/").content.decode()
    done = staff.post(f"/party/care/{case.uid}/resolve/", {"resolution": "已安排宿舍"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.resolved_at is not None
    assert client_as(party.college_leader).get("/party/care/").status_code == 403
    wrong = client_as(party.college_leader).post(
        "/party/care/new/", {"number": "T1001", "difficulty": "x"}
    )
    assert wrong.status_code == 403
    assert (
        client_as(party.college_leader)
        .post(f"/party/care/{case.uid}/resolve/", {"resolution": "x"})
        .status_code
        == 404
    )
    assert CareCase.objects.count() == 1
