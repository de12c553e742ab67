"""Pages of the organization: trees, people, a person. Every read goes through the scope."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from bastion.accounts.scoping import scope_of


@login_required
def units(request):
    return HttpResponse("TODO")


@login_required
def unit_detail(request, code: str):
    return HttpResponse("TODO")


@login_required
def party(request):
    return HttpResponse("TODO")


@login_required
def party_org_detail(request, code: str):
    return HttpResponse("TODO")


@login_required
def people(request):
    return HttpResponse("TODO")


@login_required
def person_detail(request, number: str):
    scope_of(request.user).person_or_404(number)
    return HttpResponse("TODO")
