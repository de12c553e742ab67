"""`bastion backup` and `bastion restore`: a backup restored into an empty database holds every
record of the original, row for row; a restore over data is refused without --force.

The commands run as an operator runs them, as processes against databases of the test's own:
SQLite files, or PostgreSQL databases (pg_dump and pg_restore).
"""

import pytest
from django.db import connection

from bastion.ops.testing import table_digests

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_backup_restored_into_an_empty_database_holds_every_record(
    scratch_factory, tmp_path, report
):
    original = scratch_factory()
    original.call("bastion.ops.tests.worlds:backup_world")
    path = tmp_path / ("bastion.sqlite3" if connection.vendor == "sqlite" else "bastion.dump")

    backup = original.bastion("backup", str(path))
    assert backup.returncode == 0, backup.stderr
    assert str(path) in backup.stdout
    before = table_digests(original.url)

    empty = scratch_factory(empty=True)
    assert table_digests(empty.url) == {}  # not a single table
    restore = empty.bastion("restore", str(path))
    assert restore.returncode == 0, restore.stderr
    after = table_digests(empty.url)

    assert after == before  # every table: the same rows, the same content
    assert before["org_person"][0] > 10 and before["checkins_checkin"][0] == 3
    # What the commands printed is what was written: each table with rows, and the totals.
    rows = sum(n for n, _digest in before.values())
    assert f"{rows:,}" in backup.stdout and f"{rows:,}" in restore.stdout
    assert "org_person" in backup.stdout
    report(
        f"backup and restore ({connection.vendor})",
        {
            "tables": len(before),
            "tables with rows": sum(1 for n, _digest in before.values() if n),
            "rows": rows,
            "bytes": path.stat().st_size,
            "tables differing after restore": sum(
                1 for table in before if after.get(table) != before[table]
            ),
        },
    )

    # The restored database takes new rows (its ids go on past the restored ones) — and now
    # holds data, so restoring over it again needs --force, which puts the backup back whole.
    assert empty.call("bastion.ops.tests.worlds:person_add", "N0001") > 0
    added = table_digests(empty.url)
    refused = empty.bastion("restore", str(path))
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    assert table_digests(empty.url) == added  # nothing touched
    forced = empty.bastion("restore", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert table_digests(empty.url) == before  # the person added since is gone


def test_a_restore_refuses_a_file_that_is_no_backup(scratch_factory, tmp_path):
    empty = scratch_factory(empty=True)
    path = tmp_path / "roster.csv"
    path.write_text("学号,姓名\n2020001,李明\n")
    refused = empty.bastion("restore", str(path))
    assert refused.returncode != 0
    assert str(path) in refused.stderr
    assert table_digests(empty.url) == {}
