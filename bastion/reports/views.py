"""Pages of the reports app (thin: parse, call a service or selector, render)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def daily(request: HttpRequest) -> HttpResponse:
    return HttpResponse("TODO")
