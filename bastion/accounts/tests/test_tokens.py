"""Bearer tokens: hashed at rest, expiring, revocable; `bastion issue_token` prints one."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
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


def test_a_person_sees_their_own_tokens_on_their_page_and_no_one_elses(world, client_as):
    mine, _ = token_issue(user=User.objects.get(person=world.student), name="小程序")
    theirs, _ = token_issue(user=User.objects.get(person=world.counselor), name="门岗平板")
    page = client_as(world.student).get(reverse("tokens")).content.decode()
    assert mine.hint in page and "小程序" in page
    assert theirs.hint not in page and "门岗平板" not in page


def test_a_person_revokes_their_own_token_on_the_page_and_it_stops_at_once(world, client_as):
    token, raw = token_issue(user=User.objects.get(person=world.student))
    client = client_as(world.student)
    assert bearer(raw).get("/api/v1/me").status_code == 200
    response = client.post(reverse("token_revoke", args=[token.uid]))
    assert response.status_code == 302
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert "已撤销" in client.get(reverse("tokens")).content.decode()


def test_another_persons_token_cannot_be_revoked_it_is_missing(world, client_as):
    theirs, raw = token_issue(user=User.objects.get(person=world.counselor))
    response = client_as(world.student).post(reverse("token_revoke", args=[theirs.uid]))
    assert response.status_code == 404
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_the_api_lists_and_revokes_the_callers_own_tokens(world):
    user = User.objects.get(person=world.student)
    device, raw_device = token_issue(user=user, name="gate")
    _app, raw_app = token_issue(user=user, name="app")
    theirs, _ = token_issue(user=User.objects.get(person=world.counselor))
    listed = bearer(raw_app).get("/api/v1/me/tokens").json()
    assert [t["name"] for t in listed] == ["app", "gate"] and all(t["usable"] for t in listed)
    assert "digest" not in listed[0]
    response = bearer(raw_app).post(f"/api/v1/me/tokens/{device.uid}/revoke")
    assert response.status_code == 200 and response.json()["usable"] is False
    assert bearer(raw_device).get("/api/v1/me").status_code == 401
    assert bearer(raw_app).post(f"/api/v1/me/tokens/{theirs.uid}/revoke").status_code == 404
    assert bearer(raw_app).post("/api/v1/me/tokens/not-a-uid/revoke").status_code == 404


def test_revoke_token_lists_revokes_one_or_all_of_an_accounts_tokens(world):
    user = User.objects.get(person=world.student)
    first, raw_first = token_issue(user=user, name="phone")
    _second, raw_second = token_issue(user=user, name="tablet")
    out = io.StringIO()
    call_command("revoke_token", "2020001", stdout=out)
    assert str(first.uid) in out.getvalue() and "in force until" in out.getvalue()
    call_command("revoke_token", "2020001", "--uid", str(first.uid), stdout=io.StringIO())
    assert bearer(raw_first).get("/api/v1/me").status_code == 401
    assert bearer(raw_second).get("/api/v1/me").status_code == 200
    call_command("revoke_token", "2020001", "--all", stdout=io.StringIO())
    assert bearer(raw_second).get("/api/v1/me").status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_token", "T2001", "--uid", str(first.uid), stdout=io.StringIO())


def test_an_expired_token_shows_as_expired_with_nothing_to_revoke(world, client_as):
    token, _ = token_issue(user=User.objects.get(person=world.student), days=0)
    page = client_as(world.student).get(reverse("tokens")).content.decode()
    assert "已过期" in page and reverse("token_revoke", args=[token.uid]) not in page
