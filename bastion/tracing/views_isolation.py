"""Pages of isolation (thin: parse, call a service or selector, render): the ledger of
isolated people and its xlsx, one isolation with its forms, and the carer's page."""

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bastion.audit.services import audit_export, audit_view
from bastion.lib.days import business_day
from bastion.lib.sheets import ExportStamp, xlsx_table
from bastion.tracing import isolation as iso
from bastion.tracing.ledgers import (
    exporter_name,
    ledger_file,
    ledger_scope,
    ledger_scope_name,
    ledger_title,
)
from bastion.tracing.models import (
    OPEN_ISOLATION_STATES,
    CareChannel,
    Isolation,
    IsolationKind,
    IsolationState,
)

LIST_LIMIT = 200  # rows on the page; the xlsx holds them all
# How a carer reached the person, as the forms say it (the model's "Phone" reads as a number).
CHANNEL_LABELS = {
    CareChannel.PHONE: gettext_lazy("Phone call"),
    CareChannel.NETWORK: gettext_lazy("Online (WeChat, QQ…)"),
    CareChannel.VISIT: gettext_lazy("Home visit"),
}
STATE_FILTERS = {"open": OPEN_ISOLATION_STATES, "all": None} | {
    value: (value,) for value in IsolationState.values
}


# --- the ledger (隔离人员台账) ------------------------------------------------------------------


def _ledger_isolations(request: HttpRequest) -> tuple[QuerySet[Isolation], dict]:
    """The isolations in the viewer's reach, filtered (?state=&kind=&unit=CODE); 404 for those
    without a ledger, an unknown filter or a unit out of reach."""
    scope, unit = ledger_scope(request)
    state = request.GET.get("state", "open")
    kind = request.GET.get("kind", "")
    if state not in STATE_FILTERS or (kind and kind not in IsolationKind.values):
        raise Http404
    isolations = iso.isolations_visible(scope=scope)
    if STATE_FILTERS[state] is not None:
        isolations = isolations.filter(state__in=STATE_FILTERS[state])
    if kind:
        isolations = isolations.filter(kind=kind)
    if unit is not None:
        isolations = isolations.filter(person__unit__path__startswith=unit.path)
    isolations = isolations.order_by("person__unit__path", "person__number", "-proposed_at")
    return isolations, {"state": state, "kind": kind, "unit": unit}


def _source(isolation: Isolation) -> str:
    if isolation.contact_id:
        return _("Contact of a case")
    if isolation.case_id:
        return _("Their own case")
    if isolation.key_area_id:
        return _("Key area")
    return _("Registered by hand")


@login_required
def isolation_ledger(request: HttpRequest) -> HttpResponse:
    """The people in reach under (or proposed for) isolation, with their carer and last contact."""
    isolations, filters = _ledger_isolations(request)
    today = business_day()
    rows = []
    for isolation in isolations[:LIST_LIMIT]:
        _since, due, overdue = iso.care_due(isolation, today=today)
        rows.append({"i": isolation, "source": _source(isolation), "due": due, "overdue": overdue})
    audit_view(request, what="tracing.isolation", rows=len(rows))
    return render(
        request,
        "tracing/isolation_ledger.html",
        {
            "rows": rows,
            "count": isolations.count(),
            "limit": LIST_LIMIT,
            "today": today,
            "states": [
                ("open", _("Proposed or under isolation")),
                *IsolationState.choices,
                ("all", _("All")),
            ],
            "kinds": IsolationKind.choices,
            "query": request.GET.urlencode(),
            **filters,
        },
    )


