from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OrgConfig(AppConfig):
    name = "bastion.org"
    label = "org"
    verbose_name = pgettext_lazy("app", "Organization")
