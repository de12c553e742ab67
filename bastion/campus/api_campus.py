"""API of the return to campus and the gate, mounted under /api/v1/: apply and read
applications, decide them, approve the clear ones in bulk; the pass, the gate's check and the
public key a gate device verifies offline with.

Handlers are thin: parse, call a service, answer. Out of reach is a 404 like a missing one.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from bastion.accounts.api_auth import person_named_or_own
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.campus.gate import gate_check, pass_issue, standing
from bastion.campus.models import ReturnApplication
from bastion.campus.passes import LIFETIME, public_jwk
from bastion.campus.returns import (
    ReturnRefused,
    return_apply,
    return_for,
    return_review,
    returns_approve_clear,
    returns_visible,
)
from bastion.lib.paging import api_page

router = Router(tags=["campus"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class ReturnIn(Schema):
    person: str | None = Field(
        None, max_length=32, description="Number of the applicant; omitted: the caller."
    )
    planned_on: dt.date = Field(description="The day the person plans to return.")
    origin: str = Field(max_length=6, description="GB/T 2260 code of where they set out from.")
    route: str = Field("", max_length=200)
    transport: str = Field(description="`train`, `flight`, `coach`, `car`, `ship` or `other`.")
    number: str = Field("", max_length=16, description="Train or flight number.")
    client_id: str = Field("", max_length=64, description="A retry with it writes nothing.")


class ReturnUnmetOut(Schema):
    code: str = Field(description="`checkin_days`, `open_alert`, `key_area`, `isolation`, …")
    reason: str


class ReturnOut(Schema):
    uid: str
    person: str
    name: str
    planned_on: dt.date
    origin: str
    transport: str
    number: str
    state: str = Field(
        description="`pending`, `counselor_ok` (awaiting the college), `approved`, "
        "`rejected` or `withdrawn`."
    )
    unmet: list[ReturnUnmetOut] = Field(description="Conditions not met; empty: clear.")
    scheduled_on: dt.date | None = Field(description="The day to return on, once approved.")
    decided_note: str
    submitted_at: dt.datetime


class ReturnPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ReturnOut]


class ReturnDecisionIn(Schema):
    approve: bool
    note: str = Field(
        "", max_length=300, description="Required to reject, or to approve a held application."
    )


class ReturnBulkOut(Schema):
    approved: int
    held: int = Field(description="No longer meet every condition: reviewed one by one.")


class MyPassOut(Schema):
    code: str = Field(description="The signed pass, for the QR code. Good for a minute.")
    colour: str = Field(description="`green`, `yellow`, `red` or `grey`.")
    reason: str
    expires: int = Field(description="Unix seconds.")


class GateCheckIn(Schema):
    code: str = Field(max_length=2000)
    direction: str = Field("in", description="`in` or `out`.")
    gate: str = Field("", max_length=50)


class GateCheckOut(Schema):
    admitted: bool
    reason: str
    name: str
    number: str
    colour: str
    log: str = Field(description="The access log entry's uid.")


def _out(a: ReturnApplication) -> dict:
    return {
        "uid": str(a.uid),
        "person": a.person.number,
        "name": a.person.name,
        "planned_on": a.planned_on,
        "origin": a.origin,
        "transport": a.transport,
        "number": a.number,
        "state": a.state,
        "unmet": [
            {"code": item["code"], "reason": reason}
            for item, reason in zip(a.unmet, a.unmet_reasons, strict=True)
        ],
        "scheduled_on": a.scheduled_on,
        "decided_note": a.decided_note,
        "submitted_at": a.submitted_at,
    }


@router.post(
    "/returns",
    response={201: ReturnOut, 400: Error, 404: Error},
    summary="Apply to return to campus; sorted by the conditions at once",
)
def return_create(request: HttpRequest, data: ReturnIn):
    person = person_named_or_own(request, data.person)
    application = return_apply(
        actor=request.user,
        person=person,
        campaign=active_campaign(),
        planned_on=data.planned_on,
        origin=data.origin,
        route=data.route,
        transport=data.transport,
        number=data.number,
        client_id=data.client_id,
    )
    return Status(201, _out(application))


@router.get(
    "/returns",
    response={200: ReturnPage},
    summary="Return applications of the people in reach (and one's own), newest first",
)
def return_list(request: HttpRequest, page: int = 1, page_size: int = 50, state: str = ""):
    found = returns_visible(scope=scope_of(request.user)).select_related("person")
    if state:
        found = found.filter(state=state)
    return api_page(
        found.order_by("-submitted_at"),
        page=max(page, 1),
        page_size=min(max(page_size, 1), 200),
        out=_out,
    )


@router.post(
    "/returns/{uid}/decision",
    response={200: ReturnOut, 400: Error, 403: Error, 404: Error},
    summary="The counselor's, then the college's, decision",
)
def return_decide(request: HttpRequest, uid: str, data: ReturnDecisionIn):
    application = return_for(request.user, uid)
    application = return_review(
        actor=request.user, application=application, approve=data.approve, note=data.note
    )
    return _out(application)


@router.post(
    "/returns/approve-clear",
    response={200: ReturnBulkOut, 400: Error, 403: Error, 404: Error},
    summary="Approve every application in reach that meets every condition",
)
def return_approve_clear(request: HttpRequest):
    campaign = active_campaign()
    if campaign is None:
        raise ReturnRefused(_("No campaign is running."), status=404)
    approved, held = returns_approve_clear(actor=request.user, campaign=campaign)
    return {"approved": approved, "held": held}


@router.get("/pass", response={200: MyPassOut, 400: Error}, summary="The caller's pass, fresh")
def my_pass(request: HttpRequest):
    person = person_named_or_own(request, None)
    now = timezone.now()
    now_standing = standing(person=person, now=now)
    return {
        "code": pass_issue(person=person, now=now),
        "colour": now_standing.colour,
        "reason": now_standing.reason,
        "expires": int(now.timestamp()) + LIFETIME,
    }


@router.get("/gate/key", auth=None, summary="The public key (JWK, P-256) passes are signed with")
def gate_key(request: HttpRequest) -> dict:
    return public_jwk()


@router.post(
    "/gate/check",
    response={200: GateCheckOut, 400: Error, 403: Error},
    summary="Check a pass at a gate: admit or refuse with the reason, logged",
)
def gate_check_api(request: HttpRequest, data: GateCheckIn):
    answer = gate_check(
        actor=request.user, code=data.code, direction=data.direction, gate=data.gate
    )
    return {
        "admitted": answer.admitted,
        "reason": answer.reason,
        "name": answer.name,
        "number": answer.number,
        "colour": answer.colour,
        "log": answer.log_uid,
    }