def isolation_ledger_xlsx(
    *,
    isolations: QuerySet[Isolation],
    scope_name: str,
    day: dt.date,
    exporter: str,
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
    """The ledger as an office prints it, streamed a chunk at a time."""
    title = ledger_title(
        what=_("People under isolation"), scope_name=scope_name, day=day, exporter=exporter
    )
    columns = [
        (_("Number"), 14),
        (_("Name"), 10),
        (_("Unit"), 28),
        (_("Kind of isolation"), 12),
        (_("State"), 10),
        (_("Why"), 36),
        (_("Isolated from"), 12),
        (_("Planned end"), 12),
        (_("Place"), 16),
        (_("Carer"), 10),
        (_("Last contact"), 17),
        (_("Contact overdue"), 10),
        (_("Ended on"), 12),
    ]
    kinds = {value: str(label) for value, label in IsolationKind.choices}
    states = {value: str(label) for value, label in IsolationState.choices}
    yes = _("Yes")

    def rows() -> Iterator[list]:
        for isolation in isolations.iterator(chunk_size=2000):
            _since, _due, overdue = iso.care_due(isolation, today=day)
            last = isolation.last_care_at
            yield [
                isolation.person.number,
                isolation.person.name,
                isolation.person.unit.name,
                kinds[isolation.kind],
                states[isolation.state],
                isolation.reason,
                isolation.starts_on.isoformat() if isolation.starts_on else "",
                isolation.planned_end_on.isoformat() if isolation.planned_end_on else "",
                isolation.place,
                isolation.carer.name if isolation.carer else "",
                timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
                yes if overdue else "",
                isolation.ended_on.isoformat() if isolation.ended_on else "",
            ]

    return xlsx_table(sheet=_("Isolation"), title=title, columns=columns, rows=rows(), stamp=stamp)


@login_required
def isolation_ledger_download(request: HttpRequest) -> FileResponse:
    isolations, filters = _ledger_isolations(request)
    today = business_day()
    scope_name = ledger_scope_name(filters["unit"])
    data = isolation_ledger_xlsx(
        isolations=isolations,
        scope_name=scope_name,
        day=today,
        exporter=exporter_name(request.user),
        stamp=audit_export(request, what="tracing.isolation"),
    )
    return ledger_file(data, name="隔离人员台账", scope_name=scope_name, day=today)


# --- one isolation ------------------------------------------------------------------------------


def _isolation_or_404(request: HttpRequest, uid) -> Isolation:
    try:
        return iso.isolation_for(request.user, uid)
    except iso.IsolationRefused as exc:
        raise Http404 from exc


def _labelled(logs) -> list:
    logs = list(logs)
    for log in logs:
        log.channel_label = CHANNEL_LABELS.get(log.channel, log.channel)
    return logs


def _detail(
    request: HttpRequest, isolation: Isolation, *, error: str = "", status: int = 200
) -> HttpResponse:
    today = business_day()
    may_manage = iso.isolation_may_manage(actor=request.user, person=isolation.person)
    since, due, overdue = iso.care_due(isolation, today=today)
    context = {
        "i": isolation,
        "person": isolation.person,
        "events": list(isolation.events.select_related("actor", "actor__person")),
        "logs": _labelled(isolation.care_logs.select_related("carer")[:100]),
        "checkins": iso.isolation_checkins(isolation, today=today),
        "may_manage": may_manage,
        "may_log": isolation.state == IsolationState.ACTIVE
        and (may_manage or iso.care_may_log(actor=request.user, isolation=isolation)),
        "kinds": IsolationKind.choices,
        "channels": list(CHANNEL_LABELS.items()),
        "today": today,
        "since": since,
        "due": due,
        "overdue": overdue,
        "error": error,
        "unmet": iso.release_unmet(isolation=isolation, today=today)
        if may_manage and isolation.state == IsolationState.ACTIVE
        else [],
    }
    return render(request, "tracing/isolation_detail.html", context, status=status)


@login_required
def isolation_detail(request: HttpRequest, uid) -> HttpResponse:
    return _detail(request, _isolation_or_404(request, uid))


def _care_log(request: HttpRequest, isolation: Isolation) -> None:
    """Log the carer's contact the form describes."""
    iso.care_log(
        actor=request.user,
        isolation=isolation,
        channel=request.POST.get("channel", ""),
        needs=request.POST.get("needs", ""),
        done=request.POST.get("done", ""),
        client_id=request.POST.get("client_id", ""),
    )


def _act(request: HttpRequest, isolation: Isolation, action: str) -> str:
    """Do one form's step; the message to show."""
    post, user = request.POST, request.user
    if action == "start":
        iso.isolation_start(
            actor=user,
            person=isolation.person,
            kind=post.get("kind", IsolationKind.HOME),
            reason=post.get("reason", ""),
            carer=iso.carer_named(actor=user, number=post.get("carer")),
            place=post.get("place", ""),
            starts_on=post.get("starts_on") or None,
        )
        return _("Isolation started; the carer has been told.")
    if action == "extend":
        iso.isolation_extend(
            actor=user, isolation=isolation, days=post.get("days"), reason=post.get("reason", "")
        )
        return _("Isolation extended.")
    if action == "test":
        iso.isolation_test_record(actor=user, isolation=isolation, tested_on=post.get("tested_on"))
        return _("Negative test recorded.")
    if action == "release":
        iso.isolation_release(
            actor=user,
            isolation=isolation,
            note=post.get("note", ""),
            early=post.get("early") == "1",
        )
        return _("Released from isolation.")
    if action == "withdraw":
        iso.isolation_withdraw(actor=user, isolation=isolation, note=post.get("note", ""))
        return _("Proposal withdrawn.")
    if action == "carer":
        carer = iso.carer_named(actor=user, number=post.get("carer"))
        if carer is None:
            raise iso.IsolationRefused(_("Give the number of the new carer."))
        iso.isolation_carer_set(actor=user, isolation=isolation, carer=carer)
        return _("Carer changed; the new carer has been told.")
    if action == "care":
        _care_log(request, isolation)
        return _("Contact logged.")
    raise Http404


ACTIONS = ("start", "extend", "test", "release", "withdraw", "carer", "care")


@login_required
@require_POST
def isolation_act(request: HttpRequest, uid, action: str) -> HttpResponse:
    """One step on an isolation from its page; a refusal shows beside the forms, nothing
    written."""
    if action not in ACTIONS:
        raise Http404
    isolation = _isolation_or_404(request, uid)
    try:
        message = _act(request, isolation, action)
    except iso.IsolationRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _detail(request, isolation, error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("tracing:isolation_detail", uid=isolation.uid)


# --- the carer's page (我照护的隔离人员) ---------------------------------------------------------


def _care_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    person = request.user.person
    today = business_day()
    cared = iso.cared_by(carer=person, today=today) if person is not None else []
    return render(
        request,
        "tracing/care.html",
        {
            "cared": [(c, uuid.uuid4().hex) for c in cared],
            "today": today,
            "channels": list(CHANNEL_LABELS.items()),
            "error": error,
        },
        status=status,
    )


@login_required
def care(request: HttpRequest) -> HttpResponse:
    """The people the viewer cares for under isolation: their week of check-ins, the last
    contact, and a form to log a call in seconds."""
    return _care_page(request)


@login_required
@require_POST
def care_log(request: HttpRequest, uid) -> HttpResponse:
    isolation = _isolation_or_404(request, uid)
    try:
        _care_log(request, isolation)
    except iso.IsolationRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _care_page(request, error=exc.message, status=exc.status)
    messages.success(request, _("Contact with %(name)s logged.") % {"name": isolation.person.name})
    return redirect("tracing:care")
