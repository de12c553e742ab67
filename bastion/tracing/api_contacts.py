"""API of contacts (密切接触者), mounted under /api/v1/: a case's contacts in reach, a tracer's
decision on a proposal, a contact Bastion did not find.

Handlers are thin: parse, call a service or selector of `bastion.tracing.contacts`, answer. A
refusal answers its status with `{"detail": message}`; out of reach is 404.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from bastion.accounts.api_auth import person_named_or_own
from bastion.accounts.scoping import scope_of
from bastion.tracing import contacts as svc
from bastion.tracing.cases import case_for
from bastion.tracing.models import Closeness, Contact, ContactSetting

router = Router(tags=["contacts"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class ContactOut(Schema):
    uid: str
    case: str = Field(description="uid of the case.")
    person: str = Field(description="Number of the contact.")
    name: str
    source: str | None = Field(
        description="Number of the person they were exposed to; null when out of your reach."
    )
    degree: int = Field(description="1: a contact of the case; 2: a contact of a contact.")
    exposure_on: dt.date
    setting: str = Field(description="Where: dorm_room, dorm_floor, class, lab, train, flight…")
    closeness: str = Field(description="close or general.")
    reason: str = Field(description="Why Bastion proposed them, in Chinese.")
    state: str = Field(description="proposed, confirmed or dismissed.")
    proposed: bool = Field(description="Found by Bastion (true) or added by a tracer.")


class ContactDecisionIn(Schema):
    confirm: bool = Field(description="true: a contact (isolation starts); false: dismissed.")
    note: str = Field("", max_length=svc.NOTE_MAX, description="Why, for the record.")


class ContactIn(Schema):
    person: str = Field(min_length=1, max_length=32, description="Number of the person exposed.")
    setting: ContactSetting
    closeness: Closeness
    exposure_on: dt.date = Field(description="Day of the exposure; not in the future.")
    note: str = Field("", max_length=svc.NOTE_MAX)


def _out(contact: Contact, *, readable: set[int]) -> dict:
    """The contact; its source's number only when in the caller's reach (a contact of a
    contact was exposed to someone the caller may not reach)."""
    return {
        "uid": str(contact.uid),
        "case": str(contact.case.uid),
        "person": contact.person.number,
        "name": contact.person.name,
        "source": contact.source.number if contact.source_id in readable else None,
        "degree": contact.degree,
        "exposure_on": contact.exposure_on,
        "setting": contact.setting,
        "closeness": contact.closeness,
        "reason": contact.reason,
        "state": contact.state,
        "proposed": contact.proposed,
    }


@router.get(
    "/cases/{uid}/contacts",
    response={200: list[ContactOut], 404: Error},
    summary="The contacts of a case whose person is in the caller's reach",
)
def contact_list(request: HttpRequest, uid: str):
    scope = scope_of(request.user)
    contacts = list(svc.case_contacts_visible(scope=scope, case=case_for(request.user, uid)))
    readable = svc.names_in_reach(scope, {c.source_id for c in contacts})
    return [_out(c, readable=readable) for c in contacts]


@router.post(
    "/cases/{uid}/contacts",
    response={201: ContactOut, 400: Error, 403: Error, 404: Error},
    summary="Add a contact Bastion did not find (confirmed at once: isolation starts)",
)
def contact_create(request: HttpRequest, uid: str, data: ContactIn):
    contact = svc.contact_add(
        actor=request.user,
        case=case_for(request.user, uid),
        person=person_named_or_own(request, data.person),
        setting=data.setting,
        closeness=data.closeness,
        exposure_on=data.exposure_on,
        note=data.note,
    )
    return Status(201, _out(contact, readable={contact.source_id}))  # the case's person


@router.post(
    "/contacts/{uid}/decision",
    response={200: ContactOut, 400: Error, 404: Error},
    summary="Confirm or dismiss a proposed contact",
)
def contact_decision(request: HttpRequest, uid: str, data: ContactDecisionIn):
    contact = svc.contact_decide(
        actor=request.user,
        contact=svc.contact_for(request.user, uid),
        confirm=data.confirm,
        note=data.note,
    )
    readable = svc.names_in_reach(scope_of(request.user), {contact.source_id})
    return _out(contact, readable=readable)
