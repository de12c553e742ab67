"""Campus (校园): the semester plan and its deferred start, return-to-campus and leave
applications, gate passes and the access log, key places, visitors and contingency plans."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bastion.tracing.models import Transport


class SemesterPlan(models.Model):
    """A campaign's three time points (vacation, return from travel, semester start), the
    deferred start, and the rules of return: who may be on campus meanwhile, how many days of
    clean check-ins a return needs, and how many may return each day."""

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="semester_plan",
    )
    vacation_starts_on = models.DateField(_("vacation starts on"))
    travel_return_on = models.DateField(_("return from travel from"))
    semester_starts_on = models.DateField(_("semester starts on (planned)"))
    deferred_start_on = models.DateField(
        _("deferred start"),
        null=True,
        blank=True,
        help_text=_("Empty: the semester starts as planned. Nobody returns before it."),
    )
    return_checkin_days = models.PositiveSmallIntegerField(
        _("days of check-in before return"),
        default=14,
        help_text=_("Consecutive days of check-in, up to the day before applying."),
    )
    daily_capacity = models.PositiveIntegerField(_("returns per day (university)"), default=2000)
    college_daily_capacity = models.PositiveIntegerField(
        _("returns per day (each college)"), default=300
    )
    staff_on_campus = models.BooleanField(
        _("staff may come to campus meanwhile"),
        default=True,
        help_text=_("Students may be on campus before the start only if they stayed (留校)."),
    )
    leave_grace_minutes = models.PositiveSmallIntegerField(
        _("minutes late before a leave is overdue"), default=30
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("semester plan")
        verbose_name_plural = _("semester plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(travel_return_on__gte=F("vacation_starts_on"))
                & Q(semester_starts_on__gte=F("travel_return_on")),
                name="semester_plan_points_in_order",
            ),
            models.CheckConstraint(
                condition=Q(deferred_start_on__isnull=True)
                | Q(deferred_start_on__gte=F("semester_starts_on")),
                name="semester_plan_deferred_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.start_on}"

    @property
    def start_on(self):
        """The day the semester really starts: the deferred one if set."""
        return self.deferred_start_on or self.semester_starts_on


class Stay(models.Model):
    """A student who stayed on campus over the vacation (留校), and so may be there before the
    semester starts."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="stays"
    )
    reason = models.CharField(_("why"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("stay on campus")
        verbose_name_plural = _("stays on campus")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="stay_once_per_campaign")
        ]

    def __str__(self) -> str:
        return str(self.person)


class ReturnState(models.TextChoices):
    PENDING = "pending", _("Awaiting the counselor")
    COUNSELOR_APPROVED = "counselor_ok", _("Awaiting the college")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_RETURN_STATES = (ReturnState.PENDING, ReturnState.COUNSELOR_APPROVED, ReturnState.APPROVED)


class ReturnApplication(models.Model):
    """A person's application to return to campus (返校申请).

    Sorted when submitted (and again before each decision): `unmet` lists the campaign's
    conditions that are not met, as codes with a reason a person can read. An application
    with nothing unmet is "clear" and a counselor approves it in bulk; any other is reviewed
    one by one, by the counselor then the college. An approved one gets a day to return on,
    within the day's capacity.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="return_applications",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="return_applications",
    )
    planned_on = models.DateField(_("planned return"))
    origin = models.CharField(_("from (division code)"), max_length=6)
    route = models.CharField(_("route"), max_length=200, blank=True)
    transport = models.CharField(_("transport"), max_length=8, choices=Transport.choices)
    number = models.CharField(_("train or flight number"), max_length=16, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ReturnState.choices, default=ReturnState.PENDING
    )
    # [{"code": "checkin_days", "why": "too_few_days", "values": {…}}], empty when every
    # condition is met; put into words by campus.returns.unmet_reason.
    unmet = models.JSONField(_("conditions not met"), default=list, blank=True)
    sorted_at = models.DateTimeField(_("sorted at"))
    scheduled_on = models.DateField(_("return on"), null=True, blank=True)
    decided_note = models.CharField(_("reason"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("return-to-campus application")
        verbose_name_plural = _("return-to-campus applications")
        indexes = [
            models.Index(fields=["campaign", "state"], name="return_campaign_state"),
            models.Index(fields=["campaign", "scheduled_on"], name="return_campaign_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"],
                condition=Q(state__in=["pending", "counselor_ok", "approved"]),
                name="return_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["person", "client_id"],
                condition=~Q(client_id=""),
                name="return_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.planned_on}"

    @property
    def is_clear(self) -> bool:
        return not self.unmet

    @property
    def unmet_reasons(self) -> list[str]:
        """The conditions not met, in words, in the reader's language."""
        from bastion.campus.returns import unmet_reason

        return [unmet_reason(item) for item in self.unmet]


