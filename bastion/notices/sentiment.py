"""Public-sentiment and rumour reports (舆情, R22): a member reports what they saw; the report
goes to the branch, the secondary committee or the propaganda office and the leading group as
its severity requires, is handed up, handled, answered by a clarification (a notice) and closed.

Who acts on a report is decided by the level it is at: the owner, or anyone holding
HANDLE_SENTIMENT there (the branch's secretary, the committee's secretary, the leading group
and the Organization Department at the university). Anyone else who may see it is refused
(403); a report out of reach is not found (404).
"""

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.lib.days import business_day
from bastion.lib.inputs import text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.notices.models import (
    Notice,
    NoticeKind,
    ScreenShot,
    SentimentEvent,
    SentimentLevel,
    SentimentReport,
    SentimentState,
    Severity,
)
from bastion.org.models import PartyOrg, PartyOrgKind, Person, Position

log = logging.getLogger(__name__)

MAX_SCREENSHOTS = 6
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
SUMMARY_LIMIT = 2000
NOTE_LIMIT = 300
TITLE_LIMIT = 200
BODY_LIMIT = 10000

# The first bytes of the images a report may carry; nothing else is kept or served.
_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
)

START_LEVEL = {
    Severity.LOW: SentimentLevel.BRANCH,
    Severity.MEDIUM: SentimentLevel.COMMITTEE,
    Severity.HIGH: SentimentLevel.UNIVERSITY,
}
NEXT_LEVEL = {
    SentimentLevel.BRANCH: SentimentLevel.COMMITTEE,
    SentimentLevel.COMMITTEE: SentimentLevel.UNIVERSITY,
}
LIVE_STATES = (SentimentState.OPEN, SentimentState.HANDLING)
# Those who act at the university: the leading group, and the Organization Department, which
# holds HANDLE_SENTIMENT over everyone and is told of every report that reaches it.
UNIVERSITY_ROLES = (Role.LEADING_GROUP, Role.ORG_DEPARTMENT)


class SentimentAction(TextChoices):
    """What a SentimentEvent records (stored as its `action`)."""

    REPORTED = "reported", gettext_lazy("Reported")
    ESCALATED = "escalated", gettext_lazy("Handed up")
    HANDLING = "handling", gettext_lazy("Being handled")
    CLARIFIED = "clarified", gettext_lazy("Clarification published")
    CLOSED = "closed", gettext_lazy("Closed")


class SentimentRefused(Refused):
    """Bad input (400), no right at the report's level (403), out of reach (404); nothing
    written."""


def _not_found() -> SentimentRefused:
    return SentimentRefused(_("Not found, or not in your reach."), status=404)


def image_type(content: bytes) -> str | None:
    """The image type read from the first bytes (png, jpeg, webp), or None for anything else."""
    for content_type, magic in _SIGNATURES:
        if content.startswith(magic):
            return content_type
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


# --- the organizations and people of each level -------------------------------------------


def committee_of(branch: PartyOrg) -> PartyOrg | None:
    """The secondary committee above a branch (the nearest), or None where there is none."""
    ancestors = PartyOrg.objects.filter(
        path__in=[
            branch.path[:n] for n in range(PartyOrg.steplen, len(branch.path), PartyOrg.steplen)
        ],
        kind=PartyOrgKind.SECONDARY_COMMITTEE,
    )
    return ancestors.order_by("-depth").first()


def _secretaries(org: PartyOrg, day: dt.date) -> QuerySet[Person]:
    return Person.objects.filter(
        positions__in=Position.objects.active(day).filter(role=Role.PARTY_SECRETARY, party_org=org)
    ).distinct()


def _university_handlers(day: dt.date, roles: Sequence[str] = UNIVERSITY_ROLES):
    return (
        Person.objects.filter(positions__in=Position.objects.active(day).filter(role__in=roles))
        .distinct()
        .order_by("number")
    )


def _level_org(report: SentimentReport, level: str) -> PartyOrg | None:
    """The Party organization that holds a report at a level (None at the university)."""
    if level == SentimentLevel.BRANCH:
        return report.branch
    if level == SentimentLevel.COMMITTEE:
        return committee_of(report.branch)
    return None


