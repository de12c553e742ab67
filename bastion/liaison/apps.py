from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "bastion.liaison"
    label = "liaison"
    verbose_name = _("Community liaison and student care")
