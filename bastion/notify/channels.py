"""Channels: how a queued notification leaves Bastion. Adding one is a class in this file.

Each channel's `send(notification)` returns when the message is handed over and raises
`ChannelError` when it was not (`permanent=True` when retrying cannot help).
"""

import json
import urllib.error
import urllib.request
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from bastion.notify.models import Notification

WEBHOOK_TIMEOUT = 5  # seconds: a robot that does not answer by then is retried later


class ChannelError(Exception):
    """The message was not delivered; `permanent` when another attempt would fail alike."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    code: ClassVar[str]

    def send(self, notification: Notification) -> None: ...


CHANNELS: dict[str, Channel] = {}


def register(cls: type) -> type:
    """Class decorator: make a channel known by its `code`."""
    CHANNELS[cls.code] = cls()
    return cls


def channel_for(code: str) -> Channel:
    """The channel with this code; an unknown code is a permanent failure of its rows."""
    try:
        return CHANNELS[code]
    except KeyError:
        raise ChannelError(
            _("Unknown channel: %(code)s") % {"code": code}, permanent=True
        ) from None


def message_id(notification: Notification) -> str:
    """The message's Message-ID: the row's uid at the sender's domain, whichever worker sends."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "bastion"
    return f"<{notification.uid}@{domain}>"


@register
class EmailChannel:
    """Email through Django's mail settings (EMAIL_*) to the recipient's address."""

    code = "email"

    def send(self, notification: Notification) -> None:
        address = notification.address or (
            notification.recipient.email if notification.recipient else ""
        )
        if not address:
            raise ChannelError(_("No email address"), permanent=True)
        message = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            # The same on every attempt, so a repeat after a crash is shown once (see
            # notify.services on delivery).
            headers={"Message-ID": message_id(notification)},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # smtplib, socket and SSL errors alike
            raise ChannelError(_("The mail server refused: %(error)s") % {"error": exc}) from exc


def webhook_payload(notification: Notification, fmt: str) -> dict:
    """The group-robot message in WeCom's or DingTalk's markdown format."""
    text = notification.body
    if notification.recipient is not None:
        text = f"{notification.recipient.name}：\n{text}"
    if fmt == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": notification.subject,
                "text": f"### {notification.subject}\n\n{text}",
            },
        }
    return {
        "msgtype": "markdown",
        "markdown": {"content": f"**{notification.subject}**\n{text}"},
    }


@register
class WebhookChannel:
    """A POST to the group robot (settings.BASTION_WEBHOOK_URL), WeCom or DingTalk format."""

    code = "webhook"

    def send(self, notification: Notification) -> None:
        url = notification.address or settings.BASTION_WEBHOOK_URL
        if not url:
            raise ChannelError(
                _("No group robot address is set (BASTION_WEBHOOK_URL)"), permanent=True
            )
        if not url.startswith(("http://", "https://")):
            raise ChannelError(
                _("The group robot address is not a web address: %(url)s") % {"url": url},
                permanent=True,
            )
        fmt = settings.BASTION_WEBHOOK_FORMAT
        data = json.dumps(webhook_payload(notification, fmt), ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                # The same on every attempt: a relay may drop a repeat by it.
                "X-Bastion-Delivery": str(notification.uid),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise ChannelError(
                _("The group robot answered HTTP %(status)s") % {"status": exc.code}
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ChannelError(
                _("The group robot cannot be reached: %(error)s") % {"error": exc}
            ) from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            return  # a 2xx without JSON: the robot took it
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
            raise ChannelError(
                _("The group robot refused: %(code)s %(message)s")
                % {"code": answer.get("errcode"), "message": answer.get("errmsg", "")}
            )