def _owner_at(report: SentimentReport, level: str, day: dt.date) -> Person | None:
    if level == SentimentLevel.UNIVERSITY:
        return _university_handlers(day, (Role.LEADING_GROUP,)).first()
    org = _level_org(report, level)
    return _secretaries(org, day).order_by("number").first() if org is not None else None


def _may_act(actor: User, report: SentimentReport, day: dt.date) -> bool:
    """The owner, or a holder of HANDLE_SENTIMENT at the report's level."""
    person_id = actor.person_id
    if person_id is None:
        return actor.is_superuser
    if report.owner_id == person_id:
        return True
    if not scope_of(actor).has(Perm.HANDLE_SENTIMENT):
        return False
    if report.level == SentimentLevel.UNIVERSITY:
        return _university_handlers(day).filter(pk=person_id).exists()
    org = _level_org(report, report.level)
    return org is not None and _secretaries(org, day).filter(pk=person_id).exists()


def _audience(report: SentimentReport) -> dict[str, Any]:
    """Whom a clarification at the report's level reaches, as a notice's audience: the
    branch's people, the committee's, or everyone."""
    org = _level_org(report, report.level)
    if org is None:
        return {"students": True, "staff": True}
    return {"party_orgs": [org.code]}


# --- writing ------------------------------------------------------------------------------


def _event(report: SentimentReport, action: str, actor: User, note: str, now: dt.datetime):
    SentimentEvent.objects.create(report=report, action=action, note=note, actor=actor, at=now)


def _tell_on_commit(report: SentimentReport, recipients: list[Person], subject: str) -> None:
    """Tell the new holders of a report, after commit, through bastion/notify."""
    if not recipients:
        return
    from bastion.notify.services import notify

    body = f"{report.where_seen}：{report.summary[:200]}"
    key = f"sentiment:{report.uid}:{report.level}"
    transaction.on_commit(
        lambda: notify(key=key, recipients=recipients, subject=subject, body=body), robust=True
    )


def _recipients_at(report: SentimentReport, day: dt.date) -> list[Person]:
    if report.level == SentimentLevel.UNIVERSITY:
        return list(_university_handlers(day))
    return [report.owner] if report.owner is not None else []


def sentiment_report(
    *,
    actor: User,
    where_seen: str,
    summary: str,
    is_rumour: bool,
    spread: str,
    severity: str,
    screenshots: Sequence[tuple[str, bytes]] = (),
    now: dt.datetime,
) -> SentimentReport:
    """A Party member reports an item of public sentiment or a rumour; it starts at the level
    its severity requires, owned by that level's secretary or a leading-group member."""
    person = actor.person
    if person is None or not person.is_party_member or person.party_branch_id is None:
        raise SentimentRefused(
            _("Only Party members report public sentiment to their branch."), status=403
        )
    where_seen = text_input(
        where_seen,
        limit=200,
        what=_("place where it was seen"),
        required=True,
        refused=SentimentRefused,
    )
    summary = text_input(
        summary,
        limit=SUMMARY_LIMIT,
        what=_("summary"),
        required=True,
        refused=SentimentRefused,
        normal=lambda v: str(v or "").strip(),
    )
    spread = text_input(spread, limit=100, what=_("spread"), refused=SentimentRefused)
    if severity not in Severity.values:
        raise SentimentRefused(_("Choose a severity: low, medium or high."))
    if len(screenshots) > MAX_SCREENSHOTS:
        raise SentimentRefused(_("At most %(n)d screenshots to a report.") % {"n": MAX_SCREENSHOTS})
    images: list[tuple[str, bytes]] = []
    for _declared, content in screenshots:
        if len(content) > MAX_SCREENSHOT_BYTES:
            raise SentimentRefused(_("A screenshot is larger than 5 MB."))
        kind = image_type(content)
        if kind is None:
            raise SentimentRefused(_("Screenshots must be PNG, JPEG or WebP images."))
        images.append((kind, content))
    day = business_day(now)
    with transaction.atomic():
        report = SentimentReport(
            reporter=person,
            branch=person.party_branch,
            where_seen=where_seen,
            summary=summary,
            is_rumour=bool(is_rumour),
            spread=spread,
            severity=severity,
            level=START_LEVEL[Severity(severity)],
            state=SentimentState.OPEN,
            reported_at=now,
        )
        report.owner = _owner_at(report, report.level, day)
        report.save()
        ScreenShot.objects.bulk_create(
            [ScreenShot(report=report, content_type=t, content=c) for t, c in images]
        )
        _event(report, SentimentAction.REPORTED, actor, "", now)
        _tell_on_commit(report, _recipients_at(report, day), _("A public-sentiment report"))
    return report


