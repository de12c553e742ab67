"""Exemplary deeds (先进典型、感人事迹, R19): a branch submits a story with photos, the secondary
committee above it reviews it, the Organization Department approves it, and it is published
for everyone in the university to read; the collection exports as a .docx for publicity.

Who does what:
- submit, and resubmit after a return: the secretary of the branch itself, or anyone whose
  PARTY_TASKS reaches the branch;
- the committee stage: the secretary of the secondary committee above the branch (found by
  the branch's path), or of the university committee for a branch with none above it;
- the Organization Department stage: the holders of PUBLISH_STORIES.
Nobody reviews a story they submitted. Returning needs a note the branch will read.
"""

import datetime as dt
import io
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import ROLES, Perm, Role
from bastion.accounts.scoping import scope_of
from bastion.lib.days import SHANGHAI, business_day
from bastion.lib.inputs import text_input
from bastion.lib.refusals import Refused
from bastion.lib.sheets import ExportStamp
from bastion.org.models import PartyOrg, PartyOrgKind, Person, Position
from bastion.partywork.models import (
    ExemplaryStory,
    StoryPhoto,
    StoryReview,
    StoryState,
)

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 9
MAX_BODY = 20_000
MAX_PEOPLE = 30
# The Party organizations a story comes from: branches, not committees.
BRANCH_KINDS = (
    PartyOrgKind.BRANCH,
    PartyOrgKind.GENERAL_BRANCH,
    PartyOrgKind.DIRECT_BRANCH,
    PartyOrgKind.TEMPORARY,
)
PUBLISHING_ROLES = tuple(r for r, s in ROLES.items() if Perm.PUBLISH_STORIES in s.perms)


class StoryRefused(Refused):
    """Bad input (400), no right for this step (403), or not in reach (404): nothing written."""


def _no_right(actor: User, message: str, *, uid: Any = "") -> StoryRefused:
    log.warning("story %s: refused to %s: %s", uid or "*", actor.get_username(), message)
    return StoryRefused(message, status=403)


# --- photos ---------------------------------------------------------------------------------


def photo_type(content: bytes) -> str | None:
    """The image type by the file's first bytes (never by its name or the browser's word)."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def _photos_checked(
    photos: Iterable[tuple[str, str, bytes]], *, already: int = 0
) -> list[tuple[str, str, bytes]]:
    """(caption, type found in the bytes, bytes) for each photo; refused when one is not a
    JPEG, PNG or WebP image, is over 5 MB, or there are more than nine in all."""
    checked = []
    for name, _claimed, content in photos:
        caption = text_input(
            name, limit=200, what=_("photo caption"), refused=StoryRefused, normal=_line
        )
        found = photo_type(content or b"")
        if found is None:
            raise StoryRefused(
                _("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": caption or _("A file")}
            )
        if len(content) > MAX_PHOTO_BYTES:
            raise StoryRefused(
                _("%(name)s is larger than 5 MB: send a smaller copy.")
                % {"name": caption or _("A photo")}
            )
        checked.append((caption, found, bytes(content)))
    if already + len(checked) > MAX_PHOTOS:
        raise StoryRefused(_("A story has at most 9 photos."))
    return checked


# --- who may do what ------------------------------------------------------------------------


def _ancestor_paths(org: PartyOrg) -> list[str]:
    step = PartyOrg.steplen
    return [org.path[:end] for end in range(step, len(org.path), step)]


def _secretary_positions(actor: User, day: dt.date) -> QuerySet[Position]:
    if actor.person_id is None:
        return Position.objects.none()
    return Position.objects.active(day).filter(
        person_id=actor.person_id, role=Role.PARTY_SECRETARY, party_org__isnull=False
    )


def story_may_submit(*, actor: User, branch: PartyOrg, day: dt.date | None = None) -> bool:
    """The branch's own secretary, or PARTY_TASKS reaching the branch."""
    if branch.kind not in BRANCH_KINDS:
        return False
    if _secretary_positions(actor, day or business_day()).filter(party_org=branch).exists():
        return True
    scope = scope_of(actor)
    return scope.has(Perm.PARTY_TASKS) and scope.party_orgs().filter(pk=branch.pk).exists()


