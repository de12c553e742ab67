from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Bastion: backup and restore, what it answers while the database is away, and
    the claims that run each periodic job once per scheduled minute (bastion.ops.periodic).

    An app rather than part of bastion/lib: it has management commands, a template and a
    model, which Django finds only in installed apps.
    """

    name = "bastion.ops"
    label = "ops"
    verbose_name = _("Operations")
