"""Consent to the privacy notice: agreeing, declining, withdrawing."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.lib.refusals import Refused
from bastion.privacy.models import ConsentChannel, ConsentRecord
from bastion.privacy.notice import notice_version


class ConsentRefused(Refused):
    """A decision on a notice that is not the current one (409): the person must read it again."""


@transaction.atomic
def consent_record(
    *,
    user: User,
    agreed: bool,
    ip: str | None = None,
    channel: str = ConsentChannel.WEB,
    version: str | None = None,
    now: dt.datetime | None = None,
) -> ConsentRecord:
    """Record a person's answer to the current notice, and keep it on the account.

    Declining (or withdrawing) clears the account's agreement: Bastion asks again at the next
    login. `version` is what the person read (the app sends it); a stale one is refused, so
    nobody agrees to words they were not shown.
    """
    current = notice_version()
    if version is not None and version != current:
        raise ConsentRefused(
            _("The privacy notice has changed (now version %(version)s): read it again.")
            % {"version": current},
            status=409,
        )
    record = ConsentRecord.objects.create(
        user=user,
        version=current,
        agreed=agreed,
        at=now or timezone.now(),
        ip=ip or None,
        channel=channel,
    )
    user.privacy_notice_version = current if agreed else ""
    User.objects.filter(pk=user.pk).update(privacy_notice_version=user.privacy_notice_version)
    return record