class ReturnReview(models.Model):
    """One decision on a return application: by whom, at which stage, with what reason."""

    class Stage(models.TextChoices):
        BULK = "bulk", _("Approved in bulk (all conditions met)")
        COUNSELOR = "counselor", _("Counselor")
        COLLEGE = "college", _("College")
        APPLICANT = "applicant", _("Applicant")

    application = models.ForeignKey(
        ReturnApplication, on_delete=models.CASCADE, related_name="reviews"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    state = models.CharField(_("decision"), max_length=12, choices=ReturnState.choices)
    note = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("return review")
        verbose_name_plural = _("return reviews")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.get_state_display()}"


class LeaveState(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OUT = "out", _("Out")
    BACK = "back", _("Back")


class LeaveApplication(models.Model):
    """Leave to go out of campus (请假/出校): why, where, from when until when. Approved by the
    counselor (a unit leader for staff); a person not back by their time raises an alert."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="leave_applications",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="leave_applications",
    )
    reason = models.CharField(_("reason"), max_length=200)
    destination = models.CharField(_("destination"), max_length=100)
    division = models.CharField(_("division code"), max_length=6, blank=True)
    leaves_at = models.DateTimeField(_("out from"))
    returns_by = models.DateTimeField(_("back by"))
    state = models.CharField(
        _("state"), max_length=10, choices=LeaveState.choices, default=LeaveState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_note = models.CharField(_("note"), max_length=300, blank=True)
    out_at = models.DateTimeField(_("went out at"), null=True, blank=True)
    back_at = models.DateTimeField(_("came back at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("leave application")
        verbose_name_plural = _("leave applications")
        indexes = [models.Index(fields=["state", "returns_by"], name="leave_state_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(returns_by__gt=F("leaves_at")), name="leave_back_after_out"
            ),
            models.UniqueConstraint(
                fields=["person", "client_id"],
                condition=~Q(client_id=""),
                name="leave_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.destination}"


class KeyPlaceKind(models.TextChoices):
    OFFICE = "office", pgettext_lazy("key place", "Office")
    TEACHING_LAB = "lab", _("Teaching or research lab")
    APARTMENT = "apartment", _("Student apartment")
    OTHER = "other", _("Other")


# Outsiders may never enter these (R13).
NO_VISITORS = frozenset({KeyPlaceKind.TEACHING_LAB, KeyPlaceKind.APARTMENT})


class KeyPlace(models.Model):
    """A controlled place (重点场所, R13): who may enter (the people of its unit and those named),
    its capacity, and how many are inside now (kept on the row by the entry service)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=KeyPlaceKind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="key_places"
    )
    dormitory = models.CharField(
        _("building"),
        max_length=50,
        blank=True,
        help_text=_("For an apartment: the building whose residents may enter, e.g. 一号楼."),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    allowed = models.ManyToManyField(
        "org.Person", verbose_name=_("also allowed"), blank=True, related_name="+"
    )
    occupancy = models.PositiveIntegerField(_("inside now"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key place")
        verbose_name_plural = _("key places")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="key_place_capacity_positive")
        ]

    def __str__(self) -> str:
        return self.name


class Visitor(models.Model):
    """An outsider registered to come on campus: their host, why, and the window of time.
    Barred from student apartments and labs."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    organization = models.CharField(_("organization"), max_length=100, blank=True)
    purpose = models.CharField(pgettext_lazy("trip or visit", "purpose"), max_length=200)
    host = models.ForeignKey(
        "org.Person", verbose_name=_("host"), on_delete=models.PROTECT, related_name="visitors"
    )
    valid_from = models.DateTimeField(_("from"))
    valid_until = models.DateTimeField(_("until"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="visitor_until_after_from"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class AccessLog(models.Model):
    """Every pass shown at a gate or a key place, admitted or refused, with the reason."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(_("at"), db_index=True)
    gate = models.CharField(_("gate"), max_length=50, blank=True)
    place = models.ForeignKey(
        KeyPlace,
        verbose_name=_("key place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_logs",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_logs",
    )
    visitor = models.ForeignKey(
        Visitor,
        verbose_name=_("visitor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_logs",
    )
    admitted = models.BooleanField(_("admitted"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The pass's own nonce: an admitted pass is never admitted twice (no replay).
    nonce = models.CharField(_("pass nonce"), max_length=32, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["person", "at"], name="access_person_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["nonce"],
                condition=Q(admitted=True) & ~Q(nonce=""),
                name="access_pass_admitted_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_direction_display()}"


class ContingencyPlan(models.Model):
    """A unit's contingency plan (工作预案/应急预案, R3) for a campaign; its text lives in
    versions, the newest being the current one."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="contingency_plans",
    )
    title = models.CharField(_("title"), max_length=200)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="plan_one_per_unit")
        ]

    def __str__(self) -> str:
        return self.title


class ContingencyPlanVersion(models.Model):
    """One version of a plan: the document (kept in the database, so every server has it),
    the three time points it plans for, who uploaded it and when."""

    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    vacation_on = models.DateField(_("vacation"))
    travel_return_on = models.DateField(_("return from travel"))
    semester_starts_on = models.DateField(_("semester start"))
    summary = models.TextField(_("summary"), blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(blank=True)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("contingency plan version")
        verbose_name_plural = _("contingency plan versions")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"
