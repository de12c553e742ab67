"""Running Bastion: the claims that let a periodic job run once per scheduled minute."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One periodic job's run for one scheduled minute, claimed by the worker that runs it.

    Every worker's scheduler enqueues the job for the minute it fired for; the unique
    (task, slot) lets the first to start it run and every other skip (bastion.ops.periodic).
    """

    task = models.CharField(_("task"), max_length=200)
    slot = models.DateTimeField(_("scheduled for"))
    # Huey's id of the enqueued task: a retry of the run that holds the claim may run again.
    run_id = models.CharField(_("Huey task id"), max_length=64)
    worker = models.CharField(_("worker"), max_length=200)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        ordering = ["-slot", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "slot"], name="periodic_run_once_per_slot")
        ]
        indexes = [models.Index(fields=["slot"], name="periodic_run_slot")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.slot:%Y-%m-%d %H:%M}"
