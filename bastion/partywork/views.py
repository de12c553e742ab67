"""The Party-work page (/party/): the pages a person's duties open, in one list."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.org.models import PoliticalStatus


def party_links(user) -> list[tuple[str, str, str]]:
    """(url, label, what it is for) of the Party-work pages this person may open."""
    scope = scope_of(user)
    person = user.person
    member = person is not None and person.political_status in (
        PoliticalStatus.MEMBER,
        PoliticalStatus.PROBATIONARY,
    )
    has = scope.has
    from bastion.partywork.stories import story_may_review_any

    offered = [
        (
            "partywork:stories",
            _("Exemplary stories"),
            _("people and deeds of the front line"),
            True,
        ),
        ("partywork:frontline_posts", _("Front-line posts"), _("who holds each post now"), True),
        ("partywork:duty_mine", _("My shifts"), _("check in and out of a shift"), bool(person)),
        (
            "partywork:vanguard_tasks",
            _("Tasks and vanguard records"),
            _("a member's tasks and pledges; a branch's record and candidates"),
            member or has(Perm.PARTY_TASKS),
        ),
        (
            "partywork:duty_roster",
            _("Duty roster"),
            _("shifts of units and posts"),
            has(Perm.DUTY_ROSTER),
        ),
        (
            "partywork:duty_share",
            _("Duty shares"),
            _("cadres and members first; hours"),
            has(Perm.DUTY_ROSTER),
        ),
        (
            "partywork:stories_review",
            _("Stories to review"),
            _("the committee's, then the department's"),
            story_may_review_any(actor=user),
        ),
        (
            "partywork:vanguard_reports",
            _("Work reports"),
            _("the committees' periodic reports"),
            has(Perm.PARTY_TASKS) or has(Perm.BRIEFING),
        ),
        (
            "partywork:care",
            _("Care for the front line"),
            _("difficulties, equipment, hours"),
            has(Perm.CARE_FRONTLINE),
        ),
        (
            "partywork:cadres",
            _("Cadre assessment"),
            _("the rubric and the evidence"),
            has(Perm.ASSESS_CADRES),
        ),
        (
            "partywork:commendations",
            _("Commendation and accountability"),
            _("commendations, talks, accountability"),
            has(Perm.COMMEND),
        ),
        (
            "partywork:discipline_cases",
            _("Discipline cases"),
            _("discipline inspection only"),
            has(Perm.DISCIPLINE),
        ),
        (
            "partywork:briefing",
            _("Daily briefing"),
            _("the day's figures, as a document"),
            has(Perm.BRIEFING),
        ),
    ]
    return [(reverse(name), label, hint) for name, label, hint, shown in offered if shown]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "partywork/home.html", {"links": party_links(request.user)})
