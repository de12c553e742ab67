"""Fuzzing the API: schemathesis draws requests from the OpenAPI document of /api/v1/ and
sends them to the application in process; no answer may be a server error, and every answer
must be one the document declares (its status code, its content type, its body's schema).

A bounded, derandomized number of examples per operation keeps the run short and the same on
every machine. The callers are a member of the leading group (who reaches everyone) and a
student (who reaches only himself), with bearer tokens; half the drawn requests name real
objects of the world (a unit's code, a person's number, an alert's or a case's uid), so the
handlers get past "not found".
"""

import datetime as dt

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.services import token_issue
from bastion.alerts.models import Alert
from bastion.api import api
from bastion.campaigns.services import campaign_create_from_preset
from bastion.checkins.selectors import active_campaign_forget
from bastion.conftest import FIGURES, SINCE, agree_to_privacy_notice, build_world
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.tracing.models import Case, Isolation

EXAMPLES = 25  # per operation
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
APP = WSGIHandler()


@pytest.fixture(scope="module")
def callers(django_db_setup, django_db_blocker):
    """The world, a leading-group member, a few real objects; rolled back after the module."""
    # Django closes the database connection at the end of each request it serves, and the
    # module's transaction lives on it: its test client holds the closing back while it asks,
    # and so does this module, which asks through the WSGI handler itself.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            active_campaign_forget()
            w = build_world()
            campaign = campaign_create_from_preset(preset="covid19", starts_on=SINCE)
            leader = Person.objects.create(
                number="T9002", name="高峰", kind=PersonKind.STAFF, unit=w.university
            )
            agree_to_privacy_notice(User.objects.create_user(username=leader.number, person=leader))
            position_assign(
                person=leader, role=Role.LEADING_GROUP, over=w.university, starts_on=SINCE
            )
            now = timezone.now()
            alert = Alert.objects.create(
                campaign=campaign,
                person=w.student,
                kind="fever",
                severity="red",
                summary="体温37.8℃",
                day=now.date(),
                raised_at=now,
            )
            case = Case.objects.create(
                campaign=campaign,
                person=w.other_student,
                discovered_at=now,
                reported_at=now,
                status_changed_at=now,
            )
            isolation = Isolation.objects.create(
                campaign=campaign,
                person=w.staff,
                state="active",
                reason="密切接触者",
                proposed_at=now,
                starts_on=now.date(),
                planned_end_on=now.date() + dt.timedelta(days=14),
            )
            tokens = [
                token_issue(user=User.objects.get(person=p), name="fuzz")[1]
                for p in (leader, w.student)
            ]
            yield {
                "tokens": tokens,
                "uid": [str(o.uid) for o in (alert, case, isolation)],
                "code": ["MED", "MED-C1", "CS-C1"],
                "number": [w.student.number, w.other_student.number, w.staff.number],
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            active_campaign_forget()
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_the_api_answers_as_documented_and_never_fails(operation, callers, pytestconfig):
    figures = pytestconfig.stash.setdefault(FIGURES, {})
    tried = figures.setdefault("api fuzz", {"operations": 0, "examples": 0})

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(),
        token=st.sampled_from(callers["tokens"]),
        real=st.booleans(),
        picks=st.fixed_dictionaries(
            {k: st.sampled_from(v) for k, v in callers.items() if k != "tokens"}
        ),
    )
    def send(case, token, real, picks):
        if real:
            for name in case.path_parameters or {}:
                if name in picks:
                    case.path_parameters[name] = picks[name]
        tried["examples"] += 1
        response = case.call(app=APP, headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=CHECKS)

    send()
    tried["operations"] += 1
