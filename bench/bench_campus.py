"""Campus: verifying a gate pass (on the server, and offline in the gate page's browser), and
sorting 10,000 return applications by the semester plan's conditions.

Setup (untimed) builds the demo university of 12,000 people with three weeks of check-in
history, a semester plan, and 10,000 pending applications (one in fifty setting out from
Wuhan, in the key area Hubei).
"""

import datetime as dt
import json
import statistics
import time
from pathlib import Path

from bench import Benchmark

PEOPLE = 12_000
APPLICATIONS = 10_000
CHROMIUM = Path("/usr/bin/chromium")
GATE_JS = Path(__file__).resolve().parent.parent / "bastion/campus/static/campus/gate.js"


def _plan(campaign, today):
    from bastion.campus.models import SemesterPlan

    return SemesterPlan.objects.create(
        campaign=campaign,
        vacation_starts_on=today - dt.timedelta(days=40),
        travel_return_on=today - dt.timedelta(days=10),
        semester_starts_on=today,
        daily_capacity=3000,
        college_daily_capacity=500,
    )


def _sort_setup():
    import uuid

    from django.utils import timezone

    from bastion.campaigns.selectors import active_campaign
    from bastion.campus.models import ReturnApplication
    from bastion.campus.returns import applications_sort
    from bastion.demo.builder import demo_build
    from bastion.demo.history import history_build
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind

    demo_build(people=PEOPLE, seed=2020)
    history_build(days=21, seed=2020)
    today = business_day()
    campaign = active_campaign()
    _plan(campaign, today)
    now = timezone.now()
    students = list(
        Person.objects.filter(kind=PersonKind.STUDENT).values_list("pk", flat=True)[:APPLICATIONS]
    )
    ReturnApplication.objects.bulk_create(
        (
            ReturnApplication(
                uid=uuid.uuid4(),
                campaign=campaign,
                person_id=pk,
                planned_on=today + dt.timedelta(days=1 + k % 7),
                origin="420102" if k % 50 == 0 else "110108",
                transport="train",
                sorted_at=now,
                submitted_at=now,
            )
            for k, pk in enumerate(students)
        ),
        batch_size=2000,
    )
    assert ReturnApplication.objects.count() == APPLICATIONS, "too few students in the demo"

    def measure() -> float:
        start = time.perf_counter()
        clear, held = applications_sort(campaign=campaign, now=timezone.now())
        elapsed = time.perf_counter() - start
        assert clear + held == APPLICATIONS and held >= APPLICATIONS // 50, (clear, held)
        return elapsed

    return measure


def _gate_world():
    """A small world: one approved student, a gate keeper; (keeper's user, the student)."""
    from django.utils import timezone

    from bastion.accounts.models import User
    from bastion.accounts.roles import Role
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.campus.models import Stay
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import position_assign, unit_add

    today = business_day()
    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    college = unit_add(parent=university, code="C", name="医学院", kind=UnitKind.COLLEGE)
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(9))
    _plan(campaign, today)
    student = Person.objects.create(
        number="2020001", name="李明", kind=PersonKind.STUDENT, unit=college
    )
    Stay.objects.create(campaign=campaign, person=student, added_at=timezone.now())
    keeper = Person.objects.create(
        number="T8001", name="孙强", kind=PersonKind.STAFF, unit=university
    )
    user = User.objects.create(username=keeper.number, person=keeper)
    position_assign(person=keeper, role=Role.GATE_KEEPER, over=university, starts_on=today)
    return user, student


def _server_setup():
    from django.utils import timezone

    from bastion.campus.gate import gate_check, pass_issue

    user, student = _gate_world()
    codes = [pass_issue(person=student) for _ in range(300)]
    for code in codes[:20]:  # warm: imports, the key, the statements
        gate_check(actor=user, code=code, direction="in", gate="北门")

    def measure() -> float:
        times = []
        for code in codes[20:]:
            start = time.perf_counter()
            answer = gate_check(
                actor=user, code=code, direction="in", gate="北门", now=timezone.now()
            )
            times.append(time.perf_counter() - start)
            assert answer.admitted, answer
        return statistics.median(times) * 1000

    return measure


def _offline_setup():
    from playwright.sync_api import sync_playwright

    from bastion.campus.gate import pass_issue
    from bastion.campus.passes import public_jwk
    from bastion.conftest import CHROMIUM_ARGS

    _user, student = _gate_world()
    codes = [pass_issue(person=student) for _ in range(300)]
    jwk = json.dumps(public_jwk())
    page_html = f"""<!doctype html><meta charset="utf-8">
<section id="gate" data-jwk='{jwk}' data-url="/x"><input id="gate-name"><form id="gate-form">
<input type="radio" name="direction" value="in" checked><input id="gate-code"></form>
<div id="gate-result"></div><div id="gate-verdict"></div><div id="gate-who"></div>
<div id="gate-reason"></div><div id="gate-note"></div><span id="gate-queue"></span></section>"""

    def measure() -> float:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                # Served from this machine, a secure context, as WebCrypto requires.
                page.route(
                    "http://127.0.0.1:9/**",
                    lambda route: route.fulfill(body=page_html, content_type="text/html"),
                )
                page.goto("http://127.0.0.1:9/gate")
                page.add_script_tag(content=GATE_JS.read_text())
                median = page.evaluate(
                    """async (codes) => {
                        const times = [];
                        for (const code of codes) {
                            const start = performance.now();
                            const verdict = await window.bastionGateVerify(code);
                            times.push(performance.now() - start);
                            if (!verdict.ok) throw new Error(verdict.reason);
                        }
                        times.sort((a, b) => a - b);
                        return times.slice(20)[Math.floor((times.length - 20) / 2)];
                    }""",
                    codes,
                )
            finally:
                browser.close()
        return float(median)

    return measure


BENCHMARKS = [
    Benchmark("gate pass verified on the server", goal=5, unit="ms", setup=_server_setup),
    Benchmark("sorting 10,000 return applications", goal=2, unit="s", setup=_sort_setup, repeat=3),
]
if CHROMIUM.exists():
    BENCHMARKS.insert(
        1,
        Benchmark(
            "gate pass verified offline in the gate page",
            goal=5,
            unit="ms",
            setup=_offline_setup,
        ),
    )
