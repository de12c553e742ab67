"""Pages of the organization: trees, people, a person. Every read goes through the scope."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_view
from bastion.org import selectors
from bastion.org.models import PersonKind


def _filters(request: HttpRequest) -> dict:
    """The people filters a page accepts: ?q= (number prefix or part of a name) and ?kind=."""
    kind = request.GET.get("kind", "")
    return {
        "query": request.GET.get("q", "")[:50],
        "kind": kind if kind in PersonKind.values else "",
    }


def _people_context(request: HttpRequest, people, *, within: str = "") -> dict:
    """A page of people, its filters; the page view is recorded in the audit trail."""
    filters = _filters(request)
    page = selectors.page_of(people, page=request.GET.get("page"))
    audit_view(request, what="org.person", rows=len(page.object_list), note=within)
    return {
        "page": page,
        "q": filters["query"],
        "kind": filters["kind"],
        "kinds": PersonKind.choices,
    }


@login_required
def units(request: HttpRequest) -> HttpResponse:
    """The unit tree as far as the viewer reaches, with counts of visible people."""
    scope = scope_of(request.user)
    rows = [] if scope.is_self_only else selectors.unit_tree(scope=scope)
    return render(request, "org/units.html", {"rows": rows, "scope": scope})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request.user)
    unit = selectors.unit_or_404(scope=scope, code=code)
    people = selectors.people_list(scope=scope, unit=unit, **_filters(request))
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            **selectors.unit_overview(scope=scope, unit=unit),
            **_people_context(request, people, within=unit.code),
        },
    )


@login_required
def party(request: HttpRequest) -> HttpResponse:
    """The Party-organization tree as far as the viewer reaches, with counts of members."""
    scope = scope_of(request.user)
    rows = [] if scope.is_self_only else selectors.party_tree(scope=scope)
    return render(request, "org/party.html", {"rows": rows, "scope": scope})


@login_required
def party_org_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request.user)
    org = selectors.party_org_or_404(scope=scope, code=code)
    members = selectors.people_list(scope=scope, party_org=org, **_filters(request))
    return render(
        request,
        "org/party_org.html",
        {
            "org": org,
            **selectors.party_org_overview(scope=scope, org=org),
            **_people_context(request, members, within=org.code),
        },
    )


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Everyone the viewer may see: search, filter by kind, fifty a page."""
    scope = scope_of(request.user)
    return render(
        request,
        "org/people.html",
        _people_context(request, selectors.people_list(scope=scope, **_filters(request))),
    )


@login_required
def person_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A person's record; ID card number and phone masked unless the role may see them."""
    scope = scope_of(request.user)
    person = scope.person_or_404(number)
    audit_view(request, what="org.person", target_id=str(person.pk), rows=1)
    workers = selectors.grid_workers(grid=person.grid)
    return render(
        request,
        "org/person.html",
        {
            "person": person,
            "positions": list(selectors.person_positions(person=person)),
            "grid_workers": workers,
            "linked": selectors.visible_numbers(scope=scope, numbers=[w.number for w in workers]),
            "show_id_number": scope.has(Perm.VIEW_ID_NUMBER),
            "show_phone": scope.has(Perm.VIEW_PHONE),
        },
    )