def story_branches(*, actor: User, day: dt.date | None = None) -> QuerySet[PartyOrg]:
    """The branches the actor may submit stories for."""
    day = day or business_day()
    scope = scope_of(actor)
    own = _secretary_positions(actor, day).values("party_org_id")
    q = Q(pk__in=own)
    if scope.has(Perm.PARTY_TASKS):
        q |= Q(pk__in=scope.party_orgs().values("pk"))
    return PartyOrg.objects.filter(q, kind__in=BRANCH_KINDS).order_by("path")


def committees_above(branch: PartyOrg) -> QuerySet[PartyOrg]:
    """The committee that reviews the branch's stories: the secondary committee above it, or
    the university committee where there is none."""
    above = PartyOrg.objects.filter(path__in=_ancestor_paths(branch))
    secondary = above.filter(kind=PartyOrgKind.SECONDARY_COMMITTEE)
    if secondary.exists():
        return secondary
    return above.filter(kind=PartyOrgKind.UNIVERSITY_COMMITTEE)


def _is_committee_reviewer(actor: User, branch: PartyOrg, day: dt.date) -> bool:
    """The secretary of the committee above the branch (by path) on `day`."""
    return _secretary_positions(actor, day).filter(party_org__in=committees_above(branch)).exists()


def _is_publisher(actor: User) -> bool:
    return scope_of(actor).has(Perm.PUBLISH_STORIES)


# --- writing ---------------------------------------------------------------------------------


def _line(value: Any) -> str:
    """A line of Chinese text: spaces collapsed, ends trimmed. Not NFKC-folded, which would
    turn the full-width punctuation of a Chinese sentence (，。：) into ASCII."""
    text = str(value or "").replace("\ufeff", "").replace("\u200b", "")
    return re.sub(r"\s+", " ", text).strip()


