"""The check-in history's monthly partitions on PostgreSQL: made ahead, and out of DEFAULT.

Migration 0002 partitions `checkins_checkin` by month of `day` on PostgreSQL (docs/scale.md).
Every day a periodic task (tasks.py) makes sure this month and the next AHEAD months have their
partitions; the demo does it for the months of the history it writes. A row of a month with
no partition lands in the DEFAULT partition, a safety net; when its month's partition is made
the rows move into it. On SQLite there are no partitions and every function here does nothing.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from bastion.checkins.models import CheckIn
from bastion.lib.days import business_day

AHEAD = 3  # months of partitions ready beyond the current one
_BOUNDS = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\) TO \('(\d{4}-\d{2}-\d{2})'\)")


@dataclass(frozen=True)
class Partition:
    name: str
    first: dt.date | None  # None: the DEFAULT partition
    end: dt.date | None  # the first day after it


def month_of(day: dt.date, plus: int = 0) -> dt.date:
    """The first day of `day`'s month, `plus` months later."""
    index = day.year * 12 + day.month - 1 + plus
    return dt.date(index // 12, index % 12 + 1, 1)


def _table() -> str:
    return CheckIn._meta.db_table


def checkins_partitioned() -> bool:
    """Is the check-in table partitioned here (PostgreSQL, migrated)?"""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
            [_table()],
        )
        return cursor.fetchone()[0]


def checkin_partitions() -> list[Partition]:
    """The table's partitions, months in order, DEFAULT last; none where not partitioned."""
    if not checkins_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [_table()],
        )
        found = cursor.fetchall()
    out = []
    for name, bound in found:
        match = _BOUNDS.search(bound)
        if match is None:
            out.append(Partition(name, None, None))
        else:
            first, end = (dt.date.fromisoformat(d) for d in match.groups())
            out.append(Partition(name, first, end))
    return sorted(out, key=lambda p: (p.first is None, p.first or dt.date.min))


def checkin_partitions_ensure(
    *, first: dt.date | None = None, last: dt.date | None = None, ahead: int = AHEAD
) -> list[str]:
    """Make the monthly partitions from `first`'s month through `ahead` months past `last`'s
    (both default to today), and those of months whose rows wait in DEFAULT; the names made.
    """
    if not checkins_partitioned():
        return []
    today = business_day()
    month, end = month_of(first or today), month_of(last or today, ahead)
    wanted = set()
    while month <= end:
        wanted.add(month)
        month = month_of(month, 1)
    default = _default_name()
    qn = connection.ops.quote_name
    made = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One maker at a time (two workers, a demo beside a worker): the second waits,
            # then finds the months made.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_table()])
            if default is not None:
                cursor.execute(
                    f"SELECT DISTINCT date_trunc('month', day)::date FROM {qn(default)}"  # noqa: S608
                )
                wanted |= {row[0] for row in cursor.fetchall()}
        have = {p.first for p in checkin_partitions() if p.first is not None}
        for month in sorted(wanted - have):
            made.append(_make(month, default))
    return made


def _default_name() -> str | None:
    return next((p.name for p in checkin_partitions() if p.first is None), None)


def _make(month: dt.date, default: str | None) -> str:
    """The partition of one month; its rows, if some wait in DEFAULT, moved into it."""
    qn = connection.ops.quote_name
    table, end = _table(), month_of(month, 1)
    name = f"{table}_y{month.year}m{month.month:02d}"
    # DDL takes no parameters: the bounds are dates made here, the names the model's.
    bounds = f"FROM ('{month.isoformat()}') TO ('{end.isoformat()}')"
    with connection.cursor() as cursor:
        waiting = False
        if default is not None:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {qn(default)} WHERE day >= %s AND day < %s)",  # noqa: S608
                [month, end],
            )
            waiting = cursor.fetchone()[0]
        if not waiting:
            cursor.execute(f"CREATE TABLE {qn(name)} PARTITION OF {qn(table)} FOR VALUES {bounds}")
            return name
        # A new partition may not overlap rows in DEFAULT: move them into a table of the same
        # shape, then attach it (its indexes are made as it joins).
        cursor.execute(
            f"CREATE TABLE {qn(name)} (LIKE {qn(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {qn(default)} WHERE day >= %s AND day < %s"  # noqa: S608
            f" RETURNING *) INSERT INTO {qn(name)} SELECT * FROM moved",
            [month, end],
        )
        cursor.execute(f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} FOR VALUES {bounds}")
    return name


@contextmanager
def checkins_bulk_load(*, first: dt.date, last: dt.date) -> Iterator[Callable[[dt.date], str]]:
    """For writing many check-ins of the days `first` to `last`: gives the table each day's
    rows go into (COPY or INSERT them there).

    On PostgreSQL a month of the range whose partition holds no rows yet is swapped for a bare
    table of the same columns without indexes, and attached back when the block ends: its
    eight indexes are then built in one sorted pass each (for 1.4 million rows 9 s instead
    of 22 s kept up to date row by row, more as the indexes outgrow memory), the unique ones
    checked all the same. Elsewhere, and for a month
    that has rows, the rows go into the check-in table itself. Use it inside a transaction,
    with nothing else writing check-ins of those days (the demo's fresh database): the months
    being loaded are not part of the table until the block ends.
    """
    table = _table()
    if not checkins_partitioned():
        yield lambda day: table
        return
    checkin_partitions_ensure(first=first, last=last)
    qn = connection.ops.quote_name
    bare: dict[dt.date, Partition] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        for part in checkin_partitions():
            if part.first is None or part.end <= first or part.first > last:
                continue
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qn(part.name)})")  # noqa: S608
            if cursor.fetchone()[0]:
                continue
            cursor.execute(f"DROP TABLE {qn(part.name)}")
            # The CHECK proves the partition's bounds: attaching it then skips a full scan.
            cursor.execute(
                f"CREATE TABLE {qn(part.name)} (LIKE {qn(table)} INCLUDING DEFAULTS"
                f" INCLUDING CONSTRAINTS, CONSTRAINT {qn(part.name + '_loading')}"
                f" CHECK (day >= '{part.first.isoformat()}' AND day < '{part.end.isoformat()}'))"
            )
            # Rows copied straight into it take their ids from the table's own sequence.
            cursor.execute(
                f"ALTER TABLE {qn(part.name)} ALTER COLUMN id"
                f" SET DEFAULT nextval('{sequence}'::regclass)"
            )
            bare[part.first] = part
    names = {month: part.name for month, part in bare.items()}
    yield lambda day: names.get(month_of(day), table)
    with connection.cursor() as cursor:
        # Sorting for the index builds: more memory, fewer passes over temporary files.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for part in bare.values():
            cursor.execute(f"ALTER TABLE {qn(part.name)} ALTER COLUMN id DROP DEFAULT")
            cursor.execute(
                f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(part.name)}"
                f" FOR VALUES FROM ('{part.first.isoformat()}') TO ('{part.end.isoformat()}')"
            )
            cursor.execute(
                f"ALTER TABLE {qn(part.name)} DROP CONSTRAINT {qn(part.name + '_loading')}"
            )
