from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvinceConfig(AppConfig):
    """Reporting once (一次填报、多方共享): a university's daily report reaches its province.

    The same app serves both ends: a university's instance sends (the `Dispatch` outbox), a
    province's instance receives (its `Member` universities and their `Receipt`s).
    """

    name = "bastion.province"
    label = "province"
    verbose_name = _("Reporting to the province")

    def ready(self) -> None:
        from bastion.province import checks  # noqa: F401  (registers the system checks)
