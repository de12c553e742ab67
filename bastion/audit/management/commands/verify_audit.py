"""`bastion verify_audit [--seal] [--language en]`: check the audit trail and the records
against it; exit status 1 when anything is found."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bastion.audit import verify
from bastion.audit.context import acting_as, command_label
from bastion.audit.services import audit_seal


def _headline(kind: str, n: int) -> str:
    lines = {
        verify.MAC: ngettext(
            "%(n)d entry does not match its mac: changed, or inserted, behind Bastion's back.",
            "%(n)d entries do not match their mac: changed, or inserted, behind Bastion's back.",
            n,
        ),
        verify.GAP: ngettext(
            "%(n)d gap in the sequence of sealed entries: entries removed.",
            "%(n)d gaps in the sequence of sealed entries: entries removed.",
            n,
        ),
        verify.CHAIN: ngettext(
            "%(n)d entry does not follow from the one before it in the chain: entries "
            "removed, reordered or edited.",
            "%(n)d entries do not follow from the one before them in the chain: entries "
            "removed, reordered or edited.",
            n,
        ),
        verify.HEAD: _(
            "The head of the chain does not match the last sealed entry: entries removed from "
            "the end, or the head edited."
        ),
        verify.DUPLICATE: ngettext(
            "%(n)d entry appears more than once: copied.",
            "%(n)d entries appear more than once: copied.",
            n,
        ),
        verify.CHANGED: ngettext(
            "%(n)d record differs from its trail: edited behind Bastion's back.",
            "%(n)d records differ from their trail: edited behind Bastion's back.",
            n,
        ),
        verify.UNTRACKED: ngettext(
            "%(n)d record has no entry, though written after the trail began: inserted "
            "behind Bastion's back.",
            "%(n)d records have no entry, though written after the trail began: inserted "
            "behind Bastion's back.",
            n,
        ),
        verify.GONE: ngettext(
            "%(n)d record is in the trail but gone, with no entry of its deletion: deleted "
            "behind Bastion's back.",
            "%(n)d records are in the trail but gone, with no entry of their deletion: "
            "deleted behind Bastion's back.",
            n,
        ),
    }
    return lines[kind] % {"n": n} if "%(n)d" in lines[kind] else lines[kind]


class Command(BaseCommand):
    help = (
        "Check the audit trail (each entry's mac, the chain, the head) and every audited "
        "record against it; exit status 1 when anything is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seal",
            action="store_true",
            help="First seal the entries written since the worker last did (as it does "
            "every minute).",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="The language of the report (zh-hans by default, or en).",
        )

    def handle(self, *args, seal: bool, language: str, **options) -> None:
        with translation.override(language), acting_as(command_label("verify_audit")):
            if seal:
                sealed = audit_seal()
                self.stdout.write(
                    _("Sealed %(n)d entries; the chain now ends at %(seq)d.")
                    % {"n": sealed.sealed, "seq": sealed.seq}
                )
            report = verify.audit_verify()
            self._report(report)
            found = sum(report.counts.values())
            if found:
                raise CommandError(
                    ngettext("%(n)d problem found.", "%(n)d problems found.", found) % {"n": found},
                    returncode=1,
                )
            self.stdout.write(self.style.SUCCESS(_("Nothing found: the trail is whole.")))

    def _report(self, report: verify.Report) -> None:
        self.stdout.write(
            _(
                "%(entries)d entries in the trail: %(sealed)d sealed, %(unsealed)d not yet "
                "sealed; the head is at %(seq)s."
            )
            % {
                "entries": report.entries,
                "sealed": report.sealed,
                "unsealed": report.unsealed,
                "seq": "—" if report.head_seq is None else report.head_seq,
            }
        )
        for label in sorted(report.records):
            self.stdout.write(
                "  "
                + _("%(what)s: %(n)d records, %(untraced)d not traced, %(purged)d purged")
                % {
                    "what": label,
                    "n": report.records[label],
                    "untraced": report.not_traced[label],
                    "purged": report.purged[label],
                }
            )
        untraced = sum(report.not_traced.values())
        if untraced:
            self.stdout.write(
                _(
                    "%(n)d records are not traced: written before the trail began, or loaded "
                    "in bulk (the demo); they have no entry to check them against."
                )
                % {"n": untraced}
            )
        for kind in verify.KINDS:
            n = report.counts[kind]
            if not n:
                continue
            self.stderr.write(self.style.ERROR(_headline(kind, n)))
            for finding in report.findings[kind]:
                parts = [
                    f"#{finding.entry_id}" if finding.entry_id else "",
                    finding.target,
                    finding.target_id,
                    finding.detail,
                ]
                self.stderr.write("  " + " ".join(p for p in parts if p))
            if n > len(report.findings[kind]):
                self.stderr.write(
                    "  " + _("… and %(n)d more.") % {"n": n - len(report.findings[kind])}
                )
