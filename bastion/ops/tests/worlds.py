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


def _tokens(users) -> list[str]:
    """A bearer token for each user, in order (bulk: the world has hundreds)."""
    from django.utils import timezone

    from bastion.accounts.models import ApiToken

    raws = [ApiToken.new_raw() for _ in users]
    expires = timezone.now() + dt.timedelta(days=1)
    ApiToken.objects.bulk_create(
        ApiToken(user=u, name="ops", digest=ApiToken.digest_of(r), hint=r[:10], expires_at=expires)
        for u, r in zip(users, raws, strict=True)
    )
    return raws


def many_world(people: int, colleges: int, classes_per_college: int) -> dict:
    """A university of `colleges` colleges of `classes_per_college` classes, each class a
    dormitory floor with its grid worker, each college its leader; `people` students spread
    over the classes; everyone with an email address, the students and leaders with bearer
    tokens. The COVID-19 campaign, open all day (cut-off 23:59, reports due 23:59) and with no
    reminder time yet, so that the time of day the test runs at changes nothing.

    Returns {"students": [[number, token], …], "leaders": {college code: token}}."""
    from bastion.accounts.models import User
    from bastion.accounts.roles import Role
    from bastion.lib.days import business_day
    from bastion.org.models import Grid, Person, PersonKind, UnitKind
    from bastion.org.services import grid_add, position_assign, unit_add

    since = business_day() - dt.timedelta(days=1)
    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    leaders, grids = {}, []
    for c in range(colleges):
        college = unit_add(
            parent=university, code=f"C{c}", name=f"第{c + 1}学院", kind=UnitKind.COLLEGE
        )
        leader = Person.objects.create(
            number=f"L{c}",
            name=f"院领导{c}",
            kind=PersonKind.STAFF,
            unit=college,
            email=f"l{c}@example.edu.cn",
        )
        position_assign(person=leader, role=Role.COLLEGE_LEADER, over=college, starts_on=since)
        leaders[college.code] = leader
        for k in range(classes_per_college):
            klass = unit_add(
                parent=college, code=f"C{c}-{k}", name=f"{c + 1}院{k + 1}班", kind=UnitKind.CLASS
            )
            grid = grid_add(unit=klass, name=f"{c + 1}院{k + 1}层", kind=Grid.Kind.DORMITORY_FLOOR)
            worker = Person.objects.create(
                number=f"G{c}-{k}",
                name=f"网格员{c}-{k}",
                kind=PersonKind.STAFF,
                unit=college,
                email=f"g{c}-{k}@example.edu.cn",
            )
            position_assign(person=worker, role=Role.GRID_WORKER, over=grid, starts_on=since)
            grids.append(grid)
    students = Person.objects.bulk_create(
        Person(
            number=f"S{i:05d}",
            name=f"学生{i}",
            kind=PersonKind.STUDENT,
            unit=grids[i % len(grids)].unit,
            grid=grids[i % len(grids)],
            home_region="110108",
            email=f"s{i:05d}@example.edu.cn",
        )
        for i in range(people)
    )
    users = []
    for person in [*students, *leaders.values()]:
        user = User(username=person.number, person=person, must_change_password=False)
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    _agreed(users)
    tokens = dict(zip([u.username for u in users], _tokens(users), strict=True))
    _campaign(
        checkin_opens=dt.time(0, 0),
        checkin_cutoff=dt.time(23, 59),
        reminder_times=[],
        report_deadlines={"2": "23:59", "1": "23:59"},
    )
    return {
        "students": [[p.number, tokens[p.number]] for p in students],
        "leaders": {code: tokens[leader.number] for code, leader in leaders.items()},
    }


def reminder_time_now() -> str:
    """The campaign reminds at this minute (Shanghai): the next tick of the daily cycle sends."""
    from django.utils import timezone

    from bastion.campaigns.models import Campaign
    from bastion.lib.days import SHANGHAI

    slot = timezone.now().astimezone(SHANGHAI).strftime("%H:%M")
    campaign = Campaign.objects.get(is_active=True)
    campaign.reminder_times = [slot]
    campaign.save(update_fields=["reminder_times"])
    return slot


def many_facts() -> dict:
    """What the database holds after the run, and the same figures recounted from the rows."""
    from django.db.models import Count

    from bastion.alerts.models import Reminder
    from bastion.checkins.models import CheckIn
    from bastion.lib.days import business_day
    from bastion.notify.models import Notification
    from bastion.ops.models import PeriodicRun
    from bastion.org.models import HealthStatus, Person, Unit
    from bastion.reports.models import DailyReport, UnitDayCount

    day = business_day()
    checkins = list(
        CheckIn.objects.filter(day=day).values_list(
            "client_id", "uid", "person__number", "revision", "status"
        )
    )
    counts = {
        f"{unit}/{kind}": {"expected": e, "checked_in": c, "abnormal": a}
        for unit, kind, e, c, a in UnitDayCount.objects.filter(day=day).values_list(
            "unit__code", "kind", "expected", "checked_in", "abnormal"
        )
    }
    recount: dict[str, dict[str, int]] = {}
    people = Person.objects.values("unit__code", "kind").annotate(n=Count("pk"))
    for row in people:
        recount[f"{row['unit__code']}/{row['kind']}"] = {
            "expected": row["n"],
            "checked_in": 0,
            "abnormal": 0,
        }
    for unit, kind, n in (
        CheckIn.objects.filter(day=day)
        .values_list("person__unit__code", "person__kind")
        .annotate(n=Count("pk"))
    ):
        recount[f"{unit}/{kind}"]["checked_in"] = n
    for unit, kind, n in (
        Person.objects.exclude(health_status=HealthStatus.GREEN)
        .values_list("unit__code", "kind")
        .annotate(n=Count("pk"))
    ):
        recount[f"{unit}/{kind}"]["abnormal"] = n
    subtree_checked_in = {
        unit.code: CheckIn.objects.filter(day=day, person__unit__path__startswith=unit.path).count()
        for unit in Unit.objects.all()
    }
    reports = [
        {
            "unit": unit,
            "checked_in": counts_.get("checked_in"),
            "expected": counts_.get("expected"),
            "by": by,
        }
        for unit, counts_, by in DailyReport.objects.filter(day=day).values_list(
            "unit__code", "counts", "submitted_by__number"
        )
    ]
    checked_in = {number for _c, _u, number, _r, _s in checkins}
    return {
        "day": day.isoformat(),
        "checkins": [
            {"client_id": c, "uid": str(u), "person": p, "revision": r, "status": s}
            for c, u, p, r, s in checkins
        ],
        "counts": counts,
        "recount": recount,
        "subtree_checked_in": subtree_checked_in,
        "reports": reports,
        "missing_with_email": sorted(
            Person.objects.exclude(email="")
            .exclude(number__in=checked_in)
            .values_list("number", flat=True)
        ),
        "rounds": list(Reminder.objects.filter(day=day).values_list("slot", "people")),
        "outbox": [
            {"key": k, "uid": str(u), "channel": ch, "to": to, "sent": s is not None, "tries": a}
            for k, u, ch, to, s, a in Notification.objects.values_list(
                "key", "uid", "channel", "recipient__number", "sent_at", "attempts"
            )
        ],
        "periodic_runs": [
            [task, slot.isoformat(), worker]
            for task, slot, worker in PeriodicRun.objects.values_list("task", "slot", "worker")
        ],
    }
