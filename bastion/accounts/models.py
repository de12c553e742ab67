"""Accounts: people log in with their number; machines with hashed bearer tokens."""

import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. `username` is the person's number; `person` is who they are in the roster."""

    person = models.OneToOneField(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="user",
    )
    must_change_password = models.BooleanField(_("must change password"), default=True)
    # A hot fact beside its history (privacy.ConsentRecord): every page and API request checks
    # it, and the account row is loaded anyway, so the check costs no query.
    privacy_notice_version = models.CharField(
        _("privacy notice agreed to"),
        max_length=64,
        blank=True,
        help_text=_("The version of the privacy notice this account last agreed to."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 digest is stored, so a leaked table leaks no token."""

    PREFIX = "bst_"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("purpose"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user.username})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """One failed password for an account, or from a client address: counted in a window.

    Kept in the database, so that every server process counts the same failures. A success
    deletes the account's rows; a lockout deletes the rows it counted; rows older than the
    window are swept on the next failure.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("account")
        ADDRESS = "address", _("client address")

    kind = models.CharField(_("counted for"), max_length=8, choices=Kind.choices)
    key = models.CharField(_("account or address"), max_length=150)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [models.Index(fields=["kind", "key", "at"], name="login_failure_key_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} {self.at:%Y-%m-%d %H:%M}"


class LoginLockout(models.Model):
    """A cooling time after too many failed logins, for an account or a client address.

    The rows stay after the cooling time: they are the audit's record of who was locked out,
    when, from where and after how many failures.
    """

    kind = models.CharField(_("locked"), max_length=8, choices=LoginFailure.Kind.choices)
    key = models.CharField(_("account or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failed attempts"))
    address = models.GenericIPAddressField(_("last client address"), null=True, blank=True)
    via = models.CharField(_("login page"), max_length=20)
    started_at = models.DateTimeField(_("locked at"))
    until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        indexes = [models.Index(fields=["kind", "key", "until"], name="login_lockout_key_until")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} → {self.until:%Y-%m-%d %H:%M}"
