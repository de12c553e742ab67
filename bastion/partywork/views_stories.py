"""Pages of exemplary deeds (R19) and of the daily briefing: the published stories everyone
reads, a branch's submission and its stories, the reviewers' queue, the collection's .docx;
the briefing page and its document."""

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_export
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input
from bastion.lib.refusals import Refused
from bastion.org.selectors import page_of
from bastion.partywork import briefing, stories
from bastion.partywork.models import StoryState

FIELDS = ("branch", "title", "body", "people", "captions")


def _links(user) -> list[tuple[str, str]]:
    """The story pages this person's duties open."""
    offered = [
        ("partywork:stories", _("Exemplary deeds"), True),
        (
            "partywork:stories_mine",
            _("My branch's stories"),
            stories.story_branches(actor=user).exists(),
        ),
        (
            "partywork:stories_review",
            _("Stories to review"),
            stories.story_may_review_any(actor=user),
        ),
        ("partywork:briefing", _("Daily briefing"), scope_of(user).has(Perm.BRIEFING)),
    ]
    return [(reverse(name), label) for name, label, shown in offered if shown]


# --- reading -----------------------------------------------------------------------------------


def _may_export(user) -> bool:
    scope = scope_of(user)
    return scope.has(Perm.PUBLISH_STORIES) or scope.has(Perm.BRIEFING)


@login_required
def published(request: HttpRequest) -> HttpResponse:
    """The published stories, newest first, as cards with their photos: for everyone."""
    page = page_of(stories.stories_published(), page=request.GET.get("page"), size=20)
    return render(
        request,
        "partywork/stories_list.html",
        {"page": page, "links": _links(request.user), "may_export": _may_export(request.user)},
    )


@login_required
def detail(request: HttpRequest, uid) -> HttpResponse:
    """One story with all its photos and, for those who review or submit it, its reviews."""
    story = stories.story_for(request.user, uid)
    return render(
        request,
        "partywork/stories_detail.html",
        {
            "story": story,
            "reviews": story.reviews.select_related("reviewer__person")
            if stories.story_insider(request.user, story)
            else [],
            "may_resubmit": story.state == StoryState.RETURNED
            and stories.story_may_submit(actor=request.user, branch=story.branch),
            "links": _links(request.user),
        },
    )


@login_required
def photo(request: HttpRequest, uid, n: int) -> HttpResponse:
    """A story's n-th photo, from the database, to those who may read the story."""
    story = stories.story_for(request.user, uid)
    found = stories.story_photo(story=story, n=n)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = (
        "private, max-age=86400" if story.state == StoryState.PUBLISHED else "private, no-store"
    )
    return response


@login_required
def collection(request: HttpRequest) -> FileResponse:
    """The university's collection of published stories, as a .docx for printing: made by the
    Organization Department and the leading group for publicity (a document of every story
    and photo is heavy to build; the stories themselves are on the page for everyone)."""
    if not _may_export(request.user):
        raise Http404
    today = business_day()
    data = stories.stories_docx(
        stories=stories.stories_published().order_by("published_at"),
        stamp=audit_export(request, what="partywork.exemplarystory"),
    )
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"{_('Exemplary people and touching deeds')}-{today.isoformat()}.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


# --- submitting ------------------------------------------------------------------------------


def _photos(request: HttpRequest) -> list[tuple[str, str, bytes]]:
    """The uploaded photos, each read up to one byte past the limit (the service refuses it),
    with the caption typed on its line."""
    captions = request.POST.get("captions", "").splitlines()
    files = request.FILES.getlist("photos")[: stories.MAX_PHOTOS + 1]
    return [
        (
            captions[i] if i < len(captions) else "",
            f.content_type or "",
            f.read(stories.MAX_PHOTO_BYTES + 1),
        )
        for i, f in enumerate(files)
    ]


