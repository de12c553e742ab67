"""`bastion demo`: builds once, keeps an existing university, and prints the accounts."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bastion.demo.builder import DEMO_PASSWORD
from bastion.demo.models import DemoAccount
from bastion.org.models import Person, Unit


def run(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_it_builds_and_prints_one_account_per_role_with_the_password(db):
    out = run(people=400, seed=3)
    assert Person.objects.count() == 400
    assert out.count(DEMO_PASSWORD) == DemoAccount.objects.count() == 15
    for username in DemoAccount.objects.values_list("username", flat=True):
        assert username in out
    assert "辅导员 Counselor" in out


def test_keep_existing_builds_nothing_and_prints_the_same_accounts(db):
    first = run(people=400, seed=3, keep_existing=True)
    second = run(people=1000, seed=9, keep_existing=True)
    assert Person.objects.count() == 400
    assert Unit.objects.filter(depth=1).count() == 1
    table = first[first.index("角色 Role") :]
    assert second.endswith(table)


def test_without_keep_existing_it_refuses_to_build_over_a_university(db):
    run(people=400, seed=3)
    with pytest.raises(CommandError, match="--keep-existing"):
        run(people=400, seed=3)
    assert Person.objects.count() == 400


def test_keep_existing_over_a_university_it_did_not_build_says_so(world):
    out = run(people=400, seed=3, keep_existing=True)
    assert "no demo accounts" in out or "没有演示账号" in out
    assert not DemoAccount.objects.exists()


def test_it_refuses_a_university_too_small_to_fill_every_role(db):
    with pytest.raises(CommandError):
        run(people=10, seed=3)


def test_its_help_says_how_to_start_over():
    from bastion.demo.management.commands.demo import Command

    text = Command().create_parser("bastion", "demo").format_help()
    assert "--keep-existing" in text and "--people" in text


def test_the_demo_accounts_are_listed_in_the_admin_for_superusers_only(db):
    from django.test import Client

    from bastion.accounts.models import User

    admin_user = User.objects.create_superuser(
        "root", password="x-Bastion-2020", must_change_password=False
    )
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/demo/demoaccount/").status_code == 200
