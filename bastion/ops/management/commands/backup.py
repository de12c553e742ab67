"""`bastion backup [PATH]`: a consistent backup of the database, taken while it is in use."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bastion.ops.backups import BackupError, database_backup
from bastion.ops.management.commands.restore import report


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (default var/backups/bastion-<time>.sqlite3, or .dump "
        "for PostgreSQL): SQLite's online backup, pg_dump's custom format for PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", type=Path, default=None)

    def handle(self, *args, path: Path | None, **options) -> None:
        try:
            written = database_backup(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report(self.stdout, _("Backup written to %(path)s"), written)
