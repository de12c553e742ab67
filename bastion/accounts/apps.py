from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "bastion.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from bastion.accounts import checks  # noqa: F401  (registers the system checks)


class BastionAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that lets in roles with the admin permission."""

    default = False

    default_site = "bastion.accounts.admin_site.BastionAdminSite"
