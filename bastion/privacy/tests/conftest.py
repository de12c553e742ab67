"""A campaign as 李明 lived it: what the privacy tests read, mask, purge and hand back."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from bastion.accounts.models import User
from bastion.campus.models import AccessLog, LeaveApplication, Visitor
from bastion.checkins.services import checkin_submit
from bastion.liaison.services import care_request
from bastion.lib.days import at
from bastion.notices.services import notice_publish
from bastion.org.models import Person, PersonKind
from bastion.tracing.cases import case_record
from bastion.tracing.contacts import contact_decide
from bastion.tracing.isolation import care_log
from bastion.tracing.models import Contact, Isolation
from bastion.tracing.services import trip_record

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))


def account(person: Person) -> User:
    return User.objects.get(person=person)


@pytest.fixture
def lived(world, campaign) -> SimpleNamespace:
    """李明 checked in (a fever today, submitted twice), took a train, shared a room with 张伟,
    who became a suspected case; so 李明 is a confirmed contact, isolated and cared for. He
    asked for medicine, read a notice, applied for leave and passed the gate. 王芳 checked in
    and asked for care too; a visitor came to the lab."""
    w = SimpleNamespace(campaign=campaign)
    # Not the standard's example number, which the roster template prints as its sample.
    Person.objects.filter(pk=world.student.pk).update(id_number="420102200001011231")
    world.student.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        student = account(world.student)
        w.roommate = Person.objects.create(
            number="2020003",
            name="张伟",
            kind=PersonKind.STUDENT,
            unit=world.med_class,
            grid=world.floor,
            phone="13800000009",
            id_number="110105199912310049",
            dormitory="一号楼301",
        )
        User.objects.create(username="2020003", person=w.roommate, must_change_password=False)
        for back, temperature in ((2, "36.5"), (1, "36.6")):
            checkin_submit(
                actor=student,
                person=world.student,
                campaign=campaign,
                temperature=temperature,
                location="110108",
                on_campus=True,
                now=NOW - dt.timedelta(days=back),
            )
        for temperature in ("38.2", "38.4"):  # submitted again: an earlier version is kept
            checkin_submit(
                actor=student,
                person=world.student,
                campaign=campaign,
                temperature=temperature,
                symptoms=["fever", "cough"],
                location="110108",
                on_campus=True,
                now=NOW,
            )
        checkin_submit(
            actor=account(world.other_student),
            person=world.other_student,
            campaign=campaign,
            temperature="36.9",
            location="350503",
            on_campus=False,
            now=NOW,
        )
        trip_record(
            actor=student,
            person=world.student,
            origin="420102",
            destination="110108",
            departs_on="2020-01-25",
            arrives_on="2020-01-25",
            transport="train",
            number="G1234",
            purpose="回校",
            now=NOW,
        )
        w.case = case_record(actor=account(world.counselor), person=w.roommate, now=NOW)
        w.contact = Contact.objects.get(case=w.case, person=world.student)
        contact_decide(actor=account(world.counselor), contact=w.contact, confirm=True, now=NOW)
        w.isolation = Isolation.objects.get(person=world.student)
        carer = w.isolation.carer or world.counselor
        care_log(
            actor=account(carer),
            isolation=w.isolation,
            channel="phone",
            needs="体温计",
            done="已送到宿舍",
            now=NOW,
        )
        care_request(
            actor=student, person=world.student, kind="medicine", detail="需要退烧药", now=NOW
        )
        care_request(
            actor=account(world.other_student),
            person=world.other_student,
            kind="study",
            detail="王芳想借教材",
            now=NOW,
        )
        w.notice = notice_publish(
            actor=account(world.counselor),
            kind="policy",
            title="关于做好返校准备的通知",
            body="请同学们每日打卡。",
            audience={"units": ["MED-C1"]},
            requires_ack=False,
            now=NOW,
        )
        LeaveApplication.objects.create(
            campaign=campaign,
            person=world.student,
            reason="就医",
            destination="校医院",
            leaves_at=NOW + dt.timedelta(hours=1),
            returns_by=NOW + dt.timedelta(hours=3),
            submitted_at=NOW,
        )
        AccessLog.objects.create(
            at=NOW, gate="北门", direction="in", person=world.student, admitted=True
        )
        w.visitor = Visitor.objects.create(
            name="钱多",
            phone="13700005678",
            id_number="110105195001010012",
            purpose="送设备",
            host=world.lab_head,
            valid_from=NOW,
            valid_until=NOW + dt.timedelta(hours=4),
            registered_at=NOW,
        )
        AccessLog.objects.create(
            at=NOW, gate="北门", direction="in", visitor=w.visitor, admitted=True
        )
    w.now = timezone.now()
    return w
