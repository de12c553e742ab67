"""Scratch databases for the operations tests, cloned from the suite's migrated test database.

Migrating a database takes half a minute on this machine; the suite's test database is already
migrated, so each scratch database is a copy of its schema: SQLite's backup API into a file, or
PostgreSQL's CREATE DATABASE … TEMPLATE, named after the configured database so that suites
sharing one PostgreSQL server do not collide.
"""

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator

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


def _admin():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        autocommit=True,
    )


@pytest.fixture
def scratch_factory(
    migrated_schema, django_db_blocker, tmp_path
) -> Iterator[Callable[..., Scratch]]:
    """`scratch_factory(empty=False)`: a new database, migrated (or with no table at all)."""
    made: list[str] = []

    def make(*, empty: bool = False) -> Scratch:
        var = tmp_path / f"var{len(made)}"
        (var / "db").mkdir(parents=True)
        if connection.vendor == "sqlite":
            path = var / "db" / "bastion.sqlite3"
            if not empty:
                source = sqlite3.connect(migrated_schema)
                target = sqlite3.connect(path)
                source.backup(target)
                source.close()
                target.close()
            made.append(str(path))
            return Scratch(url=f"sqlite:///{path}", var=var)
        # The suite's database name (before pytest-django's test_ prefix), then a purpose.
        base = connection.settings_dict["NAME"].removeprefix("test_")
        name = f"{base}_ops_{uuid.uuid4().hex[:8]}"
        template = "" if empty else f' TEMPLATE "{migrated_schema}"'
        with django_db_blocker.unblock():
            connections.close_all()  # a template must have no session on it
        for attempt in range(20):
            try:
                with _admin() as admin:
                    admin.execute(f'CREATE DATABASE "{name}"{template}')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                if attempt >= 4:
                    # An idle connection some finished test's thread left open on it.
                    with _admin() as admin:
                        admin.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = %s AND pid <> pg_backend_pid()",
                            [migrated_schema],
                        )
                time.sleep(0.25)
        made.append(name)
        return Scratch(url=postgres_url(connection.settings_dict, name), var=var)

    yield make
    if connection.vendor == "postgresql":
        with _admin() as admin:
            for name in made:
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
