"""Party work in the epidemic (党建工作): front-line posts with their temporary Party
organizations, duty shifts, vanguard records, cadre assessment, commendation and
accountability, discipline cases, activists' observations, exemplary stories, care for the
front line and work reports. Recorded against the same facts as the epidemic work."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _uid() -> models.UUIDField:
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


def _by(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


# --- front-line posts and duty (R2, R14) -----------------------------------------------------


class PostKind(models.TextChoices):
    QUARANTINE_DORMITORY = "quarantine", _("Quarantine dormitory")
    GATE = "gate", _("Campus gate")
    FEVER_CLINIC = "fever_clinic", _("Fever clinic")
    SUPPLIES_DEPOT = "depot", _("Supplies depot")
    OTHER = "other", _("Other post")


class FrontlinePost(models.Model):
    """A front-line post (一线岗位) and its temporary Party organization, its leader and members,
    set up and dissolved on given days (R2)."""

    uid = _uid()
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=PostKind.choices)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    party_org = models.OneToOneField(
        "org.PartyOrg",
        verbose_name=_("temporary Party organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="frontline_post",
    )
    leader = models.ForeignKey(
        "org.Person",
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts_led",
    )
    place = models.CharField(_("where"), max_length=100, blank=True)
    set_up_on = models.DateField(_("set up on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    created_by = _by(_("set up by"))

    class Meta:
        verbose_name = _("front-line post")
        verbose_name_plural = _("front-line posts")
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=F("set_up_on")),
                name="post_dissolved_after_set_up",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PostMember(models.Model):
    """Someone at a post between two days (a member of its temporary Party organization, or
    not a member at all: a volunteer)."""

    post = models.ForeignKey(FrontlinePost, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    duty = models.CharField(_("duty"), max_length=100, blank=True)
    from_on = models.DateField(_("from"))
    to_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("post member")
        verbose_name_plural = _("post members")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "person"], condition=Q(to_on__isnull=True), name="post_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post}: {self.person}"


class DutyPolicy(models.Model):
    """The university's rule for duty: the weekly hours above which a person is flagged."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="duty_policy"
    )
    weekly_hours_limit = models.PositiveSmallIntegerField(_("hours a week at most"), default=48)

    class Meta:
        verbose_name = _("duty policy")
        verbose_name_plural = _("duty policies")

    def __str__(self) -> str:
        return f"{self.campaign}: {self.weekly_hours_limit} h"


class ShiftState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("duty shift", "Planned")
    ON = "on", _("On duty")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", _("Cancelled")


