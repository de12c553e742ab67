"""Scratch databases for the operations tests, cloned from the suite's migrated test database.

Migrating a database takes half a minute on this machine; the suite's test database is already
migrated, so each scratch database is a copy of its schema: SQLite's backup API into a file, or
PostgreSQL's CREATE DATABASE … TEMPLATE, named after the configured database so that suites
sharing one PostgreSQL server do not collide. A test that needs PostgreSQL whatever the suite
runs on (`scratch_factory(postgres=True)`) gets, on a SQLite suite, a database of its own on
the local server (BASTION_TEST_POSTGRES_URL), migrated there.
"""

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator

import dj_database_url
import psycopg
import pytest
from django.db import connection, connections

from bastion.conftest import FIGURES
from bastion.ops.testing import Scratch, postgres_url


@pytest.fixture(scope="session")
def migrated_schema(django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    """A SQLite file with the test database's schema, or the PostgreSQL test database's name."""
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            path = tmp_path_factory.mktemp("schema") / "schema.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(path)
            connection.connection.backup(target)
            target.close()
            return str(path)
        return connection.settings_dict["NAME"]


# The PostgreSQL server a SQLite suite's tests use when they need PostgreSQL.
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> dict:
    """Connection settings of the PostgreSQL server for scratch databases: the suite's own,
    or BASTION_TEST_POSTGRES_URL (by default the local server, as user postgres)."""
    if connection.vendor == "postgresql":
        return connection.settings_dict
    return dj_database_url.parse(os.environ.get("BASTION_TEST_POSTGRES_URL") or LOCAL_POSTGRES)


def _admin(settings: dict | None = None, *, timeout: int = 10):
    settings = settings or connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        autocommit=True,
        connect_timeout=timeout,
    )


def postgres_unreachable() -> str:
    """Why no scratch PostgreSQL database can be made ("" when one can)."""
    server = postgres_server()
    try:
        with _admin(server, timeout=3) as admin:
            admin.execute("SELECT 1")
    except psycopg.Error as error:
        where = f"{server.get('HOST') or '127.0.0.1'}:{server.get('PORT') or 5432}"
        return f"no PostgreSQL at {where} ({str(error).strip().splitlines()[0]})"
    return ""


@pytest.fixture
def scratch_factory(
    migrated_schema, django_db_blocker, tmp_path
) -> Iterator[Callable[..., Scratch]]:
    """`scratch_factory(empty=False, postgres=False)`: a new database, migrated (or with no
    table at all); `postgres=True`: on PostgreSQL even when the suite runs on SQLite."""
    made: list[tuple[dict | None, str]] = []  # (PostgreSQL server or None, database)

    def make(*, empty: bool = False, postgres: bool = False) -> Scratch:
        var = tmp_path / f"var{len(made)}"
        (var / "db").mkdir(parents=True)
        if connection.vendor == "sqlite" and not postgres:
            path = var / "db" / "bastion.sqlite3"
            if not empty:
                source = sqlite3.connect(migrated_schema)
                target = sqlite3.connect(path)
                source.backup(target)
                source.close()
                target.close()
            made.append((None, str(path)))
            return Scratch(url=f"sqlite:///{path}", var=var)
        server = postgres_server()
        # The suite's database name (before pytest-django's test_ prefix), then a purpose.
        base = server["NAME"].removeprefix("test_") if connection.vendor != "sqlite" else "bastion"
        name = f"{base}_ops_{uuid.uuid4().hex[:8]}"
        # A SQLite suite has no migrated PostgreSQL database to copy: this one is migrated.
        copy = not empty and connection.vendor == "postgresql"
        template = f' TEMPLATE "{migrated_schema}"' if copy else ""
        if copy:
            with django_db_blocker.unblock():
                connections.close_all()  # a template must have no session on it
        for attempt in range(20):
            try:
                with _admin(server) as admin:
                    admin.execute(f'CREATE DATABASE "{name}"{template}')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                if attempt >= 4:
                    # An idle connection some finished test's thread left open on it.
                    with _admin(server) as admin:
                        admin.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = %s AND pid <> pg_backend_pid()",
                            [migrated_schema],
                        )
                time.sleep(0.25)
        made.append((server, name))
        scratch = Scratch(url=postgres_url(server, name), var=var)
        if not empty and not copy:
            done = scratch.bastion("migrate", "--noinput", "-v0")
            if done.returncode != 0:
                raise RuntimeError(f"migrating {name} failed:\n{done.stdout}\n{done.stderr}")
        return scratch

    yield make
    for server, name in made:
        if server is None:
            continue
        with _admin(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch(scratch_factory) -> Scratch:
    return scratch_factory()


@pytest.fixture
def report(pytestconfig) -> Callable[[str, dict], None]:
    """`report(title, {what: n})`: figures printed now (-s) and in the run's summary."""

    def say(title: str, counts: dict) -> None:
        pytestconfig.stash.setdefault(FIGURES, {})[title] = counts
        print(f"\n{title}: " + ", ".join(f"{what} {n}" for what, n in counts.items()))

    return say
