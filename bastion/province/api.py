"""API of a province's instance, mounted under /api/v1/: member universities send their reports.

Not for people: a member university's instance posts here, signed with its key (see
province.signing and docs/province.md), so the operation takes no token and no session.
"""

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema, Status

from bastion.province import signing
from bastion.province.services import (
    Incoming,
    member_authenticate,
    province_report_receive,
)

router = Router(tags=["province"])

COUNT = Field(0, ge=0, le=10_000_000)


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class Counts(Schema):
    """A daily report's counts (numbers of people, never who they are)."""

    model_config = {"extra": "forbid"}

    expected: int = COUNT
    checked_in: int = COUNT
    late: int = COUNT
    abnormal: int = COUNT
    key_area: int = COUNT
    isolated: int = COUNT
    suspected: int = COUNT
    confirmed: int = COUNT


class ProvinceReportIn(Schema):
    """One version of a member university's daily report."""

    model_config = {"extra": "forbid"}

    day: dt.date = Field(description="The business day reported on (Asia/Shanghai).")
    version: int = Field(
        ge=1,
        le=100_000,
        description="1 for the day's first submission, then 2, 3… for each correction; the "
        "province keeps the highest.",
    )
    is_zero: bool = Field(description="A zero report (零报告): nothing abnormal.")
    counts: Counts = Field(description="The whole university's counts when the report was signed.")
    counts_by_kind: dict[Literal["student", "staff"], Counts] = Field(
        default_factory=dict, description="The same counts for students and for staff."
    )
    submitted_at: dt.datetime = Field(description="When the university's report was signed.")
    on_time: bool = Field(description="Signed by the university's own deadline.")


class ReceiptOut(Schema):
    key: str = Field(description="The Idempotency-Key the report came with.")
    outcome: Literal["accepted", "superseded"] = Field(
        description="accepted: the report is the university's report of the day; superseded: "
        "a later version is already held, and this one changed nothing."
    )
    day: dt.date
    version: int
    is_late: bool = Field(description="Late by the province's deadline for universities.")
    received_at: dt.datetime = Field(description="When the province first took this version.")


@router.post(
    "/province/reports",
    auth=None,
    response={201: ReceiptOut, 200: ReceiptOut, 400: Error, 401: Error, 409: Error},
    summary="A member university's daily report, signed (province instances)",
    description=(
        "Sent by a member university's instance when its daily report is submitted; the "
        "counts only, never a person's name or number. Headers: `X-Bastion-Member` (the "
        "university's code at the province), `X-Bastion-Timestamp` (Unix seconds, within 5 "
        "minutes of the province's clock), `X-Bastion-Signature` (`v1=` and the hex "
        "HMAC-SHA256, under the key the province gave, of the method, the path, the "
        "timestamp and the body, joined by newlines) and `Idempotency-Key` "
        "(`<member>/<day>/v<version>`). 201: taken (a higher version replaces the day's "
        "report); 200: an older version than the one held, changing nothing. A repeat of a "
        "key answers exactly as the first time (with `Idempotent-Replayed: true`) and writes "
        "nothing. 400: the report itself is wrong (do not resend it); 401: unknown member, "
        "bad signature or a time too far off; 409: no campaign is running at the province "
        "yet (send again later)."
    ),
)
def province_reports_receive(
    request: HttpRequest,
    response: HttpResponse,
    data: ProvinceReportIn,
    member: str = Header("", alias=signing.MEMBER, max_length=64),
    timestamp: str = Header("", alias=signing.TIMESTAMP, max_length=32),
    signature: str = Header("", alias=signing.SIGNATURE, max_length=128),
    idempotency_key: str = Header("", alias=signing.IDEMPOTENCY_KEY, max_length=200),
):
    sender = member_authenticate(
        code=member,
        timestamp=timestamp,
        signature=signature,
        method=request.method or "POST",
        path=request.path,
        body=request.body,
    )
    answer = province_report_receive(
        member=sender,
        key=idempotency_key,
        report=Incoming(
            day=data.day,
            version=data.version,
            is_zero=data.is_zero,
            counts=data.counts.model_dump(),
            counts_by_kind={kind: c.model_dump() for kind, c in data.counts_by_kind.items()},
            submitted_at=data.submitted_at,
            on_time=data.on_time,
        ),
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)
