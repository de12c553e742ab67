"""The daily digests (R4): students to Student Affairs, staff to the University Office.

After each day's check-in cut-off the student digest (every student: counts per college, who
is missing, who is abnormal) goes to every Student Affairs position holder, and the staff
digest to every University Office holder: as a page, an xlsx and a notification. Today's figures
come from the people's hot facts through the same "who has reported" definition as everything
else; a closed day's, opened later, from the check-in history.
"""

import datetime as dt
import tempfile
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from bastion.accounts.roles import Role
from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign
from bastion.checkins.models import CheckIn
from bastion.checkins.selectors import reported_in_history_q, reported_q
from bastion.lib.days import at, business_day
from bastion.lib.sheets import ExportStamp, stamp_workbook
from bastion.notify.models import Notification
from bastion.notify.services import notify
from bastion.org.models import HealthStatus, Person, PersonKind, Position, Unit

# Which people each digest covers and who receives it.
KINDS: dict[str, tuple[str, str]] = {
    "students": (PersonKind.STUDENT, Role.STUDENT_AFFAIRS),
    "staff": (PersonKind.STAFF, Role.UNIVERSITY_OFFICE),
}
COLLEGE_DEPTH = 2  # the university is depth 1; colleges, offices and the hospital depth 2
LIST_LIMIT = 500  # people listed on the page; the xlsx lists everyone


@dataclass
class Line:
    """One college (or office) of the digest."""

    unit: Unit
    expected: int = 0
    checked_in: int = 0
    abnormal: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.checked_in

    @property
    def coverage(self) -> float:
        return self.checked_in / self.expected if self.expected else 1.0


@dataclass
class Digest:
    kind: str
    day: dt.date
    campaign: Campaign
    built_at: dt.datetime
    lines: list[Line] = field(default_factory=list)
    abnormal_people: list[Person] = field(default_factory=list)
    missing_people: list[Person] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def checked_in(self) -> int:
        return sum(line.checked_in for line in self.lines)

    @property
    def abnormal(self) -> int:
        return sum(line.abnormal for line in self.lines)

    @property
    def missing(self) -> int:
        return self.expected - self.checked_in

    @property
    def title(self) -> str:
        if self.kind == "students":
            return _("Student digest of %(day)s") % {"day": self.day.isoformat()}
        return _("Staff digest of %(day)s") % {"day": self.day.isoformat()}


def digest_scope(kind: str) -> Scope:
    """The reach a digest is built with: the recipients' own (all students, or all staff)."""
    return Scope(all_students=kind == "students", all_staff=kind == "staff")


def digest_may_read(scope: Scope, kind: str) -> bool:
    """Those who see everyone, or every person the digest covers."""
    return scope.everyone or (scope.all_students if kind == "students" else scope.all_staff)


def digest_build(
    *,
    scope: Scope,
    kind: str,
    campaign: Campaign,
    day: dt.date,
    limit: int | None = LIST_LIMIT,
    now: dt.datetime | None = None,
) -> Digest:
    """Counts per college from one grouped query, and the abnormal and missing people.

    Today's digest reads the people's hot facts. A closed day's (a digest opened later) reads
    the check-in history instead, since the hot facts have moved on since: who had a check-in
    counting for that day, and whose check-in of that day was abnormal.
    """
    person_kind, _role = KINDS[kind]
    people = scope.people().filter(kind=person_kind)
    now = now or timezone.now()
    if day >= business_day(now):
        reported = reported_q(campaign=campaign, day=day)
        abnormal_q = ~Q(health_status=HealthStatus.GREEN)
    else:
        reported, abnormal_q = _closed_day_facts(campaign=campaign, day=day)
    per_unit = people.values("unit_id", "unit__path").annotate(
        expected=Count("pk"),
        checked_in=Count("pk", filter=reported),
        abnormal=Count("pk", filter=abnormal_q),
    )
    step = Unit.steplen
    by_prefix: dict[str, Line] = {}
    rows = list(per_unit)
    prefixes = {row["unit__path"][: step * COLLEGE_DEPTH] for row in rows}
    units = {u.path: u for u in Unit.objects.filter(path__in=prefixes)}
    for row in rows:
        prefix = row["unit__path"][: step * COLLEGE_DEPTH]
        line = by_prefix.setdefault(prefix, Line(units[prefix]))
        line.expected += row["expected"]
        line.checked_in += row["checked_in"]
        line.abnormal += row["abnormal"]
    listed = people.select_related("unit").order_by("unit__path", "number")
    abnormal = listed.filter(abnormal_q)
    missing = listed.exclude(reported)
    if limit is not None:
        abnormal, missing = abnormal[:limit], missing[:limit]
    return Digest(
        kind=kind,
        day=day,
        campaign=campaign,
        built_at=now,
        lines=[by_prefix[p] for p in sorted(by_prefix)],
        abnormal_people=list(abnormal),
        missing_people=list(missing),
    )


