"""What the operations tests run inside a scratch database (through Scratch.call).

Each function runs in a subprocess with Django set up against the scratch database, takes and
returns JSON-able values, and uses the services as the product does.
"""

import datetime as dt
from collections import Counter, defaultdict


def _campaign(**overrides):
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.lib.days import business_day

    return campaign_create_from_preset(
        preset="covid19", starts_on=business_day() - dt.timedelta(days=1), **overrides
    )


def _agreed(users) -> None:
    """Every account has agreed to the current privacy notice (where the product asks it)."""
    from bastion.accounts.models import User

    try:
        from bastion.privacy.notice import notice_version
    except ImportError:
        return
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        privacy_notice_version=notice_version()
    )


def checkin_world(people: int) -> list[str]:
    """A college of ten classes, `people` students with accounts and bearer tokens, the
    COVID-19 campaign; the raw tokens, in the order of the people's numbers."""
    from django.utils import timezone

    from bastion.accounts.models import ApiToken, User
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import unit_add

    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    college = unit_add(parent=university, code="C", name="医学院", kind=UnitKind.COLLEGE)
    classes = [
        unit_add(parent=college, code=f"C-{k}", name=f"{k + 1}班", kind=UnitKind.CLASS)
        for k in range(10)
    ]
    persons = Person.objects.bulk_create(
        Person(
            number=f"S{i:05d}",
            name=f"学生{i}",
            kind=PersonKind.STUDENT,
            unit=classes[i % 10],
            home_region="110108",
        )
        for i in range(people)
    )
    users = []
    for person in persons:
        user = User(username=person.number, person=person, must_change_password=False)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    _agreed(users)
    raws = [ApiToken.new_raw() for _ in users]
    expires = timezone.now() + dt.timedelta(days=1)
    ApiToken.objects.bulk_create(
        ApiToken(
            user=u, name="crash", digest=ApiToken.digest_of(r), hint=r[:10], expires_at=expires
        )
        for u, r in zip(users, raws, strict=True)
    )
    _campaign()
    return raws


def checkin_facts() -> dict:
    """Check-ins, people and alerts as the database holds them after the stream."""
    from bastion.alerts.models import Alert, AlertState
    from bastion.checkins.models import CheckIn, CheckInRevision
    from bastion.lib.days import business_day
    from bastion.org.models import Person

    checkins = list(
        CheckIn.objects.values_list("client_id", "uid", "person__number", "day", "status")
    )
    live = Counter(
        Alert.objects.exclude(state=AlertState.CLOSED).values_list("person__number", "kind")
    )
    live_per_person: dict[str, int] = defaultdict(int)
    for (number, _kind), n in live.items():
        live_per_person[number] += n
    return {
        "today": business_day().isoformat(),
        "checkins": [
            {"client_id": c, "uid": str(u), "person": p, "day": d.isoformat(), "status": s}
            for c, u, p, d, s in checkins
        ],
        "revisions": CheckInRevision.objects.count(),
        "people": {
            number: {"last": last.isoformat() if last else None, "health": health}
            for number, last, health in Person.objects.values_list(
                "number", "last_checkin_day", "health_status"
            )
        },
        "live_alerts": dict(live_per_person),
        "duplicate_alerts": sum(1 for n in live.values() if n > 1),
    }


def reminder_world(people: int) -> int:
    """`people` students with email addresses and no check-in, a campaign reminding at 00:00,
    and the daily cycle's tick queued for the worker: it will remind every one of them."""
    from bastion.alerts.tasks import daily_cycle_tick
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import unit_add

    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    klass = unit_add(parent=university, code="C-1", name="1班", kind=UnitKind.CLASS)
    Person.objects.bulk_create(
        Person(
            number=f"S{i:05d}",
            name=f"学生{i}",
            kind=PersonKind.STUDENT,
            unit=klass,
            email=f"s{i:05d}@example.edu.cn",
        )
        for i in range(people)
    )
    _campaign(reminder_times=["00:00"])
    daily_cycle_tick()  # queued, not run: the worker runs it
    return people


def queue_flush() -> None:
    """Empty this worker's queue (a Redis queue outlives the test)."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.flush_all()


def away_world() -> dict:
    """One student with a bearer token and a logged-in session, and the campaign."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from bastion.accounts.models import User
    from bastion.accounts.services import token_issue
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import unit_add

    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    klass = unit_add(parent=university, code="C-1", name="1班", kind=UnitKind.CLASS)
    person = Person.objects.create(
        number="S00001", name="李明", kind=PersonKind.STUDENT, unit=klass, home_region="110108"
    )
    user = User(username=person.number, person=person, must_change_password=False)
    user.set_unusable_password()
    user.save()
    _agreed([user])
    user.refresh_from_db()
    _token, raw = token_issue(user=user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    _campaign()
    return {"token": raw, "session": session.session_key}


def backup_world() -> dict:
    """The suite's named university, with a day of check-ins (a fever among them), its
    alerts, the outbox, tokens and a session: rows in most tables a backup must carry."""
    from bastion.accounts.models import User
    from bastion.accounts.services import token_issue
    from bastion.checkins.services import checkin_submit
    from bastion.conftest import build_world
    from bastion.org.models import Person

    world = build_world()
    campaign = _campaign()
    for person in Person.objects.all():
        person.email = f"{person.number}@example.edu.cn"
        person.save(update_fields=["email"])
    _agreed(User.objects.all())
    for k, person in enumerate([world.student, world.grid_worker, world.other_student]):
        user = User.objects.get(person=person)
        token_issue(user=user)
        checkin_submit(
            actor=user,
            person=person,
            campaign=campaign,
            temperature="38.2" if k == 0 else "36.5",
            location="110108",
            on_campus=True,
            client_id=f"backup-{k}",
        )
    return {"people": Person.objects.count()}


def person_add(number: str) -> int:
    """A new person in the first unit: the restored database takes new rows (its ids go on)."""
    from bastion.org.models import Person, PersonKind, Unit

    person = Person.objects.create(
        number=number, name="新人", kind=PersonKind.STUDENT, unit=Unit.objects.first()
    )
    return person.pk
