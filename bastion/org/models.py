"""The organization: units, Party organizations, grids, people and their positions (R1, R2)."""

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from bastion.accounts.roles import Role
from bastion.lib import divisions, idcard
from bastion.lib.days import business_day


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province education department")  # above the universities
    UNIVERSITY = "university", _("University")
    COLLEGE = "college", _("College")
    OFFICE = "office", _("Office")
    HOSPITAL = "hospital", _("Hospital")
    DEPARTMENT = "department", _("Department")
    INSTITUTE = "institute", _("Institute")
    CENTRE = "centre", _("Centre")
    CLASS = "class", _("Class")
    LAB = "lab", _("Lab")
    RESEARCH_GROUP = "research_group", _("Research group")


class Unit(MP_Node):
    """An administrative unit; the tree is kept as a materialized path (`path`)."""

    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Stable; rosters name units by it.")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    party_org = models.ForeignKey(
        "PartyOrg",
        verbose_name=_("led by Party organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )

    steplen = 4

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class PartyOrgKind(models.TextChoices):
    UNIVERSITY_COMMITTEE = "university_committee", _("University Party committee")
    SECONDARY_COMMITTEE = "secondary_committee", _("Secondary Party committee")
    GENERAL_BRANCH = "general_branch", _("General Party branch")
    DIRECT_BRANCH = "direct_branch", _("Directly affiliated Party branch")
    BRANCH = "branch", _("Party branch")
    TEMPORARY = "temporary", _("Temporary Party organization")


class PartyOrg(MP_Node):
    """A Party organization; temporary ones stand at a front-line post between two dates."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=PartyOrgKind.choices)
    post = models.CharField(_("front-line post"), max_length=100, blank=True)
    started_on = models.DateField(_("set up on"), null=True, blank=True)
    ended_on = models.DateField(_("dissolved on"), null=True, blank=True)

    steplen = 4

    class Meta:
        verbose_name = _("Party organization")
        verbose_name_plural = _("Party organizations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                name="partyorg_temporary_has_post_and_start",
                condition=~Q(kind="temporary") | (~Q(post="") & Q(started_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="partyorg_ends_after_start",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_temporary(self) -> bool:
        return self.kind == PartyOrgKind.TEMPORARY


class Grid(models.Model):
    """A part of a unit (a dormitory floor, a class, a lab) looked after by a grid worker."""

    class Kind(models.TextChoices):
        DORMITORY_FLOOR = "dormitory_floor", _("Dormitory floor")
        CLASS = "class", _("Class")
        LAB = "lab", _("Lab")
        OFFICE = "office", _("Office")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="grids"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="grid_unique_name")]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.name}"


class PersonKind(models.TextChoices):
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Staff")


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", _("Party member")
    PROBATIONARY = "probationary", _("Probationary Party member")
    ACTIVIST = "activist", _("Activist")
    APPLICANT = "applicant", _("Applicant")
    MASSES = "masses", _("The masses")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class HealthStatus(models.TextChoices):
    GREEN = "green", _("Green: normal")
    YELLOW = "yellow", _("Yellow: watch")
    RED = "red", _("Red: abnormal")


class Person(models.Model):
    """A student or staff member, known by their number (学号/工号)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PersonKind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people"
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    political_status = models.CharField(
        _("political status"),
        max_length=16,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    party_branch = models.ForeignKey(
        PartyOrg,
        verbose_name=_("Party branch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    dormitory = models.CharField(_("dormitory"), max_length=50, blank=True)
    lab = models.ForeignKey(
        Unit,
        verbose_name=_("lab or research group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lab_members",
        help_text=_("Where a graduate student or researcher works, beside their own unit."),
    )
    home_region = models.CharField(
        _("home region"), max_length=6, blank=True, help_text=_("GB/T 2260 division code")
    )
    # Hot facts, kept current by the check-in and alert services, so that "who has not
    # checked in" and "who is abnormal" are indexed filters on this table, not history scans.
    last_checkin_day = models.DateField(_("last check-in day"), null=True, blank=True)
    health_status = models.CharField(
        _("health status"), max_length=6, choices=HealthStatus.choices, default=HealthStatus.GREEN
    )
    health_reason = models.CharField(_("why"), max_length=200, blank=True)
    health_since = models.DateTimeField(_("status since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["unit", "kind"], name="person_unit_kind"),
            models.Index(fields=["last_checkin_day"], name="person_last_checkin"),
            models.Index(fields=["health_status"], name="person_health_status"),
            # Contacts and clusters: who shares a room, a floor or a building.
            models.Index(fields=["dormitory"], name="person_dormitory"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def id_number_masked(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return idcard.mask_phone(self.phone)

    @property
    def home_region_name(self) -> str:
        return divisions.full_name(self.home_region) if self.home_region else ""

    @property
    def is_party_member(self) -> bool:
        return self.political_status in (PoliticalStatus.MEMBER, PoliticalStatus.PROBATIONARY)


class PositionQuerySet(models.QuerySet):
    def active(self, day: dt.date | None = None) -> "PositionQuerySet":
        day = day or business_day()
        return self.filter(Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Position(models.Model):
    """Who holds which duty over which unit, Party organization or grid, and when."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="positions"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
    )
    party_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="positions",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["role", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="position_held_over_exactly_one",
                condition=(
                    Q(unit__isnull=False, party_org__isnull=True, grid__isnull=True)
                    | Q(unit__isnull=True, party_org__isnull=False, grid__isnull=True)
                    | Q(unit__isnull=True, party_org__isnull=True, grid__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="position_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_role_display()} · {self.target}"

    @property
    def target(self) -> Unit | PartyOrg | Grid:
        return self.unit or self.party_org or self.grid  # type: ignore[return-value]
