"""Pages of the checkins app (thin: parse, call a service or selector, render)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def today(request: HttpRequest) -> HttpResponse:
    return HttpResponse("TODO")