def _paragraphs(value: Any) -> str:
    """A story's text: each line trimmed, at most one blank line between paragraphs."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [_line(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _people(actor: User, numbers: Sequence[str] | str) -> list[Person]:
    """The people a story is about, by number, among those the actor reaches."""
    if isinstance(numbers, str):
        numbers = re.split(r"[\s,，、;；]+", numbers)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if len(wanted) > MAX_PEOPLE:
        raise StoryRefused(_("Name at most 30 people in one story."))
    found = {p.number: p for p in scope_of(actor).people().filter(number__in=wanted)}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise StoryRefused(
            _("Unknown number, or not in your reach: %(numbers)s.")
            % {"numbers": "、".join(unknown)}
        )
    return [found[n] for n in wanted]


def _story_text(title: Any, body: Any) -> tuple[str, str]:
    title = text_input(
        title, limit=200, what=_("title"), required=True, refused=StoryRefused, normal=_line
    )
    body = text_input(
        body,
        limit=MAX_BODY,
        what=_("story text"),
        required=True,
        refused=StoryRefused,
        normal=_paragraphs,
    )
    return title, body


def story_submit(
    *,
    actor: User,
    branch: PartyOrg,
    title: Any,
    body: Any,
    people_numbers: Sequence[str] | str = (),
    photos: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> ExemplaryStory:
    """A branch submits a story, with its photos, for the committee above it to review."""
    now = now or timezone.now()
    if not story_may_submit(actor=actor, branch=branch, day=business_day(now)):
        raise _no_right(actor, _("Only the branch's secretary submits its stories."))
    title, body = _story_text(title, body)
    people = _people(actor, people_numbers)
    checked = _photos_checked(photos)
    with transaction.atomic():
        story = ExemplaryStory.objects.create(
            uid=uuid.uuid4(),
            title=title,
            body=body,
            branch=branch,
            state=StoryState.SUBMITTED,
            submitted_by=actor,
            submitted_at=now,
        )
        story.people.set(people)
        _photos_add(story, checked)
        _tell_reviewers_on_commit(story, now)
    return story


def _photos_add(story: ExemplaryStory, checked: list[tuple[str, str, bytes]]) -> None:
    StoryPhoto.objects.bulk_create(
        StoryPhoto(story=story, caption=caption, content_type=kind, content=content)
        for caption, kind, content in checked
    )


def story_resubmit(
    *,
    actor: User,
    story: ExemplaryStory,
    title: Any,
    body: Any,
    people_numbers: Sequence[str] | str = (),
    photos: Sequence[tuple[str, str, bytes]] = (),
    drop_photos: Sequence[int] = (),
    now: dt.datetime | None = None,
) -> ExemplaryStory:
    """The branch sends a returned story again, changed: it goes back to the committee.

    `drop_photos`: the positions (1, 2, …) of photos to remove; `photos` are added."""
    now = now or timezone.now()
    if not story_may_submit(actor=actor, branch=story.branch, day=business_day(now)):
        raise _no_right(actor, _("Only the branch's secretary submits its stories."), uid=story.uid)
    title, body = _story_text(title, body)
    people = _people(actor, people_numbers)
    with transaction.atomic():
        story = ExemplaryStory.objects.select_for_update().get(pk=story.pk)
        if story.state != StoryState.RETURNED:
            raise StoryRefused(
                _("Only a returned story is sent again; this one is %(state)s.")
                % {"state": story.get_state_display()}
            )
        kept = list(story.photos.order_by("pk").values_list("pk", flat=True))
        dropped = [pk for n, pk in enumerate(kept, start=1) if n in set(drop_photos)]
        checked = _photos_checked(photos, already=len(kept) - len(dropped))
        StoryPhoto.objects.filter(pk__in=dropped).delete()
        _photos_add(story, checked)
        story.title, story.body = title, body
        story.state = StoryState.SUBMITTED
        story.submitted_by = actor
        story.submitted_at = now
        story.save(update_fields=["title", "body", "state", "submitted_by", "submitted_at"])
        story.people.set(people)
        _tell_reviewers_on_commit(story, now)
    return story


def story_review(
    *,
    actor: User,
    story: ExemplaryStory,
    passed: bool,
    note: Any = "",
    now: dt.datetime | None = None,
) -> ExemplaryStory:
    """One review: the committee's on a submitted story, the Organization Department's on one
    the committee passed (which publishes it). Returning it needs a note for the branch."""
    now = now or timezone.now()
    day = business_day(now)
    note = text_input(note, limit=300, what=_("review note"), refused=StoryRefused, normal=_line)
    with transaction.atomic():
        story = (
            ExemplaryStory.objects.select_for_update(of=("self",))
            .select_related("branch")
            .get(pk=story.pk)
        )
        if story.state == StoryState.SUBMITTED:
            stage = StoryReview.Stage.COMMITTEE
            if not _is_committee_reviewer(actor, story.branch, day):
                raise _no_right(
                    actor,
                    _("The secretary of the committee above the branch reviews it first."),
                    uid=story.uid,
                )
        elif story.state == StoryState.COMMITTEE_OK:
            stage = StoryReview.Stage.ORG_DEPARTMENT
            if not _is_publisher(actor):
                raise _no_right(
                    actor,
                    _("The Organization Department approves stories for publication."),
                    uid=story.uid,
                )
        elif not (_is_committee_reviewer(actor, story.branch, day) or _is_publisher(actor)):
            raise _no_right(actor, _("Reviewing stories is not among your duties."), uid=story.uid)
        else:
            raise StoryRefused(
                _("This story is already %(state)s.") % {"state": story.get_state_display()}
            )
        if story.submitted_by_id == actor.pk:
            raise _no_right(actor, _("Nobody reviews a story they submitted."), uid=story.uid)
        if not passed and not note:
            raise StoryRefused(_("Say what to change: the branch reads it."))
        if not passed:
            story.state = StoryState.RETURNED
        elif stage == StoryReview.Stage.COMMITTEE:
            story.state = StoryState.COMMITTEE_OK
        else:
            story.state = StoryState.PUBLISHED
            story.published_at = now
        story.save(update_fields=["state", "published_at"])
        review = StoryReview.objects.create(
            story=story, stage=stage, passed=passed, note=note, reviewer=actor, at=now
        )
        if story.state == StoryState.COMMITTEE_OK:
            _tell_reviewers_on_commit(story, now)
        else:
            _tell_branch_on_commit(story, review)
    return story


# --- telling ---------------------------------------------------------------------------------


def story_reviewers(story: ExemplaryStory, day: dt.date) -> list[Person]:
    """Who reviews the story at its present stage."""
    positions = Position.objects.active(day).select_related("person")
    if story.state == StoryState.SUBMITTED:
        positions = positions.filter(
            role=Role.PARTY_SECRETARY, party_org__in=committees_above(story.branch)
        )
    elif story.state == StoryState.COMMITTEE_OK:
        positions = positions.filter(role__in=PUBLISHING_ROLES)
    else:
        return []
    return list({p.person_id: p.person for p in positions}.values())


def _tell_reviewers_on_commit(story: ExemplaryStory, now: dt.datetime) -> None:
    from bastion.notify.services import notify

    recipients = [
        p for p in story_reviewers(story, business_day(now)) if p.pk != story.submitted_by_id
    ]
    if not recipients:
        return
    stamp = now.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")
    key = f"story:{story.uid}:{story.state}:{stamp}"
    subject = _("A story to review: %(title)s") % {"title": story.title}
    body = _("%(branch)s: %(title)s. Review it at /party/stories/review/") % {
        "branch": story.branch.name,
        "title": story.title,
    }
    transaction.on_commit(
        lambda: notify(key=key, recipients=recipients, subject=subject, body=body), robust=True
    )


def _tell_branch_on_commit(story: ExemplaryStory, review: StoryReview) -> None:
    from bastion.notify.services import notify

    submitter = User.objects.filter(pk=story.submitted_by_id).select_related("person").first()
    if submitter is None or submitter.person is None:
        return
    if story.state == StoryState.PUBLISHED:
        subject = _("Story published: %(title)s") % {"title": story.title}
        body = _("Everyone in the university can read it at /party/stories/%(uid)s/") % {
            "uid": story.uid
        }
    else:
        subject = _("Story returned: %(title)s") % {"title": story.title}
        body = _("What to change: %(note)s. Send it again at /party/stories/%(uid)s/resubmit/") % {
            "note": review.note,
            "uid": story.uid,
        }
    key = f"story:{story.uid}:review:{review.pk}"
    person = submitter.person
    transaction.on_commit(
        lambda: notify(key=key, recipients=[person], subject=subject, body=body), robust=True
    )


# --- reading ---------------------------------------------------------------------------------


def _with_people_and_photos(stories: QuerySet[ExemplaryStory]) -> QuerySet[ExemplaryStory]:
    """The stories with their branch, people and photos (captions only: the bytes stay put)."""
    return stories.select_related("branch").prefetch_related(
        Prefetch("people", queryset=Person.objects.only("pk", "number", "name").order_by("number")),
        Prefetch(
            "photos",
            queryset=StoryPhoto.objects.defer("content").order_by("pk"),
            to_attr="photo_list",
        ),
    )


def stories_published() -> QuerySet[ExemplaryStory]:
    """The published stories, newest first: everyone in the university reads them."""
    return _with_people_and_photos(
        ExemplaryStory.objects.filter(state=StoryState.PUBLISHED).order_by("-published_at", "-pk")
    )


def stories_to_review(*, actor: User, day: dt.date | None = None) -> QuerySet[ExemplaryStory]:
    """The stories awaiting the actor's review: the committee's and the Department's."""
    q = _committee_review_q(actor, day or business_day())
    if _is_publisher(actor):
        q |= Q(state=StoryState.COMMITTEE_OK)
    stories = ExemplaryStory.objects.filter(q).exclude(submitted_by=actor)
    return _with_people_and_photos(stories.order_by("submitted_at", "pk")).prefetch_related(
        Prefetch("reviews", queryset=StoryReview.objects.select_related("reviewer__person"))
    )


