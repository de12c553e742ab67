"""`bastion import_roster FILE [--dry-run] [--initial-password P]`: import people as the system."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bastion.roster.parsing import RosterFileError, parse_roster
from bastion.roster.services import ImportResult, roster_import


class Command(BaseCommand):
    help = "Import units and people from a roster (xlsx or csv); with any bad row, write nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and say what would change; write nothing.",
        )
        parser.add_argument(
            "--initial-password",
            default="",
            help="The first password of the accounts made for new people "
            "(they must change it). Without it they cannot log in until "
            "an administrator sets one.",
        )

    def handle(self, *args, file: Path, dry_run: bool, initial_password: str, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from error
        try:
            roster = parse_roster(data, file.name, max_bytes=settings.BASTION_ROSTER_MAX_BYTES)
        except RosterFileError as error:
            raise CommandError(str(error)) from error
        password_hash = make_password(initial_password) if initial_password else None
        result = roster_import(
            actor=None, rows=roster.rows, dry_run=dry_run, password_hash=password_hash
        )
        self._report(result)
        if not result.ok:
            raise CommandError(
                _("%(bad)d bad row(s) of %(total)d; nothing was written.")
                % {"bad": result.bad_lines, "total": result.total}
            )

    def _report(self, result: ImportResult) -> None:
        for problem in result.problems:
            self.stderr.write(str(problem))
        if not result.ok:
            return
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing written."))
        self.stdout.write(
            _(
                "%(total)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged; "
                "%(accounts)d accounts made."
            )
            % {
                "total": result.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "accounts": result.accounts_created,
            }
        )
        for path in result.units_created:
            self.stdout.write(_("New unit: %(path)s") % {"path": path})
