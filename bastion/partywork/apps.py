from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyworkConfig(AppConfig):
    name = "bastion.partywork"
    label = "partywork"
    verbose_name = _("Party work")
