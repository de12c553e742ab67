"""System checks that refuse a dangerous production configuration at start-up.

Production is DEBUG=0. The checks tagged `security` and not deploy-only also run when the web
server loads bastion.wsgi (refuse_dangerous_settings), which runs no management command.
"""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Tags, register, run_checks
from django.core.exceptions import ImproperlyConfigured

# The host names of one's own machine: DEBUG may serve them, and only them.
_LOCAL_HOSTS = {"localhost", "testserver", ".localhost"}


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        errors.append(Error("Production runs on PostgreSQL; set DATABASE_URL.", id="bastion.E002"))
    return errors


@register(Tags.security)
def secret_key_in_production(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY:
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the laptop default; set SECRET_KEY.",
                id="bastion.E001",
            )
        ]
    return []


@register(Tags.security)
def allowed_hosts_in_production(app_configs, **kwargs):
    hosts = set(settings.ALLOWED_HOSTS)
    if settings.DEBUG:
        return []
    if not hosts or "*" in hosts:
        return [
            Error(
                "DEBUG is off but ALLOWED_HOSTS is empty or '*'; set ALLOWED_HOSTS to the "
                "site's host names (comma-separated).",
                id="bastion.E003",
            )
        ]
    return []


@register(Tags.security)
def debug_on_a_public_host(app_configs, **kwargs):
    """DEBUG shows settings and tracebacks to whoever causes an error: a laptop's only.

    A host name in ALLOWED_HOSTS (not an address: a phone on the desk's network may use one)
    is a site that others reach.
    """
    if not settings.DEBUG:
        return []
    public = sorted(host for host in settings.ALLOWED_HOSTS if _is_public_name(host))
    if public:
        return [
            Error(
                f"DEBUG is on for {', '.join(public)}; set DEBUG=0 where others reach the site.",
                id="bastion.E004",
            )
        ]
    return []


@register(Tags.security)
def cas_over_https_in_production(app_configs, **kwargs):
    server = settings.CAS_SERVER_URL
    if not settings.DEBUG and server and not server.startswith("https://"):
        return [
            Error(
                "CAS_SERVER_URL must be https:// in production: tickets are checked over it.",
                id="bastion.E005",
            )
        ]
    return []


def _is_public_name(host: str) -> bool:
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return False
    if host == "*":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def refuse_dangerous_settings() -> None:
    """Raise ImproperlyConfigured, naming each, if a start-up security check fails."""
    errors = [
        message
        for message in run_checks(tags=[Tags.security], include_deployment_checks=False)
        if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.id}: {e.msg}" for e in errors))
