"""The SQLite backend queues writers on a file lock: a second writer waits for the first and
goes on the moment it commits or rolls back, instead of sleeping on SQLite's retries."""

import threading
import time

import pytest
from django.db import OperationalError

from bastion.lib.sqlite.base import DatabaseWrapper


def _wrapper(path, timeout=5):
    settings = {
        "ENGINE": "bastion.lib.sqlite",
        "NAME": str(path),
        "OPTIONS": {"timeout": timeout, "transaction_mode": "IMMEDIATE"},
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "TEST": {},
    }
    return DatabaseWrapper(settings, alias=f"lock-test-{threading.get_ident()}")


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A file database of its own, outside the test database (and Django's connections)."""
    with django_db_blocker.unblock():
        yield _table(tmp_path)


def _table(tmp_path):
    path = tmp_path / "lock.sqlite3"
    w = _wrapper(path)
    with w.cursor() as c:
        c.execute("CREATE TABLE t (n INTEGER)")
    w.close()
    return path


def _write(path, n, *, hold=0.0, fail=False, timeout=5, events=None):
    w = _wrapper(path, timeout=timeout)
    try:
        w.ensure_connection()
        w._start_transaction_under_autocommit()
        if events is not None:
            events.append(("begin", n, time.monotonic()))
        with w.cursor() as c:
            c.execute("INSERT INTO t (n) VALUES (%s)", [n])
        time.sleep(hold)
        if fail:
            w.rollback()
        else:
            w.commit()
        if events is not None:
            events.append(("end", n, time.monotonic()))
    finally:
        w.close()


def _rows(path):
    w = _wrapper(path)
    with w.cursor() as c:
        c.execute("SELECT n FROM t ORDER BY n")
        rows = [r[0] for r in c.fetchall()]
    w.close()
    return rows


def test_second_writer_waits_for_the_first_then_writes(database):
    events = []
    first = threading.Thread(
        target=_write, args=(database, 1), kwargs={"hold": 0.3, "events": events}
    )
    first.start()
    time.sleep(0.05)
    _write(database, 2, events=events)
    first.join()
    assert [e[:2] for e in events] == [("begin", 1), ("end", 1), ("begin", 2), ("end", 2)]
    assert _rows(database) == [1, 2]


def test_a_rolled_back_writer_lets_the_next_one_go(database):
    first = threading.Thread(target=_write, args=(database, 1), kwargs={"hold": 0.2, "fail": True})
    first.start()
    time.sleep(0.05)
    _write(database, 2)
    first.join()
    assert _rows(database) == [2]


def test_a_writer_held_too_long_ends_in_database_is_locked(database):
    first = threading.Thread(target=_write, args=(database, 1), kwargs={"hold": 0.6})
    first.start()
    time.sleep(0.05)
    with pytest.raises(OperationalError, match="locked"):
        _write(database, 2, timeout=0.2)
    first.join()
    assert _rows(database) == [1]