def _form(request, *, branches, story=None, entered=None, error="", status=200) -> HttpResponse:
    return render(
        request,
        "partywork/stories_form.html",
        {
            "branches": branches,
            "story": story,
            "values": entered or {},
            "error": error,
            "max_photos": stories.MAX_PHOTOS,
            "links": _links(request.user),
        },
        status=status,
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """A branch's secretary submits a story with photos."""
    branches = list(stories.story_branches(actor=request.user))
    if not branches:
        raise Http404
    if request.method != "POST":
        return _form(request, branches=branches, entered={"branch": branches[0].code})
    entered = {f: request.POST.get(f, "") for f in FIELDS}
    branch = next((b for b in branches if b.code == entered["branch"]), None)
    try:
        if branch is None:
            raise stories.StoryRefused(_("Pick the branch the story comes from."))
        story = stories.story_submit(
            actor=request.user,
            branch=branch,
            title=entered["title"],
            body=entered["body"],
            people_numbers=entered["people"],
            photos=_photos(request),
        )
    except Refused as refused:
        return _form(
            request,
            branches=branches,
            entered=entered,
            error=refused.message,
            status=refused.status,
        )
    messages.success(request, _("Story submitted: the committee above your branch reviews it."))
    return redirect("partywork:story", uid=story.uid)


@login_required
def resubmit(request: HttpRequest, uid) -> HttpResponse:
    """The branch changes a returned story and sends it again."""
    story = stories.story_for(request.user, uid)
    if not stories.story_may_submit(actor=request.user, branch=story.branch):
        raise Http404
    branches = [story.branch]
    if request.method != "POST":
        entered = {
            "branch": story.branch.code,
            "title": story.title,
            "body": story.body,
            "people": " ".join(p.number for p in story.people.all()),
        }
        return _form(request, branches=branches, story=story, entered=entered)
    entered = {f: request.POST.get(f, "") for f in FIELDS}
    drop = [int(n) for n in request.POST.getlist("drop") if n.isdigit()]
    try:
        stories.story_resubmit(
            actor=request.user,
            story=story,
            title=entered["title"],
            body=entered["body"],
            people_numbers=entered["people"],
            photos=_photos(request),
            drop_photos=drop,
        )
    except Refused as refused:
        return _form(
            request,
            branches=branches,
            story=story,
            entered=entered,
            error=refused.message,
            status=refused.status,
        )
    messages.success(request, _("Story sent again for review."))
    return redirect("partywork:story", uid=story.uid)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The stories of the branches one submits for, in every state, with the reviewers' notes."""
    if not stories.story_branches(actor=request.user).exists():
        raise Http404
    page = page_of(stories.stories_of_my_branches(actor=request.user), page=request.GET.get("page"))
    return render(
        request,
        "partywork/stories_mine.html",
        {"page": page, "links": _links(request.user)},
    )


# --- reviewing -------------------------------------------------------------------------------


def _queue(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "partywork/stories_review.html",
        {
            "queue": list(stories.stories_to_review(actor=request.user)),
            "error": error,
            "links": _links(request.user),
        },
        status=status,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The committee's and the Organization Department's stories to review."""
    if not stories.story_may_review_any(actor=request.user):
        raise Http404
    return _queue(request)


@login_required
@require_POST
def review(request: HttpRequest, uid) -> HttpResponse:
    """Pass or return one story; a refusal shows on the queue with its status."""
    story = stories.story_for(request.user, uid)
    try:
        story = stories.story_review(
            actor=request.user,
            story=story,
            passed=request.POST.get("decision") == "pass",
            note=request.POST.get("note", ""),
        )
    except Refused as refused:
        return _queue(request, error=f"{story.title}：{refused.message}", status=refused.status)
    if story.state == StoryState.PUBLISHED:
        messages.success(request, _("Published: %(title)s") % {"title": story.title})
    elif story.state == StoryState.COMMITTEE_OK:
        messages.success(
            request, _("Passed to the Organization Department: %(title)s") % {"title": story.title}
        )
    else:
        messages.success(request, _("Returned to the branch: %(title)s") % {"title": story.title})
    return redirect("partywork:stories_review")


# --- the briefing ----------------------------------------------------------------------------


def _briefing_day(request: HttpRequest) -> dt.date:
    """The day asked for (today if none); a day to come or not a day is not found."""
    if not scope_of(request.user).has(Perm.BRIEFING):
        raise Http404
    today = business_day()
    raw = request.GET.get("day")
    if not raw:
        return today
    try:
        day = day_input(raw, what=_("day"))
    except Refused:
        raise Http404 from None
    if day > today:
        raise Http404
    return day


@login_required
def briefing_page(request: HttpRequest) -> HttpResponse:
    """The day's briefing: the same sentences and table as the document, and its download."""
    day = _briefing_day(request)
    figures = briefing.briefing_figures(day=day, now=timezone.now())
    headers, rows = briefing.briefing_table(figures)
    return render(
        request,
        "partywork/briefing.html",
        {
            "b": figures,
            "title": briefing.briefing_title(figures),
            "sections": briefing.briefing_sections(figures),
            "headers": headers,
            "rows": rows,
            "today": business_day(),
            "links": _links(request.user),
        },
    )


@login_required
def briefing_download(request: HttpRequest) -> FileResponse:
    """The day's briefing as an official document (.docx)."""
    day = _briefing_day(request)
    data = briefing.briefing_docx(
        day=day,
        now=timezone.now(),
        stamp=audit_export(request, what="partywork.briefing", filters={"day": day.isoformat()}),
    )
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"{_('Daily briefing')}-{day.isoformat()}.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
