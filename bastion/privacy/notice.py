"""The privacy notice's version, and whether an account has agreed to the current one.

A login that belongs to a person (a data subject) must have agreed to the current version
before Bastion processes anything for it; an account that is nobody's (a gate device, the
province's reporting system, the bootstrap administrator) has no personal data to consent to.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bastion.lib.refusals import Refused


def notice_version() -> str:
    """The current version: the university's version string and the retention it promises.

    The retention is a sentence of the notice, so changing it asks everyone again without
    anyone having to remember to change the version too.
    """
    return f"{settings.BASTION_PRIVACY_NOTICE_VERSION}+{retention_days()}d"


def retention_days() -> int:
    return max(0, settings.BASTION_HEALTH_RETENTION_DAYS)


def consent_missing(user) -> bool:
    """Has this logged-in account, a person's, not agreed to the current notice? No query."""
    return (
        getattr(user, "person_id", None) is not None
        and user.privacy_notice_version != notice_version()
    )


CONSENT_REQUIRED = _(
    "Read the privacy notice and agree to it first: GET /api/v1/privacy/notice, then "
    "POST /api/v1/privacy/consent with its version."
)


class ConsentRequired(Refused):
    """The API's answer to a person who has not agreed to the current notice (403)."""

    code = "privacy_consent_required"

    def __init__(self) -> None:
        super().__init__(str(CONSENT_REQUIRED), status=403)
        self.version = notice_version()


def check_consent(user) -> None:
    """Raise ConsentRequired for a person's account without consent to the current notice."""
    if consent_missing(user):
        raise ConsentRequired
