"""API of leave (请假/出校), mounted under /api/v1/: apply, list one's own and those in reach,
decide, withdraw.

Handlers are thin: parse, call a service of `campus.leave` or a selector, answer. A person or
leave out of reach is a 404 indistinguishable from a missing one.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.campus import leave as lv
from bastion.campus.models import LeaveApplication, LeaveState
from bastion.lib.paging import api_page
from bastion.lib.refusals import Refused

router = Router(tags=["leave"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class LeaveIn(Schema):
    person: str | None = Field(
        None,
        max_length=32,
        description="Number of the person going out; omitted: the caller. Another person "
        "only for one who may approve their leave.",
    )
    reason: str = Field(max_length=200, description="Why the person goes out.")
    destination: str = Field(max_length=100, description="Where to.")
    division: str = Field(
        "", max_length=6, description="Division code (GB/T 2260) of the destination, optional."
    )
    leaves_at: dt.datetime = Field(description="Time out (no zone: Asia/Shanghai).")
    returns_by: dt.datetime = Field(description="Time back, at most 30 days after the time out.")
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per application: a retry with the same value "
        "answers the leave already made and writes nothing.",
    )


class LeaveOut(Schema):
    uid: str
    person: str = Field(description="Number of the person going out.")
    name: str
    reason: str
    destination: str
    division: str
    leaves_at: dt.datetime
    returns_by: dt.datetime
    state: str = Field(
        description="`pending`, `approved`, `rejected`, `withdrawn`, `out` or `back`."
    )
    decided_by: str | None = Field(description="Number of the person who decided.")
    decided_at: dt.datetime | None
    decided_note: str
    out_at: dt.datetime | None
    back_at: dt.datetime | None
    submitted_at: dt.datetime
    client_id: str


class LeavePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LeaveOut]


class LeaveFilter(Schema):
    state: str = Field("all", description="`all`, or one state.")
    person: str | None = Field(None, max_length=32, description="Only this person's (a number).")
    to_decide: bool = Field(False, description="Only the pending leaves the caller may decide.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class DecisionIn(Schema):
    approve: bool = Field(description="true approves, false rejects.")
    note: str = Field("", max_length=300, description="Why; required to reject.")


def _out(leave: LeaveApplication) -> dict:
    decider = leave.decided_by
    return {
        "uid": str(leave.uid),
        "person": leave.person.number,
        "name": leave.person.name,
        "reason": leave.reason,
        "destination": leave.destination,
        "division": leave.division,
        "leaves_at": leave.leaves_at,
        "returns_by": leave.returns_by,
        "state": leave.state,
        "decided_by": decider.person.number if decider and decider.person_id else None,
        "decided_at": leave.decided_at,
        "decided_note": leave.decided_note,
        "out_at": leave.out_at,
        "back_at": leave.back_at,
        "submitted_at": leave.submitted_at,
        "client_id": leave.client_id,
    }


@router.get(
    "/leave",
    response={200: LeavePage, 400: Error},
    summary="Leave of the caller and of the people in reach",
)
def leave_list(request: HttpRequest, filters: Query[LeaveFilter]):
    if filters.to_decide:
        leaves = lv.leaves_to_decide(actor=request.user).select_related(
            "decided_by", "decided_by__person"
        )
    else:
        leaves = lv.leaves_visible(scope=scope_of(request.user))
    if filters.state in LeaveState.values:
        leaves = leaves.filter(state=filters.state)
    elif filters.state != "all":
        raise Refused(_("Unknown state %(s)s.") % {"s": filters.state})
    if filters.person:
        leaves = leaves.filter(person__number=filters.person)
    return api_page(leaves, page=filters.page, page_size=filters.page_size, out=_out)


@router.post(
    "/leave",
    response={201: LeaveOut, 200: LeaveOut, 400: Error, 404: Error, 409: Error},
    summary="Apply for leave to go out of campus (201), or answer a retry (200)",
)
def leave_create(request: HttpRequest, data: LeaveIn):
    user = request.user
    if data.person:
        person = scope_of(user).people().filter(number=data.person).first()
    else:
        person = user.person
    if person is None:
        raise Refused(_("Not found, or not in your reach."), status=404)
    replayed = lv.leave_may_apply(actor=user, person=person) and lv.leave_replayed(
        person=person, client_id=data.client_id
    )
    leave = lv.leave_apply(
        actor=user,
        person=person,
        campaign=active_campaign(),
        reason=data.reason,
        destination=data.destination,
        division=data.division,
        leaves_at=data.leaves_at,
        returns_by=data.returns_by,
        client_id=data.client_id,
    )
    return Status(200 if replayed else 201, _out(leave))


@router.post(
    "/leave/{uid}/decision",
    response={200: LeaveOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Approve or reject a pending leave (a rejection says why)",
)
def leave_decision(request: HttpRequest, uid: str, data: DecisionIn):
    leave = lv.leave_for(request.user, uid)
    leave = lv.leave_decide(actor=request.user, leave=leave, approve=data.approve, note=data.note)
    return _out(leave)


@router.post(
    "/leave/{uid}/withdraw",
    response={200: LeaveOut, 403: Error, 404: Error, 409: Error},
    summary="Withdraw one's own leave while pending, or approved and not yet out",
)
def leave_withdrawal(request: HttpRequest, uid: str):
    leave = lv.leave_for(request.user, uid)
    return _out(lv.leave_withdraw(actor=request.user, leave=leave))
