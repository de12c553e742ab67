"""handler500 tells the database away (503) from every other error (500, as before).

The whole path, with a real server and a database that really goes away, is in
test_database_away.py; here only the decision, called as Django calls it: while the
exception is being handled."""

import json

from django.db import InterfaceError, OperationalError

from bastion.ops.unavailable import server_error


def _answer(rf, path: str, exc: Exception):
    try:
        raise exc
    except Exception:
        return server_error(rf.get(path))


def test_a_lost_connection_is_503_with_the_page_that_needs_no_database(rf):
    response = _answer(rf, "/dashboard/", OperationalError("connection refused"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert page.index('lang="zh-hans"', page.index("<main")) < page.index('lang="en"')


def test_a_closed_connection_under_the_api_is_503_json(rf):
    response = _answer(rf, "/api/v1/checkins", InterfaceError("connection already closed"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert json.loads(response.content)["detail"]


def test_any_other_error_is_still_a_500(rf):
    assert _answer(rf, "/dashboard/", ValueError("a bug")).status_code == 500
