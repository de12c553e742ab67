"""The signature: each part of the request is covered, and the time is kept within 5 minutes."""

import datetime as dt

import pytest

from bastion.province.signing import SKEW, signature, signature_matches, timestamp_fresh

KEY = "k" * 40
REQUEST = {
    "method": "POST",
    "path": "/api/v1/province/reports",
    "timestamp": "1581300000",
    "body": b'{"day":"2020-02-10"}',
}
NOW = dt.datetime.fromtimestamp(1581300000, tz=dt.UTC)


def test_the_same_request_under_the_same_key_has_the_same_signature():
    assert signature(key=KEY, **REQUEST) == signature(key=KEY, **REQUEST)
    assert signature(key=KEY, **REQUEST).startswith("v1=")
    assert signature_matches(key=KEY, given=signature(key=KEY, **REQUEST), **REQUEST)


@pytest.mark.parametrize(
    "changed",
    [
        {"method": "PUT"},
        {"path": "/api/v1/province/reports/"},
        {"timestamp": "1581300001"},
        {"body": b'{"day":"2020-02-11"}'},
    ],
    ids=["method", "path", "timestamp", "body"],
)
def test_changing_any_part_of_the_request_breaks_the_signature(changed):
    given = signature(key=KEY, **REQUEST)
    assert not signature_matches(key=KEY, given=given, **{**REQUEST, **changed})


def test_another_key_makes_another_signature():
    given = signature(key="o" * 40, **REQUEST)
    assert not signature_matches(key=KEY, given=given, **REQUEST)
    assert not signature_matches(key=KEY, given="", **REQUEST)
    assert not signature_matches(key=KEY, given="v1=签名", **REQUEST)


def test_a_time_within_five_minutes_either_way_is_fresh():
    assert timestamp_fresh("1581300000", now=NOW)
    assert timestamp_fresh(str(int((NOW - SKEW).timestamp())), now=NOW)
    assert timestamp_fresh(str(int((NOW + SKEW).timestamp())), now=NOW)


@pytest.mark.parametrize("timestamp", ["1581299699", "1581300301", "", "昨天", "1e99", "-1"])
def test_a_time_further_off_or_no_time_at_all_is_stale(timestamp):
    assert not timestamp_fresh(timestamp, now=NOW)
