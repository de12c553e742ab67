from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _

from bastion.accounts.forms import AdminLoginForm
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of


class BastionAdminSite(AdminSite):
    site_header = _("Bastion administration")
    site_title = _("Bastion")
    index_title = _("Administration (you see only what is in your reach)")
    login_form = AdminLoginForm  # throttled as the login page is

    def has_permission(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_authenticated
            and (user.is_superuser or scope_of(user).has(Perm.ADMIN))
        )