def _check_acting(actor: User, report: SentimentReport, now: dt.datetime) -> None:
    """Refused: out of reach (404), closed (400), not at the report's level (403)."""
    if not sentiments_visible(actor=actor).filter(pk=report.pk).exists():
        raise _not_found()
    if not _may_act(actor, report, business_day(now)):
        log.warning("sentiment %s: %s has no right at %s", report.uid, actor, report.level)
        raise SentimentRefused(
            _("Only the owner or the handlers at the report's level act on it."), status=403
        )


def _locked(report: SentimentReport) -> SentimentReport:
    return SentimentReport.objects.select_for_update().get(pk=report.pk)


def sentiment_escalate(
    *, actor: User, report: SentimentReport, note: str, now: dt.datetime
) -> SentimentReport:
    """Hand a report up one level (branch → committee → university) with a note."""
    _check_acting(actor, report, now)
    note = text_input(
        note, limit=NOTE_LIMIT, what=_("note"), required=True, refused=SentimentRefused
    )
    day = business_day(now)
    with transaction.atomic():
        report = _locked(report)
        if report.state not in LIVE_STATES:
            raise SentimentRefused(_("This report is already clarified or closed."))
        level = NEXT_LEVEL.get(SentimentLevel(report.level))
        if level is None:
            raise SentimentRefused(_("The report is already with the leading group."))
        if level == SentimentLevel.COMMITTEE and committee_of(report.branch) is None:
            level = SentimentLevel.UNIVERSITY  # a branch under no secondary committee
        report.level = level
        report.state = SentimentState.OPEN
        report.owner = _owner_at(report, level, day)
        report.save(update_fields=["level", "state", "owner"])
        _event(report, SentimentAction.ESCALATED, actor, note, now)
        _tell_on_commit(report, _recipients_at(report, day), _("A public-sentiment report"))
    return report


def sentiment_handle(
    *, actor: User, report: SentimentReport, note: str, now: dt.datetime
) -> SentimentReport:
    """Take a report in hand (state handling), with what is being done."""
    _check_acting(actor, report, now)
    note = text_input(note, limit=NOTE_LIMIT, what=_("note"), refused=SentimentRefused)
    with transaction.atomic():
        report = _locked(report)
        if report.state not in LIVE_STATES:
            raise SentimentRefused(_("This report is already clarified or closed."))
        report.state = SentimentState.HANDLING
        report.save(update_fields=["state"])
        _event(report, SentimentAction.HANDLING, actor, note, now)
    return report


def sentiment_clarify(
    *, actor: User, report: SentimentReport, title: str, body: str, now: dt.datetime
) -> SentimentReport:
    """Publish a clarification as a notice to the people the report's level covers (the
    branch's, the committee's, everyone), link it to the report and mark it clarified."""
    _check_acting(actor, report, now)
    title = text_input(
        title, limit=TITLE_LIMIT, what=_("title"), required=True, refused=SentimentRefused
    )
    body = text_input(
        body,
        limit=BODY_LIMIT,
        what=_("text"),
        required=True,
        refused=SentimentRefused,
        normal=lambda v: str(v or "").strip(),
    )
    with transaction.atomic():
        report = _locked(report)
        if report.state not in LIVE_STATES:
            raise SentimentRefused(_("This report is already clarified or closed."))
        report.clarification = _clarification_publish(
            report=report, actor=actor, title=title, body=body, now=now
        )
        report.state = SentimentState.CLARIFIED
        report.save(update_fields=["clarification", "state"])
        _event(report, SentimentAction.CLARIFIED, actor, title[:NOTE_LIMIT], now)
    return report


def _clarification_publish(
    *, report: SentimentReport, actor: User, title: str, body: str, now: dt.datetime
) -> Notice:
    """The clarification, published through the notices part: a receipt for each reader."""
    from bastion.notices.services import NoticeRefused, notice_publish

    try:
        return notice_publish(
            actor=actor,
            kind=NoticeKind.CLARIFICATION,
            title=title,
            body=body,
            audience=_audience(report),
            requires_ack=False,
            now=now,
        )
    except NoticeRefused as refused:
        raise SentimentRefused(refused.message, status=refused.status) from None


