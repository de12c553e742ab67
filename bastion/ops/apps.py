from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running Bastion: backup and restore, and what it answers while the database is away.

    An app rather than part of bastion/lib: it has management commands and a template, which
    Django finds only in installed apps. It has no models.
    """

    name = "bastion.ops"
    label = "ops"
    verbose_name = _("Operations")
