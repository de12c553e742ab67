"""The named world the whole suite shares: a small university and the people who run it.

示范大学 (U)
├── 医学院 MED (led by 医学院党委)            college leader 周伟
│   │                                       (孙丽 is secretary of the 临床医学系 branch)
│   ├── 临床医学系 MED-CLI
│   │   └── 临床2020级1班 MED-C1            counselor 陈静; grid 一号楼3层 (grid worker 刘洋)
│   └── 病原生物学实验室 MED-LAB             lab head 冯涛; staff 赵强
├── 计算机学院 CS (led by 计算机学院党委)
│   └── 计算机2020级1班 CS-C1                student 王芳
├── 党委组织部 ORG                           Organization Department officer 吴敏
├── 学生工作部 SA                            Student Affairs officer 郑华
├── 学校办公室 UO                            University Office officer 钱进
└── 校医院 HOSP
Students 李明 (member of the 临床医学系学生党支部) and 刘洋 live in MED-C1.
"""

import datetime as dt
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.org.models import (
    Grid,
    PartyOrgKind,
    Person,
    PersonKind,
    PoliticalStatus,
    UnitKind,
)
from bastion.org.services import grid_add, party_org_add, position_assign, unit_add

PASSWORD = "Bastion-2020!"
SINCE = dt.date(2020, 1, 20)
# Figures a test reports at the end of the run (`config.stash[FIGURES][title] = {what: n}`):
# the permission matrix's URLs × roles, the API fuzzing's examples.
FIGURES = pytest.StashKey[dict]()