def sentiment_close(
    *, actor: User, report: SentimentReport, note: str, now: dt.datetime
) -> SentimentReport:
    """Close a report, clarified or not, with why."""
    _check_acting(actor, report, now)
    note = text_input(note, limit=NOTE_LIMIT, what=_("note"), refused=SentimentRefused)
    with transaction.atomic():
        report = _locked(report)
        if report.state == SentimentState.CLOSED:
            raise SentimentRefused(_("This report is already closed."))
        report.state = SentimentState.CLOSED
        report.closed_at = now
        report.save(update_fields=["state", "closed_at"])
        _event(report, SentimentAction.CLOSED, actor, note, now)
    return report


# --- reading ------------------------------------------------------------------------------


def _visible_q(scope: Scope) -> Q:
    q = Q(pk__in=[])
    if scope.person_id is not None:
        q |= Q(reporter_id=scope.person_id) | Q(owner_id=scope.person_id)
    if scope.has(Perm.HANDLE_SENTIMENT):
        if scope.everyone:
            return Q()
        for path in scope.party_paths:
            q |= Q(branch__path__startswith=path)
    return q


def sentiments_visible(*, actor: User) -> QuerySet[SentimentReport]:
    """A member sees their own reports; a secretary their organization's subtree's; the
    leading group and the Organization Department all."""
    return SentimentReport.objects.filter(_visible_q(scope_of(actor)))


def sentiment_queue(*, actor: User, now: dt.datetime) -> QuerySet[SentimentReport]:
    """The live reports at the actor's level: their branches', their committees', the
    university's (the leading group, the Organization Department), and those they own."""
    person_id = actor.person_id
    if person_id is None:
        return SentimentReport.objects.none()
    day = business_day(now)
    q = Q(owner_id=person_id)
    if scope_of(actor).has(Perm.HANDLE_SENTIMENT):
        orgs = PartyOrg.objects.filter(
            positions__in=Position.objects.active(day).filter(
                person_id=person_id, role=Role.PARTY_SECRETARY
            )
        )
        for org in orgs:
            q |= Q(level=SentimentLevel.BRANCH, branch=org)
            if org.kind == PartyOrgKind.SECONDARY_COMMITTEE:
                q |= Q(level=SentimentLevel.COMMITTEE, branch__path__startswith=org.path)
        if _university_handlers(day).filter(pk=person_id).exists():
            q |= Q(level=SentimentLevel.UNIVERSITY)
    return (
        SentimentReport.objects.filter(q, state__in=LIVE_STATES)
        .select_related("reporter", "branch", "owner")
        .order_by("-reported_at")
    )


def sentiment_for(actor: User, uid: uuid.UUID | str) -> SentimentReport:
    """A report the actor may see, by its uid; 404 otherwise."""
    return by_uid(
        sentiments_visible(actor=actor).select_related(
            "reporter", "branch", "owner", "clarification"
        ),
        uid,
    )


def sentiment_page(*, actor: User, report: SentimentReport, now: dt.datetime) -> dict[str, Any]:
    """A report with its events and screenshots (without their bytes), and what the actor
    may do."""
    events = list(report.events.select_related("actor", "actor__person"))
    shots = list(report.screenshots.order_by("pk").values_list("content_type", flat=True))
    live = report.state in LIVE_STATES
    may = _may_act(actor, report, business_day(now))
    return {
        "report": report,
        "events": [
            (e, SentimentAction(e.action).label if e.action in SentimentAction.values else e.action)
            for e in events
        ],
        "screenshots": list(range(1, len(shots) + 1)),
        "may_act": may,
        "may_escalate": may and live and report.level != SentimentLevel.UNIVERSITY,
        "may_handle": may and live,
        "may_clarify": may and live,
        "may_close": may and report.state != SentimentState.CLOSED,
    }


def sentiment_screenshot(*, report: SentimentReport, n: int) -> ScreenShot:
    """The n-th screenshot of a report (from 1), or 404."""
    from django.http import Http404

    shot = report.screenshots.order_by("pk")[n - 1 : n].first() if n >= 1 else None
    if shot is None:
        raise Http404
    return shot
