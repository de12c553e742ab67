"""Fixtures of the notify tests: the loopback SMTP server and group robot, wired into settings."""

import pytest

from bastion.notify.testing import LoopbackSMTP, WebhookReceiver


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that Django's mail settings point at."""
    with LoopbackSMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def webhook_receiver(settings):
    """A real HTTP group robot on loopback that BASTION_WEBHOOK_URL points at (WeCom format)."""
    with WebhookReceiver() as receiver:
        settings.BASTION_WEBHOOK_URL = receiver.url
        settings.BASTION_WEBHOOK_FORMAT = "wecom"
        yield receiver
