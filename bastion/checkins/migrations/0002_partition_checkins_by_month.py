"""On PostgreSQL, the check-in history becomes a table partitioned by month of `day`.

A province keeps tens of millions of check-ins a month. Partitioned by month, a query for a
day or a few days reads one partition's indexes (the planner prunes the others), an old
month can be detached and archived whole, and vacuum works a month at a time. SQLite, the
laptop's database, is left exactly as it was; Django's model state does not change either:
this migration only rewrites the table underneath (docs/scale.md).

PostgreSQL asks that every unique index of a partitioned table include the partition key, so
on PostgreSQL:

- the primary key is (id, day): ids still come from one identity sequence, unique in fact;
- the check-in's uid is unique together with its day, (uid, day): uids are random (uuid4);
- one per person and day stays (person, day), as it was;
- a client id once per person becomes (person, client id, day): the check-in service looks a
  client id up across days before it inserts, so a retry still answers its record
  (bastion.checkins.services);
- the foreign keys that point at a check-in (alerts.checkin, checkins.revisions.checkin) lose
  their database constraint: a key must reference a unique column and `id` alone no longer is
  one. Django deletes through its own cascade (in Python), so deleting a check-in still
  deletes its earlier versions and unlinks its alerts; only a DELETE in raw SQL would leave
  them pointing nowhere.

The table gets monthly partitions from its oldest row's month through three months ahead, and a
DEFAULT partition that catches a day no partition covers; bastion.checkins.partitions creates
the next months every day (a periodic task), and moves rows out of DEFAULT when it does.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

TABLE = "checkins_checkin"
FLAT = "checkins_checkin_flat"
AHEAD = 3  # months of partitions ready beyond the current one

# The indexes and constraints of the table as 0001 made them, by name (Django's names are
# the same on every database). Unique ones gain `day` when the table is partitioned.
OUTGOING_KEYS = (
    ("checkins_checkin_campaign_id_a365389e_fk_campaigns_campaign_id", "campaign_id",
     "campaigns_campaign"),
    ("checkins_checkin_person_id_be19a300_fk_org_person_id", "person_id", "org_person"),
    ("checkins_checkin_submitted_by_id_2c16d143_fk_accounts_user_id", "submitted_by_id",
     "accounts_user"),
)  # fmt: skip
INDEXES = (
    ("checkin_campaign_day", "campaign_id, day"),
    ("checkins_checkin_campaign_id_a365389e", "campaign_id"),
    ("checkins_checkin_person_id_be19a300", "person_id"),
    ("checkins_checkin_submitted_by_id_2c16d143", "submitted_by_id"),
)
INCOMING_KEYS = (
    ("alerts_alert", "alerts_alert_checkin_id_31288271_fk_checkins_checkin_id", "checkin_id"),
    ("checkins_checkinrevision", "checkins_checkinrevi_checkin_id_d2869490_fk_checkins_",
     "checkin_id"),
)  # fmt: skip


def _unique_parts(partitioned: bool) -> list[str]:
    day = ", day" if partitioned else ""
    return [
        f"ALTER TABLE {TABLE} ADD CONSTRAINT checkins_checkin_pkey PRIMARY KEY (id{day})",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT checkins_checkin_uid_key UNIQUE (uid{day})",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT checkin_one_per_person_day UNIQUE (person_id, day)",
        f"CREATE UNIQUE INDEX checkin_client_id_once ON {TABLE} (person_id, client_id{day})"
        " WHERE NOT (client_id = '')",
    ]


def _month(day: dt.date, plus: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + plus
    return dt.date(index // 12, index % 12 + 1, 1)


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Copy the table into a new one, partitioned by month or (backwards) not, with the same
    columns, rows, ids, names of indexes and constraints."""
    if partitioned:
        for table, name, _column in INCOMING_KEYS:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {FLAT}")
    cursor.execute(f"SELECT max(id), min(day), max(day) FROM {FLAT}")
    last_id, first_day, last_day = cursor.fetchone()
    cursor.execute(
        f"CREATE TABLE {TABLE} (LIKE {FLAT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
        " INCLUDING STORAGE)" + (" PARTITION BY RANGE (day)" if partitioned else "")
    )
    if partitioned:
        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        month, end = _month(min(first_day or today, today)), _month(max(last_day or today, today))
        while month <= _month(end, AHEAD):
            cursor.execute(
                # DDL takes no parameters; the bounds are dates made here.
                f"CREATE TABLE {TABLE}_y{month.year}m{month.month:02d} PARTITION OF {TABLE}"
                f" FOR VALUES FROM ('{month}') TO ('{_month(month, 1)}')"
            )
            month = _month(month, 1)
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {FLAT}")  # noqa: S608 (constant names)
    # Its identity sequence, indexes and constraints go with the old table; their names are
    # then free for the new one.
    cursor.execute(f"DROP TABLE {FLAT}")
    cursor.execute(
        f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"
        f" (START WITH {int(last_id or 0) + 1})"
    )
    for sql in _unique_parts(partitioned):
        cursor.execute(sql)
    for name, columns in INDEXES:
        cursor.execute(f"CREATE INDEX {name} ON {TABLE} ({columns})")
    for name, column, target in OUTGOING_KEYS:
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
            f" REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    if not partitioned:
        for table, name, column in INCOMING_KEYS:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column})"
                f" REFERENCES {TABLE} (id) DEFERRABLE INITIALLY DEFERRED"
            )


def partition_by_month(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("checkins", "0001_checkins_and_revisions"),
        # Every foreign key to a check-in exists before its constraint is dropped here.
        ("alerts", "0003_alert_key_area"),
    ]

    operations = [migrations.RunPython(partition_by_month, unpartition)]