def agree_to_privacy_notice(user: User) -> None:
    """The account has agreed to the current privacy notice, as at its first login (tests of
    other things should not each have to read it)."""
    from bastion.privacy.notice import consent_missing
    from bastion.privacy.services import consent_record

    if consent_missing(user):
        consent_record(user=user, agreed=True)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.committee = party_org_add(
        parent=None, code="UC", name="示范大学党委", kind=PartyOrgKind.UNIVERSITY_COMMITTEE
    )
    w.med_committee = party_org_add(
        parent=w.committee, code="MED-PC", name="医学院党委", kind=PartyOrgKind.SECONDARY_COMMITTEE
    )
    w.med_branch = party_org_add(
        parent=w.med_committee, code="MED-B1", name="临床医学系学生党支部", kind=PartyOrgKind.BRANCH
    )
    w.cs_committee = party_org_add(
        parent=w.committee,
        code="CS-PC",
        name="计算机学院党委",
        kind=PartyOrgKind.SECONDARY_COMMITTEE,
    )
    w.cs_branch = party_org_add(
        parent=w.cs_committee, code="CS-B1", name="计算机学生党支部", kind=PartyOrgKind.BRANCH
    )

    w.university = unit_add(
        parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY, party_org=w.committee
    )
    w.med = unit_add(
        parent=w.university,
        code="MED",
        name="医学院",
        kind=UnitKind.COLLEGE,
        party_org=w.med_committee,
    )
    w.med_dept = unit_add(
        parent=w.med,
        code="MED-CLI",
        name="临床医学系",
        kind=UnitKind.DEPARTMENT,
        party_org=w.med_branch,
    )
    w.med_class = unit_add(
        parent=w.med_dept, code="MED-C1", name="临床2020级1班", kind=UnitKind.CLASS
    )
    w.med_lab = unit_add(parent=w.med, code="MED-LAB", name="病原生物学实验室", kind=UnitKind.LAB)
    w.cs = unit_add(
        parent=w.university,
        code="CS",
        name="计算机学院",
        kind=UnitKind.COLLEGE,
        party_org=w.cs_committee,
    )
    w.cs_class = unit_add(
        parent=w.cs,
        code="CS-C1",
        name="计算机2020级1班",
        kind=UnitKind.CLASS,
        party_org=w.cs_branch,
    )
    w.org_dept = unit_add(parent=w.university, code="ORG", name="党委组织部", kind=UnitKind.OFFICE)
    w.student_affairs_office = unit_add(
        parent=w.university, code="SA", name="学生工作部", kind=UnitKind.OFFICE
    )
    w.university_office = unit_add(
        parent=w.university, code="UO", name="学校办公室", kind=UnitKind.OFFICE
    )
    w.hospital = unit_add(parent=w.university, code="HOSP", name="校医院", kind=UnitKind.HOSPITAL)
    w.floor = grid_add(unit=w.med_class, name="一号楼3层", kind=Grid.Kind.DORMITORY_FLOOR)

    def person(number, name, kind, unit, **extra) -> Person:
        p = Person.objects.create(number=number, name=name, kind=kind, unit=unit, **extra)
        user = User(username=number, person=p, must_change_password=False)
        user.set_password(PASSWORD)
        user.save()
        agree_to_privacy_notice(user)
        return p

    S, T = PersonKind.STUDENT, PersonKind.STAFF
    w.student = person(
        "2020001",
        "李明",
        S,
        w.med_class,
        grid=w.floor,
        gender="M",
        political_status=PoliticalStatus.PROBATIONARY,
        party_branch=w.med_branch,
        phone="13800000001",
        id_number="11010519491231002X",
        dormitory="一号楼301",
        home_region="420102",
    )
    w.grid_worker = person(
        "2020002",
        "刘洋",
        S,
        w.med_class,
        grid=w.floor,
        gender="M",
        political_status=PoliticalStatus.MEMBER,
        party_branch=w.med_branch,
        phone="13800000002",
        dormitory="一号楼302",
        home_region="110108",
    )
    w.other_student = person(
        "2020101",
        "王芳",
        S,
        w.cs_class,
        gender="F",
        political_status=PoliticalStatus.ACTIVIST,
        party_branch=w.cs_branch,
        phone="13800000003",
        home_region="350503",
    )
    w.staff = person("T1001", "赵强", T, w.med_lab, gender="M", phone="13900000001")
    w.counselor = person(
        "T2001",
        "陈静",
        T,
        w.med,
        gender="F",
        political_status=PoliticalStatus.MEMBER,
        party_branch=w.med_branch,
        phone="13900000002",
    )
    w.secretary = person(
        "T2002",
        "孙丽",
        T,
        w.med_dept,
        gender="F",
        political_status=PoliticalStatus.MEMBER,
        party_branch=w.med_branch,
    )
    w.college_leader = person(
        "T3001", "周伟", T, w.med, gender="M", political_status=PoliticalStatus.MEMBER
    )
    w.lab_head = person("T7001", "冯涛", T, w.med_lab, gender="M")
    w.org_officer = person(
        "T4001", "吴敏", T, w.org_dept, gender="F", political_status=PoliticalStatus.MEMBER
    )
    w.student_affairs = person("T5001", "郑华", T, w.student_affairs_office, gender="M")
    w.office_officer = person("T6001", "钱进", T, w.university_office, gender="M")

    position_assign(person=w.counselor, role=Role.COUNSELOR, over=w.med_class, starts_on=SINCE)
    position_assign(person=w.grid_worker, role=Role.GRID_WORKER, over=w.floor, starts_on=SINCE)
    position_assign(
        person=w.secretary, role=Role.PARTY_SECRETARY, over=w.med_branch, starts_on=SINCE
    )
    position_assign(person=w.college_leader, role=Role.COLLEGE_LEADER, over=w.med, starts_on=SINCE)
    position_assign(person=w.lab_head, role=Role.LAB_HEAD, over=w.med_lab, starts_on=SINCE)
    position_assign(
        person=w.org_officer, role=Role.ORG_DEPARTMENT, over=w.university, starts_on=SINCE
    )
    position_assign(
        person=w.student_affairs, role=Role.STUDENT_AFFAIRS, over=w.university, starts_on=SINCE
    )
    position_assign(
        person=w.office_officer, role=Role.UNIVERSITY_OFFICE, over=w.university, starts_on=SINCE
    )
    return w


