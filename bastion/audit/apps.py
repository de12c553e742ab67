from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "bastion.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from bastion.audit import context, recorder

        recorder.connect()
        context.connect_tasks()
