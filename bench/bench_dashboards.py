"""The top-of-tree dashboard and the list of who has not checked in, among 50,000 people.

Setup (untimed) builds the demo university of 50,000 people and 60 days of history without
check-in rows (the dashboards never read them): per-unit daily counts, alerts, daily reports
and today's hot facts. The figures are medians of repeated requests, in milliseconds.
"""

from bench import Benchmark, median_ms

PEOPLE = 50_000
DAYS = 60
REQUESTS = 30


def _university() -> None:
    from bastion.demo.builder import demo_build
    from bastion.demo.history import history_build

    demo_build(people=PEOPLE, seed=2020)
    history_build(days=DAYS, seed=2020, checkins=False)


def _median_ms(func, n: int = REQUESTS) -> float:
    return median_ms(func, n, warm=3)


def _dashboard_setup():
    from django.test import Client

    from bastion.accounts.models import User
    from bastion.accounts.roles import Role
    from bastion.org.models import Position
    from bastion.privacy.notice import notice_version

    _university()
    leader = Position.objects.filter(role=Role.LEADING_GROUP).values_list("person", flat=True)[0]
    client = Client()
    user = User.objects.get(person_id=leader)
    user.privacy_notice_version = notice_version()  # agreed to the privacy notice
    user.save(update_fields=["privacy_notice_version"])
    client.force_login(user)

    def request() -> None:
        answer = client.get("/dashboard/")
        assert answer.status_code == 200, answer.status_code

    return lambda: _median_ms(request)


def _missing_setup():
    from bastion.accounts.scoping import EVERYTHING
    from bastion.campaigns.selectors import active_campaign
    from bastion.dashboards.selectors import not_checked_in
    from bastion.lib.days import business_day
    from bastion.org.models import Unit
    from bastion.org.selectors import page_of

    _university()
    campaign = active_campaign()
    root = Unit.objects.get(depth=1)

    def find() -> None:
        people = not_checked_in(scope=EVERYTHING, campaign=campaign, unit=root, day=business_day())
        page = page_of(people, page=1)
        assert page.paginator.count > 0
        list(page.object_list)

    return lambda: _median_ms(find)


BENCHMARKS = [
    Benchmark(
        name="top-of-tree dashboard, 50,000 people, 60 days, median ms",
        goal=100,
        unit="ms",
        setup=_dashboard_setup,
        repeat=1,
    ),
    Benchmark(
        name="non-checked-in list among 50,000 (count + first page), median ms",
        goal=200,
        unit="ms",
        setup=_missing_setup,
        repeat=1,
    ),
]
