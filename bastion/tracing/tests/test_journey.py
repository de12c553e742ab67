"""The tracing issue's journey, end to end through the services: a suspected case yields an
urgent report, contacts proposed from dorm, class and lab, and a graph; confirming contacts
puts them under isolation with a carer, whose missed contact raises an alert above them."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.alerts.models import Alert
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.reports.models import UrgentRecipient, UrgentReport
from bastion.tracing.cases import case_record
from bastion.tracing.contacts import contact_decide, contact_graph
from bastion.tracing.isolation import care_missed_raise
from bastion.tracing.models import Closeness, Contact, ContactSetting, Isolation, IsolationState

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_suspected_case_is_traced_to_isolation_and_a_missed_call_is_seen(world, campaign):
    roommate = Person.objects.create(
        number="2020003",
        name="张伟",
        kind=PersonKind.STUDENT,
        unit=world.med_class,
        grid=world.floor,
        dormitory="一号楼301",
    )
    world.student.lab = world.med_lab
    world.student.save(update_fields=["lab"])
    leader = User.objects.get(person=world.college_leader)

    case = case_record(actor=leader, person=world.student, now=NOW)

    # The urgent report went out at once, up the chain.
    report = case.urgent_report
    assert report.kind == UrgentReport.Kind.SUSPECTED_CASE and report.person == world.student
    reached = set(UrgentRecipient.objects.filter(report=report).values_list("person", flat=True))
    assert {world.counselor.pk, world.secretary.pk} <= reached  # the reporter is left out

    # Contacts proposed from where he lives, studies and works.
    proposed = {c.person_id: c for c in Contact.objects.filter(case=case)}
    assert proposed[roommate.pk].setting == ContactSetting.DORM_ROOM
    assert proposed[roommate.pk].closeness == Closeness.CLOSE
    assert proposed[world.grid_worker.pk].setting == ContactSetting.DORM_FLOOR
    assert proposed[world.staff.pk].setting == ContactSetting.LAB
    assert world.student.pk not in proposed and world.other_student.pk not in proposed
    classmate = Person.objects.create(
        number="2020004", name="周杰", kind=PersonKind.STUDENT, unit=world.med_class
    )
    from bastion.tracing.contacts import contacts_propose

    [late] = contacts_propose(case=case, now=NOW)
    assert (late.person, late.setting) == (classmate, ContactSetting.CLASS)

    # The graph: the case and its contacts.
    graph = contact_graph(case=case, scope=scope_of(leader))
    names = {node["name"] for node in graph["nodes"]}
    assert {"李明", "张伟", "刘洋", "赵强"} <= names
    assert len(graph["links"]) == Contact.objects.filter(case=case).count()

    # Confirming the roommate isolates him (central: a close contact) with a carer.
    contact_decide(actor=leader, contact=proposed[roommate.pk], confirm=True, now=NOW)
    isolation = Isolation.objects.get(person=roommate, state=IsolationState.ACTIVE)
    assert isolation.kind == "central" and isolation.contact_id == proposed[roommate.pk].pk
    assert isolation.carer == world.grid_worker  # the floor's grid worker, a Party member
    assert isolation.planned_end_on == DAY + dt.timedelta(days=campaign.quarantine_days)

    # A day without a call from the carer: an alert to the carer's superior, the counselor.
    assert care_missed_raise(now=NOW + dt.timedelta(days=1)) == 1
    alert = Alert.objects.get(kind="care_missed", person=roommate)
    assert alert.owner == world.counselor
