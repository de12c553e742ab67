"""API of notices, mounted under /api/v1/: the caller's notices (unread first) and the
acknowledgement of one. Out of reach is a 404 like a missing one."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from bastion.lib.paging import api_page
from bastion.notices.models import Receipt
from bastion.notices.selectors import my_receipts, notice_for_reader
from bastion.notices.services import NoticeRefused, notice_acknowledge

router = Router(tags=["notices"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class MyNoticeOut(Schema):
    uid: str
    kind: str = Field(description="`policy`, `official`, `knowledge` or `clarification`.")
    title: str
    body: str
    published_at: dt.datetime
    requires_ack: bool
    read_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class MyNoticePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MyNoticeOut]


def _out(receipt: Receipt) -> dict:
    n = receipt.notice
    return {
        "uid": str(n.uid),
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "published_at": n.published_at,
        "requires_ack": n.requires_ack,
        "read_at": receipt.read_at,
        "acknowledged_at": receipt.acknowledged_at,
    }


def _person(request: HttpRequest):
    person = request.user.person
    if person is None:
        raise NoticeRefused(_("Not found, or not in your reach."), status=404)
    return person


@router.get(
    "/notices",
    response={200: MyNoticePage, 404: Error},
    summary="The caller's notices, the unread first",
)
def my_notices(request: HttpRequest, page: int = 1, page_size: int = 50, unread: bool = False):
    found = my_receipts(_person(request))
    if unread:
        found = found.filter(read_at__isnull=True)
    return api_page(found, page=max(page, 1), page_size=min(max(page_size, 1), 200), out=_out)


@router.post(
    "/notices/{uid}/acknowledge",
    response={200: MyNoticeOut, 400: Error, 404: Error},
    summary="Acknowledge a notice (also marks it read); a second time changes nothing",
)
def acknowledge(request: HttpRequest, uid: str):
    from django.http import Http404

    person = _person(request)
    try:
        notice, _receipt = notice_for_reader(person, uid)
    except Http404:
        raise NoticeRefused(_("Not found, or not in your reach."), status=404) from None
    receipt = notice_acknowledge(person=person, notice=notice, now=timezone.now())
    return _out(receipt)
