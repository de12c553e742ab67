"""System checks that refuse a dangerous production configuration at start-up."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        errors.append(Error("Production runs on PostgreSQL; set DATABASE_URL.", id="bastion.E002"))
    return errors


@register()
def secret_key_in_production(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the laptop default; set SECRET_KEY.",
                id="bastion.E001",
            )
        ]
    return []
