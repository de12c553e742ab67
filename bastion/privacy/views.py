"""Pages of privacy (thin): the notice and the answer to it, the page after declining, and
my data with its download."""

import json
from dataclasses import dataclass

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bastion.lib.net import client_address
from bastion.org.models import Unit
from bastion.org.selectors import page_of
from bastion.privacy import mydata
from bastion.privacy.models import ConsentRecord
from bastion.privacy.notice import consent_missing, notice_version, retention_days
from bastion.privacy.services import consent_record

CHECKINS_PER_PAGE = 30
RECENT = 50  # rows of every other section on the page; the download holds them all


def notice_context() -> dict:
    """What the notice's sentences need: the university, the retention, the version."""
    university = Unit.objects.filter(depth=1).order_by("path").values_list("name", flat=True)
    return {
        "university": university.first() or _("the university"),
        "retention_days": retention_days(),
        "version": notice_version(),
    }


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest) -> HttpResponse:
    """The notice of purpose; a person logged in agrees to it, declines it or withdraws.

    Anyone may read it, logged in or not: one should know what will happen before logging in.
    """
    user = request.user
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect("login")
        decision = request.POST.get("decision", "")
        ip = client_address(request)
        if decision == "agree":
            consent_record(user=user, agreed=True, ip=ip)
            return redirect(_next(request) or "home")
        if decision == "decline":
            consent_record(user=user, agreed=False, ip=ip)
            logout(request)
            return redirect("privacy:declined")
    agreed = None
    if user.is_authenticated and not consent_missing(user) and user.person_id is not None:
        agreed = (
            ConsentRecord.objects.filter(user=user, agreed=True, version=notice_version())
            .order_by("-at")
            .first()
        )
    return render(
        request,
        "privacy/notice.html",
        {
            **notice_context(),
            "asking": user.is_authenticated and consent_missing(user),
            "agreed": agreed,
            "next": _next(request),
        },
    )


def declined(request: HttpRequest) -> HttpResponse:
    """After declining or withdrawing: what that means, and what happens now."""
    return render(request, "privacy/declined.html", notice_context())


@dataclass
class SectionView:
    section: mydata.Section
    rows: list[list[str]]
    more: bool = False
    page: Page | None = None


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything Bastion holds about the person logged in, and nothing about anyone else."""
    user = request.user
    person = mydata.person_of(user)
    sections = []
    for section in mydata.SECTIONS:
        if person is None and section.key != "consents":
            continue
        rows = section.rows(person, user)
        if section.key == "checkins":
            page = page_of(rows, page=request.GET.get("page"), size=CHECKINS_PER_PAGE)
            objs, more = list(page.object_list), False
        else:
            page, objs = None, list(rows[: RECENT + 1])
            more, objs = len(objs) > RECENT, objs[:RECENT]
        sections.append(
            SectionView(
                section,
                rows=[[mydata.display(v) for v in section.values(obj)] for obj in objs],
                more=more,
                page=page,
            )
        )
    record = []
    if person is not None:
        record = [(label, mydata.display(value(person))) for _key, label, value in mydata.RECORD]
    return render(
        request,
        "privacy/my_data.html",
        {"person": person, "record": record, "sections": sections, "recent": RECENT},
    )


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    """The same, all of it, as one JSON file: the person's copy to keep or take elsewhere."""
    now = timezone.now()
    document = mydata.my_data_document(user=request.user, now=now)
    body = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.localtime(now).date().isoformat()
    name = f"bastion-my-data-{request.user.get_username()}-{day}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