def pytest_terminal_summary(terminalreporter, config) -> None:
    figures = config.stash.get(FIGURES, {})
    if figures:
        terminalreporter.section("figures")
        for title, counts in figures.items():
            said = ", ".join(f"{what} {n}" for what, n in counts.items())
            terminalreporter.write_line(f"{title}: {said}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's cost is for attackers, not for a suite that logs in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> SimpleNamespace:
    return build_world()


@pytest.fixture
def client_as(world):
    """`client_as(world.counselor)`: a test client logged in as that person."""

    def make(person: Person) -> Client:
        client = Client()
        user = User.objects.get(person=person)
        agree_to_privacy_notice(user)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def bearer(world):
    """`bearer(world.student)`: a test client sending that person's API token."""
    from bastion.accounts.services import token_issue

    def make(person: Person) -> Client:
        user = User.objects.get(person=person)
        agree_to_privacy_notice(user)
        _token, raw = token_issue(user=user)
        return Client(headers={"authorization": f"Bearer {raw}"})

    return make


@pytest.fixture(autouse=True)
def _tasks_run_at_once():
    """Huey runs each task in the caller, in memory: tests see its effects at once."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture
def campaign(world):
    """The COVID-19 campaign of 2020, active: fever at 37.3 °C, Hubei a key area."""
    from bastion.campaigns.services import campaign_create_from_preset

    return campaign_create_from_preset(preset="covid19", starts_on=SINCE)


CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, as root, on a closed network: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(transactional_db, live_server, monkeypatch):
    """Debian's Chromium driven by Playwright; skipped with a clear line where there is none."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium not found at /usr/bin/chromium: browser test skipped "
            "(apt-get install -y chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; the ORM must be told it is safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        violations = _csp_violations(chromium)
        try:
            yield chromium
        finally:
            chromium.close()
        assert violations == [], "Content-Security-Policy violations (see docs/security.md)"


def _csp_violations(chromium) -> list[str]:
    """What any page of this browser reports on its console as refused by the
    Content-Security-Policy: an inline script or style, a style attribute, a foreign host."""
    seen: list[str] = []

    def watch(target):
        target.on(
            "console",
            lambda message: (
                seen.append(f"{message.location.get('url')}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return target

    new_context, new_page = chromium.new_context, chromium.new_page
    chromium.new_context = lambda *args, **kwargs: watch(new_context(*args, **kwargs))
    chromium.new_page = lambda *args, **kwargs: watch(new_page(*args, **kwargs))
    return seen


def log_in(page, base: str, number: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would."""
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", number)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if "/privacy/" in page.url:  # a first login: the privacy notice, agreed to as a person would
        with page.expect_navigation():
            page.click("button[name=decision][value=agree]")


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    """Wait until `expression` is true in the page.

    Playwright's wait_for_function polls with a function it compiles inside the page, which
    the strict CSP (no 'unsafe-eval') refuses in newer Chromium; evaluate() runs through the
    DevTools protocol, which the CSP does not govern, so this polls with it instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {expression}")
        page.wait_for_timeout(50)


@pytest.fixture
def emails(world) -> None:
    """Everyone in the world gets an email address (mail goes only to those who have one)."""
    for person in Person.objects.all():
        person.email = f"{person.number}@example.edu.cn"
        person.save(update_fields=["email"])


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django's mail settings point at."""
    from bastion.notify.testing import LoopbackSMTP

    with LoopbackSMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def webhook_receiver(settings):
    """A real HTTP group robot on loopback that BASTION_WEBHOOK_URL points at (WeCom format)."""
    from bastion.notify.testing import WebhookReceiver

    with WebhookReceiver() as receiver:
        settings.BASTION_WEBHOOK_URL = receiver.url
        settings.BASTION_WEBHOOK_FORMAT = "wecom"
        yield receiver
