"""Contingency plans (工作预案/应急预案, R3): each unit keeps its plan for the campaign, a
document with versions, each planning the three time points (vacation, return from travel,
semester start). The university and every unit that reports daily is expected to have one;
the dashboards show which lack it.

Services and selectors of the sub-area in one module (as tracing.isolation). A plan is made
with its first version; versions are numbered 1, 2, … under a lock on the plan's row, with the
database's one-number-per-plan constraint as the backstop.
"""

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.campaigns.models import Campaign
from bastion.campus.models import ContingencyPlan, ContingencyPlanVersion
from bastion.lib.chunks import chunks
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import Unit, UnitKind

TITLE_MAX = 200
NOTE_MAX = 300
SUMMARY_MAX = 20_000
FILE_NAME_MAX = 200
MAX_BYTES = 10 * 1024 * 1024
# The document types a plan may be: extension → the content type it is served with.
FILE_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
    "md": "text/markdown",
}
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SPACES = re.compile(r"\s+")
# The dashboard names this many of the units lacking a plan; the list has them all.
FIRST_FEW = 5


class PlanRefused(Refused):
    """A plan version that may not be added: a message a person understands, nothing written.

    `status`: 404 for a unit or plan out of reach (the same answer as a missing one), 409 when
    the campaign is over or another version came in at the same moment, 400 for bad input.
    """


class Upload(NamedTuple):
    """A document as it came in: its original name, the type the browser said, its bytes."""

    name: str
    content_type: str
    content: bytes


def _not_found() -> PlanRefused:
    return PlanRefused(_("Not found, or not in your reach."), status=404)


# --- who may do what ------------------------------------------------------------------------


def plans_readable(scope: Scope) -> bool:
    """Who reads plans: their keepers, and those with a dashboard whose reach is units (a
    grid worker's reach is people, not units)."""
    if scope.has(Perm.CONTINGENCY_PLAN):
        return True
    reaches_units = scope.everyone or scope.all_students or scope.all_staff or scope.unit_paths
    return scope.has(Perm.VIEW_DASHBOARD) and bool(reaches_units)


def plan_may_keep(*, actor: User, unit: Unit) -> bool:
    """May `actor` add versions to `unit`'s plan: the CONTINGENCY_PLAN right with the unit in
    reach."""
    scope = scope_of(actor)
    return scope.has(Perm.CONTINGENCY_PLAN) and scope.units().filter(pk=unit.pk).exists()


# --- checking input ---------------------------------------------------------------------------


def _line(value: Any) -> str:
    """One line as typed: spaces collapsed, control characters dropped. Not NFKC-folded as
    clean() does: a title's and a file's full-width （） and ： are meant."""
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=PlanRefused, normal=_line, **checks)


def _summary(value: Any) -> str:
    """The summary keeps its lines (clean() would fold them into one)."""
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > SUMMARY_MAX:
        raise PlanRefused(
            _("The summary is longer than %(n)d characters: upload it as a file instead.")
            % {"n": SUMMARY_MAX}
        )
    return text


def _day(value: Any, *, what: str) -> dt.date:
    return day_input(value, what=what, refused=PlanRefused)


