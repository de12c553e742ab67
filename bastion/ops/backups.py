"""Backing up and restoring the database: SQLite's online backup API, PostgreSQL's pg_dump.

Both read one consistent moment of a database that is in use, so a backup may run while the
server and the worker write. A backup is written beside its destination and renamed into place
only once it is whole and checked; its row counts are those of the backup itself (SQLite: read
from the file; PostgreSQL: counted in the very snapshot pg_dump is given). A restore replaces
the configured database as a whole and refuses to do so over data without `force`.
"""

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# Written by `migrate` or by browsing, not data anyone entered: restoring over it is safe.
BOOKKEEPING = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "django_session"}
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for a person."""


@dataclass(frozen=True)
class Written:
    """What a backup wrote or a restore put back: the file, its size, rows per table."""

    path: Path
    size: int
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def default_backup_path(now: dt.datetime | None = None) -> Path:
    """var/backups/bastion-<local time>.sqlite3 (or .dump for PostgreSQL)."""
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
    return Path(settings.VAR_DIR) / "backups" / f"bastion-{stamp}{suffix}"


def database_backup(*, path: Path | None = None) -> Written:
    """Write a backup of the configured database to `path` (default: default_backup_path())."""
    path = Path(path) if path is not None else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            counts = _sqlite_backup(part)
        elif connection.vendor == "postgresql":
            counts = _pg_backup(part)
        else:
            raise BackupError(_("Backups know SQLite and PostgreSQL, not %(vendor)s.") % _vendor())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return Written(path=path, size=path.stat().st_size, counts=counts)


def database_restore(*, path: Path, force: bool = False) -> Written:
    """Replace the configured database with the backup at `path`.

    Refused when the file is not a backup of this kind of database, and, without `force`,
    when the database already holds data. Stop the server and the worker first; afterwards
    run `bastion migrate` if the backup is older than the code.
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(16)
    except OSError as error:
        raise BackupError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
        ) from error
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(_("%(path)s is not a SQLite backup.") % {"path": path})
    elif connection.vendor == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(
                _("%(path)s is not a PostgreSQL backup (pg_dump's custom format).") % {"path": path}
            )
    else:
        raise BackupError(_("Backups know SQLite and PostgreSQL, not %(vendor)s.") % _vendor())
    if not force:
        table = table_with_data()
        if table is not None:
            raise BackupError(
                _(
                    "The database already holds data (table %(table)s has rows): restoring "
                    "would replace all of it. Add --force to replace it."
                )
                % {"table": table}
            )
    if connection.vendor == "sqlite":
        _sqlite_restore(path)
    else:
        _pg_restore(path)
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.introspection.table_names(cursor))
    return Written(path=path, size=path.stat().st_size, counts=counts)


def table_with_data() -> str | None:
    """The first table of the configured database that holds rows beyond bookkeeping."""
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names(cursor)) - BOOKKEEPING):
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                return table
    return None


def _vendor() -> dict[str, str]:
    return {"vendor": connection.vendor}


def _counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


def _sqlite_check(db: sqlite3.Connection, path: Path) -> None:
    (verdict,) = db.execute("PRAGMA quick_check").fetchone()
    if verdict != "ok":
        raise BackupError(
            _("%(path)s is damaged: %(verdict)s") % {"path": path, "verdict": verdict}
        )


def _sqlite_backup(part: Path) -> dict[str, int]:
    """Copy the live database with SQLite's online backup API in one step: one read of one
    consistent moment (writers go on meanwhile: the database is in WAL mode)."""
    connection.ensure_connection()
    target = sqlite3.connect(part)
    try:
        connection.connection.backup(target)
        # One self-contained file, with no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        _sqlite_check(target, part)
        counts = {}
        for table in sorted(_sqlite_tables(target)):
            # The names are the file's own tables, read from sqlite_master just above.
            query = f'SELECT count(*) FROM "{table}"'  # noqa: S608
            counts[table] = target.execute(query).fetchone()[0]
    finally:
        target.close()
    return counts


def _sqlite_restore(path: Path) -> None:
    """Copy the backup into the configured database through the backup API, which replaces
    it page by page under SQLite's own locks (its -wal and -shm stay consistent)."""
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _sqlite_check(source, path)
        if "django_migrations" not in _sqlite_tables(source):
            raise BackupError(_("%(path)s is not a backup of Bastion.") % {"path": path})
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    program = shutil.which(name)
    if program is None:
        raise BackupError(
            _("%(program)s is not installed (Debian: apt-get install postgresql-client).")
            % {"program": name}
        )
    return program


def _pg_env() -> dict[str, str]:
    """The connection of DATABASES["default"] as libpq's environment: no password in argv."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS", {})
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run(command: list[str]) -> str:
    """Run a PostgreSQL client program; its output."""
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": done.stderr.strip()[-2000:]}
        )
    return done.stdout


def _pg_backup(part: Path) -> dict[str, int]:
    """pg_dump in its custom format, reading the snapshot in which the rows are counted."""
    pg_dump = _pg_program("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        counts = _counts(cursor, connection.introspection.table_names(cursor))
        # The snapshot lives as long as this transaction: pg_dump runs inside it.
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={part}"])
    return counts


def _pg_restore(path: Path) -> None:
    """pg_restore into the configured database, all or nothing, owned by its user.

    In the order of a list where the partitions' own indexes and constraints come before
    their parents': --clean drops in the reverse order, and PostgreSQL refuses to drop a
    partition's index while it is attached to its parent's (the check-in history is
    partitioned by month, docs/scale.md).
    """
    pg_restore = _pg_program("pg_restore")
    order = _partitions_first(_run([pg_restore, "--list", str(path)]))
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
        listing.write(order)
        listing.flush()
        _run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--use-list={listing.name}",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ]
        )


def _partitions_first(listing: str) -> str:
    """pg_restore's list with the indexes and constraints that an INDEX ATTACH entry names
    (a partition's) moved before every other index and constraint. An entry reads
    "<id>; <oids> <kind…> <schema> [<table>] <name> <owner>"."""
    lines = listing.splitlines()
    words = [line.split() for line in lines]
    attached = {w[6] for w in words if len(w) > 6 and w[3:5] == ["INDEX", "ATTACH"]}

    def own(w: list[str]) -> bool:
        if len(w) > 6 and w[3] == "CONSTRAINT":
            return w[6] in attached
        return len(w) > 5 and w[3] == "INDEX" and w[4] != "ATTACH" and w[5] in attached

    moved = [line for line, w in zip(lines, words, strict=True) if own(w)]
    rest = [(line, w) for line, w in zip(lines, words, strict=True) if not own(w)]
    at = next(
        (i for i, (_line, w) in enumerate(rest) if w[3:4] in (["CONSTRAINT"], ["INDEX"])),
        len(rest),
    )
    return "\n".join([line for line, _w in rest[:at]] + moved + [line for line, _w in rest[at:]])
