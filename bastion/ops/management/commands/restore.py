"""`bastion restore PATH [--force]`: put a backup back as the whole database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from bastion.ops.backups import BackupError, Written, database_restore


def report(out: OutputWrapper, headline: str, written: Written) -> None:
    """The file, the rows of each table that has any, then size and totals."""
    out.write(headline % {"path": written.path})
    filled = {table: rows for table, rows in written.counts.items() if rows}
    width = max((len(table) for table in filled), default=0)
    for table, rows in filled.items():
        out.write(f"  {table.ljust(width)}  {rows:>12,}")
    out.write(
        _("%(size)s, %(tables)d tables, %(rows)s rows.")
        % {
            "size": filesizeformat(written.size),
            "tables": len(written.counts),
            "rows": f"{written.rows:,}",
        }
    )


class Command(BaseCommand):
    help = (
        "Replace the database with the backup at PATH (made by `bastion backup`). Refused over "
        "a database that holds data unless --force. Stop the server and the worker first; run "
        "`bastion migrate` afterwards when the backup is older than the code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data.",
        )

    def handle(self, *args, path: Path, force: bool, **options) -> None:
        try:
            restored = database_restore(path=path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report(self.stdout, _("Restored from %(path)s"), restored)
