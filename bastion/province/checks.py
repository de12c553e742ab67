"""System checks of a member university's settings (BASTION_PROVINCE_*): wrong ones would
leave its reports waiting in the outbox, so they fail at start-up instead."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from bastion.province.services import KEY_MIN_LENGTH


@register()
def province_settings(app_configs, **kwargs):
    url = settings.BASTION_PROVINCE_URL
    if not url:
        return []
    errors = []
    if not settings.BASTION_PROVINCE_MEMBER or not settings.BASTION_PROVINCE_KEY:
        errors.append(
            Error(
                "BASTION_PROVINCE_URL is set: set BASTION_PROVINCE_MEMBER (the university's "
                "code at the province) and BASTION_PROVINCE_KEY (the key it gave) too.",
                id="bastion.province.E001",
            )
        )
    if not url.startswith(("http://", "https://")):
        errors.append(
            Error(
                f"BASTION_PROVINCE_URL is not a web address: {url}",
                id="bastion.province.E002",
            )
        )
    if settings.BASTION_PROVINCE_KEY and len(settings.BASTION_PROVINCE_KEY) < KEY_MIN_LENGTH:
        errors.append(
            Warning(
                f"BASTION_PROVINCE_KEY is shorter than {KEY_MIN_LENGTH} characters; ask the "
                "province for the key its `bastion province_member` printed.",
                id="bastion.province.W001",
            )
        )
    return errors


@register(Tags.security)
def province_over_https_in_production(app_configs, **kwargs):
    url = settings.BASTION_PROVINCE_URL
    if not settings.DEBUG and url.startswith("http://"):
        return [
            Error(
                "BASTION_PROVINCE_URL must be https:// in production: the reports travel over it.",
                id="bastion.province.E003",
            )
        ]
    return []