def _committee_review_q(actor: User, day: dt.date) -> Q:
    """Submitted stories of the branches below the secondary committees the actor is
    secretary of; for the university committee's secretary, of the branches with no
    secondary committee above them."""
    q = Q(pk__in=[])
    held = _secretary_positions(actor, day).values_list("party_org__kind", "party_org__path")
    secondary = None
    for kind, path in held:
        if kind == PartyOrgKind.SECONDARY_COMMITTEE:
            q |= Q(branch__path__startswith=path)
        elif kind == PartyOrgKind.UNIVERSITY_COMMITTEE:
            if secondary is None:
                secondary = list(
                    PartyOrg.objects.filter(kind=PartyOrgKind.SECONDARY_COMMITTEE).values_list(
                        "path", flat=True
                    )
                )
            below = Q(branch__path__startswith=path)
            for other in secondary:
                below &= ~Q(branch__path__startswith=other)
            q |= below
    return q & Q(state=StoryState.SUBMITTED)


def stories_of_my_branches(*, actor: User) -> QuerySet[ExemplaryStory]:
    """The stories of the branches the actor submits for, in every state, newest first."""
    return _with_people_and_photos(
        ExemplaryStory.objects.filter(
            Q(branch__in=story_branches(actor=actor)) | Q(submitted_by=actor)
        ).order_by("-submitted_at", "-pk")
    ).prefetch_related("reviews")