def _closed_day_facts(*, campaign: Campaign, day: dt.date) -> tuple[Q, Q]:
    """(had a check-in counting for `day`, checked in abnormal on `day`) as Q over Person,
    from the history, for a day the hot facts have left."""
    abnormal = CheckIn.objects.filter(person=OuterRef("pk"), campaign=campaign, day=day).exclude(
        status=HealthStatus.GREEN
    )
    return reported_in_history_q(campaign=campaign, day=day), Q(Exists(abnormal))


def digest_text(digest: Digest) -> str:
    """The notification's body: totals, then one line per college with people missing."""
    lines = [
        _("People %(n)s, checked in %(c)s, not checked in %(m)s, abnormal %(a)s.")
        % {"n": digest.expected, "c": digest.checked_in, "m": digest.missing, "a": digest.abnormal},
        "",
    ]
    for line in digest.lines:
        if line.missing or line.abnormal:
            lines.append(
                _("%(unit)s: not checked in %(m)s, abnormal %(a)s")
                % {"unit": line.unit.name, "m": line.missing, "a": line.abnormal}
            )
    lines += [
        "",
        _("The full digest and its xlsx: /urgent/digest/%(kind)s/%(day)s/")
        % {"kind": digest.kind, "day": digest.day.isoformat()},
    ]
    return "\n".join(lines)


def digests_send(*, campaign: Campaign, day: dt.date, now: dt.datetime | None = None) -> int:
    """Send each digest of `day` once, after the cut-off; returns how many messages were queued.

    Idempotent by key ("digest:<kind>:<day>"): a second call the same day queues nothing.
    """
    now = now or timezone.now()
    if now < at(day, campaign.checkin_cutoff):
        return 0
    queued = 0
    for kind, (_person_kind, role) in KINDS.items():
        key = f"digest:{kind}:{day.isoformat()}"
        if Notification.objects.filter(key__startswith=f"{key}:").exists():
            continue
        holders = [
            p.person
            for p in Position.objects.active(day).filter(role=role).select_related("person")
        ]
        if not holders:
            continue
        digest = digest_build(
            scope=digest_scope(kind), kind=kind, campaign=campaign, day=day, now=now
        )
        queued += notify(
            key=key, recipients=holders, subject=digest.title, body=digest_text(digest)
        )
    return queued


# --- xlsx --------------------------------------------------------------------------------

BOLD = Font(bold=True)
RED = PatternFill("solid", fgColor="F8D7DA")


def _row(sheet, values: list, *, font: Font | None = None, fill: PatternFill | None = None):
    if font is None and fill is None:
        sheet.append(values)
        return
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        cells.append(cell)
    sheet.append(cells)


def _sheet(book: Workbook, name: str, title: str, headers: list[str], widths: list[int]):
    sheet = book.create_sheet(name)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A3"  # the title row and the header stay in view
    _row(sheet, [title], font=BOLD)
    _row(sheet, headers, font=BOLD)
    return sheet


def digest_xlsx(
    digest: Digest, *, exporter: str, stamp: ExportStamp
) -> tempfile.SpooledTemporaryFile:
    """The digest as a workbook: a summary per college, the abnormal, and the missing people."""
    title = _("%(title)s. Exported by %(who)s at %(time)s.") % {
        "title": digest.title,
        "who": exporter,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    book = Workbook(write_only=True)
    summary = _sheet(
        book,
        pgettext("digest sheet", "Summary"),
        title,
        [
            _("Unit"),
            pgettext("count", "People"),
            _("Checked in"),
            _("Not checked in"),
            _("Abnormal"),
            _("Coverage"),
        ],
        [28, 10, 10, 12, 10, 10],
    )
    for line in digest.lines:
        _row(
            summary,
            [
                line.unit.name,
                line.expected,
                line.checked_in,
                line.missing,
                line.abnormal,
                f"{line.coverage:.1%}",
            ],
        )
    _row(
        summary,
        [_("Total"), digest.expected, digest.checked_in, digest.missing, digest.abnormal, ""],
        font=BOLD,
    )
    people_headers = [_("Number"), _("Name"), _("Unit"), _("Health status"), _("Why"), _("Since")]
    widths = [14, 10, 28, 14, 30, 18]
    for name, people in (
        (_("Abnormal"), digest.abnormal_people),
        (_("Not checked in"), digest.missing_people),
    ):
        sheet = _sheet(book, name, title, people_headers, widths)
        for person in people:
            since = timezone.localtime(person.health_since) if person.health_since else None
            _row(
                sheet,
                [
                    person.number,
                    person.name,
                    person.unit.name,
                    person.get_health_status_display(),
                    person.health_reason,
                    since.strftime("%Y-%m-%d %H:%M") if since else "",
                ],
                fill=RED if person.health_status == HealthStatus.RED else None,
            )
    people = len(digest.abnormal_people) + len(digest.missing_people)
    stamp_workbook(book, stamp, title=title, rows=len(digest.lines) + people)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out