def _file_name(raw: str) -> str:
    """The name without any folder a browser sent, printable, at most FILE_NAME_MAX long
    (its extension kept)."""
    name = _line(str(raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    if len(name) > FILE_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) < 10:
            name = stem[: FILE_NAME_MAX - len(ext) - 1] + "." + ext
        else:
            name = name[:FILE_NAME_MAX]
    return name


def _looks_like(ext: str, content: bytes) -> bool:
    """Does the content look like a document of its extension (not a program renamed)?"""
    if ext == "pdf":
        return b"%PDF-" in content[:1024]
    if ext in ("docx", "xlsx", "odt"):
        return content.startswith(_ZIP)
    if ext == "doc":
        return content.startswith(_OLE)
    return b"\x00" not in content  # txt, md: text in any encoding has no NUL byte


def _document(upload: Upload | tuple | None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of an upload, or empty ones without one."""
    if upload is None:
        return "", "", b""
    raw_name, _type, content = upload
    content = bytes(content or b"")
    name = _file_name(raw_name)
    if not name:
        raise PlanRefused(_("The file has no name."))
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in FILE_TYPES:
        raise PlanRefused(
            _(
                "A plan is a PDF, Word (doc, docx), Excel (xlsx), OpenDocument (odt) or text "
                "(txt, md) file, not %(name)s."
            )
            % {"name": name}
        )
    if not content:
        raise PlanRefused(_("The file %(name)s is empty.") % {"name": name})
    if len(content) > MAX_BYTES:
        raise PlanRefused(
            _("The file %(name)s is larger than %(mb)d MB.")
            % {"name": name, "mb": MAX_BYTES // (1024 * 1024)}
        )
    if not _looks_like(ext, content):
        raise PlanRefused(
            _(
                "The file %(name)s is not a %(ext)s document: save it again as %(ext)s and "
                "upload that."
            )
            % {"name": name, "ext": ext}
        )
    # The type is ours, from the extension: a browser's guess is not served back.
    return name, FILE_TYPES[ext], content


# --- writing --------------------------------------------------------------------------------------


def _plan_locked(*, campaign: Campaign, unit: Unit, title: str, now: dt.datetime):
    """The unit's plan for the campaign, made if missing, its row locked until commit."""
    plan = ContingencyPlan.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return ContingencyPlan.objects.create(
                campaign=campaign, unit=unit, title=title, created_at=now
            )
    except IntegrityError:
        # Another request made it first (its first version): add to it.
        return ContingencyPlan.objects.select_for_update().get(campaign=campaign, unit=unit)


def plan_version_add(
    *,
    actor: User,
    unit: Unit,
    campaign: Campaign,
    title: str,
    vacation_on: Any,
    travel_return_on: Any,
    semester_starts_on: Any,
    summary: str = "",
    upload: Upload | tuple | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ContingencyPlanVersion:
    """Add a version to `unit`'s plan for `campaign`, making the plan with its first version.

    A version plans the three time points (in order: vacation, return from travel, semester
    start) and carries a summary, a document (pdf, doc, docx, xlsx, odt, txt, md; at most
    10 MB), or both. From the second version on it says what changed. The plan takes the
    version's title. Raises PlanRefused.
    """
    now = now or timezone.now()
    if not plan_may_keep(actor=actor, unit=unit):
        raise _not_found()
    if campaign.ends_on is not None and campaign.ends_on < business_day(now):
        raise PlanRefused(
            _("The campaign %(name)s has ended: its plans are kept as they were.")
            % {"name": campaign.name},
            status=409,
        )
    title = _text(title, limit=TITLE_MAX, what=_("title"), required=True)
    vacation_on = _day(vacation_on, what=_("vacation"))
    travel_return_on = _day(travel_return_on, what=_("return from travel"))
    semester_starts_on = _day(semester_starts_on, what=_("semester start"))
    if not vacation_on <= travel_return_on <= semester_starts_on:
        raise PlanRefused(
            _(
                "The time points are out of order: the vacation comes first, then the return "
                "from travel, then the semester start."
            )
        )
    summary = _summary(summary)
    file_name, content_type, content = _document(upload)
    if not summary and not content:
        raise PlanRefused(_("Upload the plan's document or write its summary."))
    note = _text(note, limit=NOTE_MAX, what=_("note on what changed"))

    with transaction.atomic():
        plan = _plan_locked(campaign=campaign, unit=unit, title=title, now=now)
        last = plan.versions.aggregate(last=Max("number"))["last"] or 0
        if last and not note:
            raise PlanRefused(_("Say what changed since version %(n)d.") % {"n": last})
        if plan.title != title:
            plan.title = title
            plan.save(update_fields=["title"])
        try:
            with transaction.atomic():
                version = ContingencyPlanVersion.objects.create(
                    plan=plan,
                    number=last + 1,
                    vacation_on=vacation_on,
                    travel_return_on=travel_return_on,
                    semester_starts_on=semester_starts_on,
                    summary=summary,
                    file_name=file_name,
                    content_type=content_type,
                    content=content,
                    note=note,
                    uploaded_by=actor,
                    uploaded_at=now,
                )
        except IntegrityError:
            # Only without the row lock (a database that ignores it) can two numbers meet.
            raise PlanRefused(
                _("Another version of this plan was added at the same moment: reload the page."),
                status=409,
            ) from None
    return version


# --- reading --------------------------------------------------------------------------------------


def expected_kinds(campaign: Campaign) -> set[str]:
    """The kinds of unit that must keep a plan: the university and those that report daily."""
    return {*campaign.reporting_unit_kinds, UnitKind.UNIVERSITY.value}


def _current_exists(campaign: Campaign) -> Exists:
    """Has the unit (the outer row) a version of its plan for the campaign?"""
    return Exists(
        ContingencyPlanVersion.objects.filter(plan__campaign=campaign, plan__unit=OuterRef("pk"))
    )


def _units(scope: Scope, within: Unit | None) -> QuerySet[Unit]:
    if not plans_readable(scope):
        return Unit.objects.none()
    units = scope.units()
    return units if within is None else units.filter(path__startswith=within.path)


def plans_visible(*, scope: Scope, campaign: Campaign) -> QuerySet[ContingencyPlan]:
    """The campaign's plans of the units in the viewer's reach."""
    return (
        ContingencyPlan.objects.filter(
            campaign=campaign, unit_id__in=_units(scope, None).values("pk")
        )
        .select_related("unit", "campaign")
        .order_by("unit__path")
    )


def plan_for(user: User, uid: uuid.UUID | str) -> ContingencyPlan:
    """One plan (of any campaign) of a unit in the user's reach; PlanRefused(404) otherwise."""
    units = _units(scope_of(user), None).values("pk")
    plans = ContingencyPlan.objects.filter(unit_id__in=units).select_related("unit", "campaign")
    return by_uid(plans, uid, missing=_not_found)


def plan_of(*, campaign: Campaign | None, unit: Unit) -> ContingencyPlan | None:
    """The unit's plan for the campaign, if it has one (the caller has checked the unit is in
    reach)."""
    if campaign is None:
        return None
    return ContingencyPlan.objects.filter(campaign=campaign, unit=unit).first()


def plan_versions(plan: ContingencyPlan) -> list[ContingencyPlanVersion]:
    """The plan's versions, newest first, without their documents' bytes (each with its
    `size`)."""
    return list(
        plan.versions.defer("content")
        .annotate(size=Length("content"))
        .select_related("uploaded_by", "uploaded_by__person")
        .order_by("-number")
    )


def plan_version_document(plan: ContingencyPlan, number: int) -> ContingencyPlanVersion | None:
    """The version of the plan with its document, or None if it has no such version or no
    file."""
    return plan.versions.filter(number=number).exclude(file_name="").first()


@dataclass(frozen=True)
class PlanStatus:
    """A unit with its plan for the campaign and the current (newest) version, if any."""

    unit: Unit
    plan: ContingencyPlan | None
    current: ContingencyPlanVersion | None
    expected: bool = True

    @property
    def lacking(self) -> bool:
        return self.current is None


def plan_status(
    *, campaign: Campaign, units: Iterable[Unit], expected: set[str] | None = None
) -> list[PlanStatus]:
    """Each unit with its current version for the campaign, or None (one query a chunk of
    500 units; no document's bytes read). `expected`: the unit kinds that must keep a plan
    (default: the campaign's)."""
    units = list(units)
    expected = expected_kinds(campaign) if expected is None else expected
    newest = ContingencyPlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number")
    current: dict[int, ContingencyPlanVersion] = {}
    for chunk in chunks([u.pk for u in units]):
        versions = (
            ContingencyPlanVersion.objects.filter(
                plan__campaign=campaign,
                plan__unit_id__in=chunk,
                number=Subquery(newest.values("number")[:1]),
            )
            .defer("content")
            .select_related("plan", "uploaded_by", "uploaded_by__person")
        )
        for version in versions:
            current[version.plan.unit_id] = version
    return [
        PlanStatus(
            unit=u,
            plan=current[u.pk].plan if u.pk in current else None,
            current=current.get(u.pk),
            expected=u.kind in expected,
        )
        for u in units
    ]


def plan_units(*, campaign: Campaign, scope: Scope, within: Unit | None = None) -> QuerySet[Unit]:
    """The units the plans list shows: in reach (and in `within`'s subtree), those that must
    keep a plan and any other that has one; `within` itself too."""
    has_plan = Exists(ContingencyPlan.objects.filter(campaign=campaign, unit=OuterRef("pk")))
    wanted = Q(kind__in=expected_kinds(campaign)) | Q(has_plan)
    if within is not None:
        wanted |= Q(pk=within.pk)
    return _units(scope, within).filter(wanted).order_by("path")


@dataclass(frozen=True)
class PlanCoverage:
    """How many units in reach must keep a plan, and those of them without a current one."""

    expected: int
    lacking: list[Unit]

    @property
    def count(self) -> int:
        return len(self.lacking)

    @property
    def first(self) -> list[Unit]:
        return self.lacking[:FIRST_FEW]


def plan_coverage(*, campaign: Campaign, scope: Scope, within: Unit | None = None) -> PlanCoverage:
    """The units in reach (and in `within`'s subtree) that must keep a plan, and those lacking
    a current one, in tree order (one query)."""
    rows = list(
        _units(scope, within)
        .filter(kind__in=expected_kinds(campaign))
        .annotate(has_plan=_current_exists(campaign))
        .order_by("path")
    )
    return PlanCoverage(expected=len(rows), lacking=[u for u in rows if not u.has_plan])


def units_lacking_plan(*, campaign: Campaign, scope: Scope) -> list[Unit]:
    """The units in reach that must keep a plan (the university and the units that report
    daily) and have no version of it for the campaign, in tree order."""
    return plan_coverage(campaign=campaign, scope=scope).lacking
