"""The privacy API for the phone app: read the notice, answer it, and download one's data.

Every other endpoint answers 403 `privacy_consent_required` to a person who has not agreed to
the current notice; these three answer anyway (`consent=False`): the app must be able to show
the notice and send the answer, and seeing one's own data is a right that needs no consent.
"""

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from ninja import Field, Router, Schema

from bastion.accounts.api_auth import BearerToken, SessionAuth
from bastion.lib.net import client_address
from bastion.privacy import mydata
from bastion.privacy.models import ConsentChannel
from bastion.privacy.notice import consent_missing
from bastion.privacy.services import consent_record
from bastion.privacy.views import notice_context

router = Router(tags=["privacy"])
UNGATED = [BearerToken(consent=False), SessionAuth(consent=False)]


class NoticeOut(Schema):
    version: str = Field(description="Send it back with the answer.")
    retention_days: int = Field(description="Days health data are kept after a campaign ends.")
    agreed: bool = Field(description="Has the caller agreed to this version?")
    html: str = Field(description="The notice, in the caller's language, as an HTML fragment.")
    url: str = Field(description="The same notice as a page.")


class ConsentIn(Schema):
    version: str = Field(description="The version of the notice the person read.")
    agree: bool = Field(description="true: agreed; false: declined or withdrawn.")


class ConsentOut(Schema):
    version: str
    agreed: bool
    at: str


@router.get("/privacy/notice", response=NoticeOut, auth=UNGATED, summary="The privacy notice")
def notice(request: HttpRequest):
    context = notice_context()
    return {
        "version": context["version"],
        "retention_days": context["retention_days"],
        "agreed": not consent_missing(request.user),
        "html": render_to_string("privacy/_notice.html", context, request=request),
        "url": request.build_absolute_uri(reverse("privacy:notice")),
    }


@router.post(
    "/privacy/consent",
    response={200: ConsentOut, 409: dict},
    auth=UNGATED,
    summary="Agree to the privacy notice, or decline (withdraw)",
)
def consent(request: HttpRequest, data: ConsentIn):
    """409 when the notice changed since the app fetched it: show the new one."""
    record = consent_record(
        user=request.user,
        agreed=data.agree,
        ip=client_address(request),
        channel=ConsentChannel.API,
        version=data.version,
    )
    return {"version": record.version, "agreed": record.agreed, "at": record.at.isoformat()}


@router.get("/me/data", auth=UNGATED, summary="Everything Bastion holds about me")
def my_data(request: HttpRequest) -> dict[str, Any]:
    """The same document as the My data page's download: one key per section."""
    return mydata.my_data_document(user=request.user)
