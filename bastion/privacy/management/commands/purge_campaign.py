"""`bastion purge_campaign CAMPAIGN [--dry-run]`: delete a closed campaign's personal health
data once its retention has run out; the counts stay (see bastion.privacy.purge)."""

import getpass
import uuid

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.audit.context import acting_as, command_label
from bastion.campaigns.models import Campaign
from bastion.privacy.notice import retention_days
from bastion.privacy.purge import (
    ANONYMIZE,
    DELETE,
    PurgeRefused,
    PurgeResult,
    campaign_purge,
    purge_from,
)

HELP = gettext_lazy(
    "Delete or anonymize the personal health data of a closed campaign (check-ins, alerts, "
    "trips, cases, contacts, isolations, applications, care requests, gate passes, messages) "
    "once its retention (BASTION_HEALTH_RETENTION_DAYS after its end date) has run out. The "
    "daily counts and daily reports stay. Name the campaign by its uid or its exact name; "
    "--dry-run says what would go and writes nothing. A second run does nothing."
)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants a str, read once the locale is active
        return str(HELP)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help=_("The campaign's uid, or its exact name."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Say what would be purged; write nothing."),
        )

    def handle(self, *args, campaign: str, dry_run: bool, **options) -> None:
        found = _campaign(campaign)
        try:
            # The trail's purge entries are by this command and the system account running it.
            with acting_as(command_label("purge_campaign")):
                result = campaign_purge(campaign=found, dry_run=dry_run)
        except PurgeRefused as refused:
            raise CommandError(refused.message) from None
        self._report(result)

    def _report(self, result: PurgeResult) -> None:
        campaign, window = result.campaign, result.window
        self.stdout.write(
            _(
                "Campaign %(name)s (%(uid)s): %(first)s to %(last)s, closed; kept %(days)d "
                "days after its end."
            )
            % {
                "name": campaign.name,
                "uid": campaign.uid,
                "first": window.first.isoformat(),
                "last": window.last.isoformat(),
                "days": retention_days(),
            }
        )
        if result.dry_run:
            self.stdout.write(_("Dry run: nothing written. This is what would be done:"))
        if not result.lines:
            self.stdout.write(_("Nothing to purge: no personal health data of it are left."))
        for (what, action), n in result.lines.items():
            if action == DELETE:
                line = _("%(what)s: %(n)d deleted")
            elif action == ANONYMIZE:
                line = _("%(what)s: %(n)d anonymized")
            else:
                line = _("%(what)s: %(n)d reset")
            self.stdout.write("  " + line % {"what": what, "n": n})
        # One line that says who purged what and when, for the operator's own record; the
        # audit trail has the same as its purge entries (bastion.audit, Action.PURGE).
        self.stdout.write(
            _(
                "%(at)s purge_campaign %(uid)s by %(who)s: %(n)d rows%(dry)s; the daily "
                "counts and daily reports are kept."
            )
            % {
                "at": timezone.localtime().isoformat(timespec="seconds"),
                "uid": campaign.uid,
                "who": getpass.getuser(),
                "n": result.total,
                "dry": _(" (dry run)") if result.dry_run else "",
            }
        )


def _campaign(name_or_uid: str) -> Campaign:
    try:
        found = Campaign.objects.filter(uid=uuid.UUID(name_or_uid)).first()
    except ValueError:
        named = list(Campaign.objects.filter(name=name_or_uid)[:2])
        found = named[0] if len(named) == 1 else None
        if len(named) > 1:
            raise CommandError(
                _("Several campaigns are named %(name)s: name it by its uid.\n%(list)s")
                % {"name": name_or_uid, "list": _listing()}
            ) from None
    if found is None:
        raise CommandError(
            _("No campaign %(name)s. The campaigns:\n%(list)s")
            % {"name": name_or_uid, "list": _listing()}
        )
    return found


def _listing() -> str:
    lines = []
    for campaign in Campaign.objects.order_by("starts_on"):
        first = purge_from(campaign)
        if campaign.is_active:
            state = _("still active")
        elif first is None:
            state = _("no end date")
        else:
            state = _("may be purged from %(day)s") % {"day": first.isoformat()}
        lines.append(f"  {campaign.uid}  {campaign.name}  {campaign.starts_on} … {state}")
    return "\n".join(lines) or "  —"
