from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "bastion.checkins"
    label = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        # The check-in hot path keeps the active campaign for a few seconds; a change to a
        # campaign or its key areas made in this process is seen at once.
        from bastion.campaigns.models import Campaign, KeyArea
        from bastion.checkins.selectors import active_campaign_forget

        for model in (Campaign, KeyArea):
            post_save.connect(active_campaign_forget, sender=model, dispatch_uid=f"ci-{model}")
            post_delete.connect(active_campaign_forget, sender=model, dispatch_uid=f"ci-d-{model}")
