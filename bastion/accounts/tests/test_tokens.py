"""Bearer tokens: hashed at rest, expiring, revocable; `bastion issue_token` prints one."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bastion.accounts.models import ApiToken, User
from bastion.accounts.services import token_issue, token_revoke


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_issue_token_prints_the_token_alone_on_the_last_line(world):
    out = io.StringIO()
    call_command("issue_token", "2020001", stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    assert raw.startswith("bst_") and " " not in raw
    assert bearer(raw).get("/api/v1/me").json()["number"] == "2020001"


def test_only_the_digest_of_a_token_is_stored(world):
    token, raw = token_issue(user=User.objects.get(person=world.student))
    assert raw not in {token.digest, token.hint}
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_an_unknown_number_is_refused(world):
    with pytest.raises(CommandError):
        call_command("issue_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_revoked_or_expired_token_is_refused(world):
    user = User.objects.get(person=world.student)
    revoked, raw_revoked = token_issue(user=user)
    token_revoke(token=revoked)
    expired, raw_expired = token_issue(user=user)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert bearer(raw_revoked).get("/api/v1/me").status_code == 401
    assert bearer(raw_expired).get("/api/v1/me").status_code == 401
    assert bearer("bst_made-up").get("/api/v1/me").status_code == 401


def test_a_token_of_a_deactivated_account_is_refused(world):
    user = User.objects.get(person=world.student)
    _, raw = token_issue(user=user)
    user.is_active = False
    user.save()
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_under_load_a_tokens_last_use_is_written_by_the_batch_not_the_request(
    world, settings, monkeypatch
):
    """The request only notes the use; the next flush writes every noted token at once."""
    from types import SimpleNamespace

    from bastion.accounts import services

    settings.BASTION_COUNTS_COALESCE_SECONDS = 1
    # The flushing thread would hold its own connection: the test flushes by hand instead.
    monkeypatch.setattr(services.TOUCHES, "_thread", SimpleNamespace(is_alive=lambda: True))
    token, raw = token_issue(user=User.objects.get(person=world.student))
    assert services.token_authenticate(raw).person == world.student
    token.refresh_from_db()
    assert token.last_used_at is None
    services.TOUCHES.flush()
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_loads_its_account_and_person_as_the_orm_would(world):
    """One hand-built SELECT: the same instances, aware datetimes, no person when none."""
    from bastion.accounts.services import token_authenticate

    token, raw = token_issue(user=User.objects.get(person=world.student))
    user = token_authenticate(raw)
    assert user == token.user and user.person == world.student
    assert user.person.health_status == world.student.health_status
    assert timezone.is_aware(user.date_joined)
    machine = User.objects.create(username="robot", must_change_password=False)
    _token, raw = token_issue(user=machine)
    assert token_authenticate(raw).person is None
    assert token_authenticate(raw + "x") is None
