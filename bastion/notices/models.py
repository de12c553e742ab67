"""Notices (通知, R21) with their receipts, and public-sentiment and rumour reports (舆情, R22)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NoticeKind(models.TextChoices):
    POLICY = "policy", _("Policy")
    OFFICIAL = "official", _("Official information")
    KNOWLEDGE = "knowledge", _("Prevention knowledge")
    CLARIFICATION = "clarification", _("Clarification of a rumour")


class Notice(models.Model):
    """A notice published to an audience (units, Party organizations, roles, all students,
    all staff: `audience` as JSON), pushed through the channels; it may require each reader to
    acknowledge it. Its receipts are made for everyone in the audience when it is published."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=14, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # {"units": [codes], "party_orgs": [codes], "roles": [role], "students": bool, "staff": bool}
    audience = models.JSONField(_("audience"), default=dict)
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    is_current = models.BooleanField(
        _("current guidance"),
        default=True,
        help_text=_("Shown on the knowledge page until withdrawn or replaced."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


class Receipt(models.Model):
    """One reader of a notice: when they read it, when they acknowledged it, how often chased."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="receipts"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    chased = models.PositiveSmallIntegerField(_("times chased"), default=0)
    last_chased_at = models.DateTimeField(_("last chased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.UniqueConstraint(fields=["notice", "person"], name="receipt_once")]
        indexes = [models.Index(fields=["person", "read_at"], name="receipt_person_read")]

    def __str__(self) -> str:
        return f"{self.notice}: {self.person}"


class Severity(models.TextChoices):
    LOW = "low", _("Low: the branch handles it")
    MEDIUM = "medium", _("Medium: the secondary committee")
    HIGH = "high", _("High: the propaganda office and the leading group")


class SentimentLevel(models.TextChoices):
    BRANCH = "branch", _("Branch")
    COMMITTEE = "committee", _("Secondary committee")
    UNIVERSITY = "university", _("Propaganda office and leading group")


class SentimentState(models.TextChoices):
    OPEN = "open", pgettext_lazy("sentiment report", "Open")
    HANDLING = "handling", _("Being handled")
    CLARIFIED = "clarified", _("Clarified")
    CLOSED = "closed", _("Closed")


class SentimentReport(models.Model):
    """An item of public sentiment or a rumour a member saw (舆情): where, what, screenshots,
    how far it spread, how severe. It rises from the branch to the committee to the propaganda
    office and the leading group as its severity requires; it has an owner and a state, and may
    be answered by a clarification (a notice)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reporter = models.ForeignKey(
        "org.Person", verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "org.PartyOrg", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    where_seen = models.CharField(_("where seen"), max_length=200)
    summary = models.TextField(_("summary"))
    is_rumour = models.BooleanField(_("rumour"), default=False)
    spread = models.CharField(_("how widely spread"), max_length=100, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    level = models.CharField(_("now with"), max_length=12, choices=SentimentLevel.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=SentimentState.choices, default=SentimentState.OPEN
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clarification = models.ForeignKey(
        Notice,
        verbose_name=_("clarification"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sentiment_reports",
    )
    reported_at = models.DateTimeField(_("reported at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public-sentiment report")
        verbose_name_plural = _("public-sentiment reports")
        indexes = [models.Index(fields=["level", "state"], name="sentiment_level_state")]

    def __str__(self) -> str:
        return self.summary[:40]


class SentimentEvent(models.Model):
    """What happened to a report: raised, handed up, handled, clarified, closed; by whom."""

    report = models.ForeignKey(SentimentReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("sentiment report event")
        verbose_name_plural = _("sentiment report events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(action=""), name="sentiment_event_action")
        ]

    def __str__(self) -> str:
        return self.action


class ScreenShot(models.Model):
    """A screenshot of a sentiment report, kept in the database."""

    report = models.ForeignKey(
        SentimentReport, on_delete=models.CASCADE, related_name="screenshots"
    )
    content_type = models.CharField(max_length=50)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")

    def __str__(self) -> str:
        return f"{self.report} #{self.pk}"