def story_insider(user: User, story: ExemplaryStory, day: dt.date | None = None) -> bool:
    """Its branch (who submits for it), its committee's secretary, the Organization
    Department: those who read it before it is published, and its reviews."""
    if user.is_superuser:
        return True
    day = day or business_day()
    return (
        story.submitted_by_id == user.pk
        or _is_publisher(user)
        or story_may_submit(actor=user, branch=story.branch, day=day)
        or _is_committee_reviewer(user, story.branch, day)
    )


def story_may_read(user: User, story: ExemplaryStory) -> bool:
    """Published: everyone in the university. Otherwise only its insiders."""
    return story.state == StoryState.PUBLISHED or story_insider(user, story)


def story_may_review_any(*, actor: User, day: dt.date | None = None) -> bool:
    """A committee's secretary or the Organization Department: the review queue is theirs."""
    committees = [PartyOrgKind.SECONDARY_COMMITTEE, PartyOrgKind.UNIVERSITY_COMMITTEE]
    return (
        _is_publisher(actor)
        or _secretary_positions(actor, day or business_day())
        .filter(party_org__kind__in=committees)
        .exists()
    )


def story_for(user: User, uid: uuid.UUID | str) -> ExemplaryStory:
    """The story, if the user may read it; missing and hidden look the same (404)."""
    if not user.is_authenticated:
        raise Http404
    try:
        story = _with_people_and_photos(ExemplaryStory.objects.filter(uid=uid)).first()
    except (ValueError, TypeError):
        story = None
    if story is None or not story_may_read(user, story):
        raise Http404
    return story


def story_photo(*, story: ExemplaryStory, n: int) -> StoryPhoto:
    """The story's n-th photo (1-based), bytes and all."""
    photo = (
        StoryPhoto.objects.filter(story=story).order_by("pk")[n - 1 : n].first() if n > 0 else None
    )
    if photo is None:
        raise Http404
    return photo


# --- the collection as a document ------------------------------------------------------------


def stories_docx(
    *,
    stories: Iterable[ExemplaryStory],
    title: str = "",
    day: dt.date | None = None,
    stamp: ExportStamp | None = None,
) -> bytes:
    """The collection (先进典型事迹汇编) as an A4 .docx laid out for printing: a title page, then
    each story from a new page with its title, branch, people, text and photos."""
    from bastion.partywork import briefing_docx as od

    stories = list(stories)
    committee = PartyOrg.objects.filter(depth=1).order_by("path").first()
    issuer = (
        _("Organization Department of %(committee)s") % {"committee": committee.name}
        if committee
        else ""
    )
    document = od.a4_document()
    od.title_page(
        document,
        title=title or _("Exemplary people and touching deeds"),
        subtitle=_("%(n)d stories") % {"n": len(stories)},
        issuer=issuer,
        day=day or business_day(),
    )
    for story in stories:
        od.page_break(document)
        od.heading(document, story.title, size=od.TITLE_SIZE, face=od.XIAOBIAOSONG, center=True)
        od.line(document, story.branch.name, face=od.KAI, center=True)
        people = "、".join(p.name for p in story.people.all())
        if people:
            od.line(document, _("About: %(people)s") % {"people": people}, face=od.KAI, center=True)
        od.line(document, "")
        for paragraph in story.body.split("\n"):
            if paragraph.strip():
                od.body(document, paragraph)
        for photo in StoryPhoto.objects.filter(story=story).order_by("pk").iterator():
            od.picture(document, bytes(photo.content), photo.content_type, caption=photo.caption)
    od.stamp(
        document, stamp, title=title or _("Exemplary people and touching deeds"), rows=len(stories)
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