class DutyShift(models.Model):
    """One shift of duty (值班值守, R14): at a post or for a unit, who holds it, when; checked in
    and out. A swap gives it to someone else and keeps who had it."""

    uid = _uid()
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    post = models.ForeignKey(
        FrontlinePost,
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="shifts"
    )
    swapped_from = models.ForeignKey(
        "org.Person",
        verbose_name=_("swapped from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    state = models.CharField(
        _("state"), max_length=10, choices=ShiftState.choices, default=ShiftState.PLANNED
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    assigned_by = _by(_("assigned by"))

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        indexes = [models.Index(fields=["person", "starts_at"], name="shift_person_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.starts_at:%m-%d %H:%M}"


# --- vanguard records (R25) --------------------------------------------------------------------


class VanguardKind(models.TextChoices):
    TASK = "task", _("Task assigned by the Party organization")
    COMMANDO = "commando", _("Commando team")
    VOLUNTEER = "volunteer", _("Volunteer service")
    PIONEER_POST = "pioneer", _("Pioneer post")
    PLEDGE = "pledge", _("Take-the-lead pledge")


class VanguardState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VanguardRecord(models.Model):
    """What a member did as a vanguard (先锋作用, R25): a task their Party organization gave
    them and its completion, a commando team, a volunteer service, a pioneer post, a pledge."""

    uid = _uid()
    kind = models.CharField(_("kind"), max_length=10, choices=VanguardKind.choices)
    party_org = models.ForeignKey(
        "org.PartyOrg",
        verbose_name=_("Party organization"),
        on_delete=models.PROTECT,
        related_name="vanguard_records",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="vanguard_records",
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    team = models.CharField(_("team"), max_length=100, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=VanguardState.choices, default=VanguardState.ASSIGNED
    )
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    outcome = models.TextField(_("outcome"), blank=True)
    assigned_by = _by(_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vanguard record")
        verbose_name_plural = _("vanguard records")
        indexes = [models.Index(fields=["party_org", "state"], name="vanguard_org_state")]
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="vanguard_hours")]

    def __str__(self) -> str:
        return self.title


# --- cadre assessment, commendation, accountability, discipline (R15-R17) ------------------------


class AssessmentRubric(models.Model):
    """The criteria a cadre is assessed by (the seeds' own, editable): [{"code", "label",
    "weight"}]. The newest active one is used."""

    name = models.CharField(_("name"), max_length=100)
    criteria = models.JSONField(_("criteria"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment rubric")
        verbose_name_plural = _("assessment rubrics")

    def __str__(self) -> str:
        return self.name


class CadreAssessment(models.Model):
    """An assessor's ratings (1-5 per criterion) and notes on a cadre, with the evidence
    Bastion held for the cadre's units when it was written (a snapshot)."""

    uid = _uid()
    cadre = models.ForeignKey(
        "org.Person", verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="+"
    )
    rubric = models.ForeignKey(AssessmentRubric, on_delete=models.PROTECT, related_name="+")
    ratings = models.JSONField(_("ratings"), default=dict)
    notes = models.TextField(_("notes"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    assessor = _by(_("assessor"))
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("cadre assessment")
        verbose_name_plural = _("cadre assessments")

    def __str__(self) -> str:
        return f"{self.cadre} {self.assessed_at:%Y-%m-%d}"


class CommendationKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    BOLD_USE = "bold_use", _("Proposed for bold use")


class Commendation(models.Model):
    """A commendation (表彰嘉奖) or a proposal for bold use (大胆使用), of a person or a Party
    organization (R16)."""

    uid = _uid()
    kind = models.CharField(_("kind"), max_length=12, choices=CommendationKind.choices)
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    party_org = models.ForeignKey(
        "org.PartyOrg",
        verbose_name=_("Party organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
    )
    citation = models.TextField(_("citation"))
    awarded_on = models.DateField(_("on"))
    recorded_by = _by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(party_org__isnull=False),
                name="commendation_of_someone",
            )
        ]

    def __str__(self) -> str:
        return self.citation[:40]


class ActionKind(models.TextChoices):
    CRITICISM = "criticism", _("Criticism and education")
    TALK = "talk", _("Organizational talk")
    ACCOUNTABILITY = "accountability", _("Accountability")


class DisciplinaryAction(models.Model):
    """Criticism (批评教育), an organizational talk (组织约谈) or accountability (问责) for poor
    work (R16)."""

    uid = _uid()
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    taken_on = models.DateField(_("on"))
    recorded_by = _by(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("disciplinary action")
        verbose_name_plural = _("disciplinary actions")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"


class CaseKind(models.TextChoices):
    NOT_DARING = "not_daring", _("Not daring to take responsibility")
    FLOATING = "floating", _("Floating work style")
    POOR_IMPLEMENTATION = "poor_implementation", _("Poor implementation")
    FALSIFICATION = "falsification", _("Falsification")
    RUMOURS = "rumours", _("Making or spreading rumours")
    DERELICTION = "dereliction", _("Dereliction of duty")


class DisciplineCase(models.Model):
    """A discipline inspection case (纪检, R17): seen by discipline inspection only, with the
    evidence (the records concerned, as references and their history)."""

    uid = _uid()
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField(_("summary"))
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    opened_by = _by(_("opened by"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("discipline case")
        verbose_name_plural = _("discipline cases")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person}"


# --- member development, exemplary deeds (R18, R19) -------------------------------------------


class ActivistObservation(models.Model):
    """A branch's observation of an activist's or applicant's front-line performance (R18)."""

    uid = _uid()
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "org.PartyOrg", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    observed_on = models.DateField(_("observed on"))
    performance = models.TextField(_("performance"))
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"))
    observer = _by(_("observer"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("activist observation")
        verbose_name_plural = _("activist observations")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="observation_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.observed_on}"


class StoryState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted by the branch")
    COMMITTEE_OK = "committee_ok", _("Reviewed by the committee")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for changes")


class ExemplaryStory(models.Model):
    """An exemplary person or touching deed (先进典型、感人事迹, R19): submitted by a branch,
    reviewed by its secondary committee, approved by the Organization Department, published."""

    uid = _uid()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("story"))
    branch = models.ForeignKey(
        "org.PartyOrg", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="stories"
    )
    people = models.ManyToManyField(
        "org.Person", verbose_name=_("about"), blank=True, related_name="stories"
    )
    state = models.CharField(
        _("state"), max_length=14, choices=StoryState.choices, default=StoryState.SUBMITTED
    )
    submitted_by = _by(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exemplary story")
        verbose_name_plural = _("exemplary stories")
        indexes = [models.Index(fields=["state", "published_at"], name="story_state_published")]

    def __str__(self) -> str:
        return self.title


class StoryPhoto(models.Model):
    """A photo of a story, kept in the database (every server has it)."""

    story = models.ForeignKey(ExemplaryStory, on_delete=models.CASCADE, related_name="photos")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    content_type = models.CharField(max_length=50)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("story photo")
        verbose_name_plural = _("story photos")

    def __str__(self) -> str:
        return self.caption or str(self.story)


class StoryReview(models.Model):
    """One step of a story's review: by whom, at which stage, passed or returned, why."""

    class Stage(models.TextChoices):
        COMMITTEE = "committee", _("Secondary committee")
        ORG_DEPARTMENT = "org_department", _("Organization Department")

    story = models.ForeignKey(ExemplaryStory, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reviewer = _by(_("reviewer"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("story review")
        verbose_name_plural = _("story reviews")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.story}: {self.get_stage_display()}"


# --- care for the front line, work reports (R23, R20) ------------------------------------------


class CareCase(models.Model):
    """A difficulty of a front-line worker (above all the hospital's), registered, assigned to
    someone, resolved (R23)."""

    uid = _uid()
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("front-line worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    difficulty = models.TextField(_("difficulty"))
    assigned_to = models.ForeignKey(
        "org.Person",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    registered_by = _by(_("registered by"))
    registered_at = models.DateTimeField(_("registered at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("care case")
        verbose_name_plural = _("care cases")

    def __str__(self) -> str:
        return f"{self.person}: {self.difficulty[:30]}"


class EquipmentIssue(models.Model):
    """Protective equipment issued to a front-line worker."""

    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("front-line worker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.CharField(_("item"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"))
    issued_on = models.DateField(_("issued on"))
    issued_by = _by(_("issued by"))

    class Meta:
        verbose_name = _("equipment issued")
        verbose_name_plural = _("equipment issued")

    def __str__(self) -> str:
        return f"{self.person}: {self.item} × {self.quantity}"


class WorkReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class WorkReport(models.Model):
    """A secondary committee's periodic report of its Party work to the Organization
    Department (工作情况报送, R20): drafted by Bastion from the committee's own data, edited and
    submitted by the committee by a deadline."""

    uid = _uid()
    party_org = models.ForeignKey(
        "org.PartyOrg",
        verbose_name=_("Party committee"),
        on_delete=models.PROTECT,
        related_name="work_reports",
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    due_at = models.DateTimeField(_("due at"))
    figures = models.JSONField(_("figures"), default=dict)
    body = models.TextField(_("report"))
    state = models.CharField(
        _("state"), max_length=10, choices=WorkReportState.choices, default=WorkReportState.DRAFT
    )
    submitted_by = _by(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        constraints = [
            models.UniqueConstraint(
                fields=["party_org", "period_start", "period_end"], name="work_report_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="work_report_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_org} {self.period_start}–{self.period_end}"
