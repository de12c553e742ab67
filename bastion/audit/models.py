"""The audit trail (审计留痕): one append-only table of entries, each signed, chained in order.

An entry is written with its HMAC (`mac`, over its own content, keyed from SECRET_KEY) in the
transaction of the change it records; the sealer later gives it the next `seq` and `chain`
(the SHA-256 of the previous chain and its mac), and moves the head. See docs/audit.md.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Action(models.IntegerChoices):
    """What an entry records. The numbers are stored and signed: never reuse one."""

    CREATE = 1, pgettext_lazy("audit", "Created")
    UPDATE = 2, pgettext_lazy("audit", "Changed")
    DELETE = 3, pgettext_lazy("audit", "Deleted")
    VIEW = 4, pgettext_lazy("audit", "Viewed")
    EXPORT = 5, pgettext_lazy("audit", "Exported")
    # Records up to the ids named in `after` were written before the trail began or loaded in
    # bulk (the demo university): they have no entries of their own and are "not traced".
    BASELINE = 6, pgettext_lazy("audit", "Loaded without a trail")
    # Records matching `after["match"]` were removed in bulk by a rule (retention), not one
    # entry each: verify_audit counts them as purged, not as gone.
    PURGE = 7, pgettext_lazy("audit", "Purged")


# The actions that change a record: the ones a record's state is folded from.
CHANGES = (Action.CREATE, Action.UPDATE, Action.DELETE)


class AuditEntry(models.Model):
    """One change of a record, or one view or export of a list: who, when, from where, what.

    Nothing here is masked: the trail is itself sensitive, read only with audit.read. `actor`
    keeps no database constraint and is never cascaded, so deleting an account changes no
    entry; `actor_label` names who it was (the username, or a task's or command's name).
    """

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("by (as recorded)"), max_length=150, blank=True)
    ip = models.CharField(_("client address"), max_length=45, blank=True)
    action = models.PositiveSmallIntegerField(_("action"), choices=Action.choices)
    # "org.person": the record's app and model; for a view or an export, what was listed.
    target = models.CharField(_("what"), max_length=64)
    # The record's uid where it has one (known before its INSERT), else its primary key.
    target_id = models.CharField(_("which"), max_length=64, blank=True)
    # Only the audited fields: all of them for a creation (after) or a deletion (before), the
    # changed ones for a change; for a view or an export, what was asked and how many rows.
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    mac = models.CharField(max_length=64)
    seq = models.BigIntegerField(null=True, blank=True)
    chain = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(
                fields=["seq"], condition=Q(seq__isnull=False), name="audit_seq_once"
            ),
        ]
        indexes = [
            # A record's trail, and verify_audit's walk of each model's records.
            models.Index(fields=["target", "target_id", "id"], name="audit_target"),
            # What the sealer has left to do: small, as rows leave it within a minute.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.target} {self.target_id} {self.get_action_display()}"


class AuditHead(models.Model):
    """The one row saying where the chain ends: its last seq and chain, signed, so that rows
    removed from the end show (the last entry no longer matches the head)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    chain = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"{self.seq} {self.chain[:12]}"
