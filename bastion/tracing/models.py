"""Tracing (流调): trips (行程), cases (病例) and the four earlies, contacts (密切接触者),
isolation (隔离) with its carer and care log, and cluster warnings (聚集性预警)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Transport(models.TextChoices):
    TRAIN = "train", _("Train")
    FLIGHT = "flight", _("Flight")
    COACH = "coach", _("Coach")
    CAR = "car", _("Car")
    SHIP = "ship", _("Ship")
    OTHER = "other", _("Other")


class TripSource(models.TextChoices):
    SELF = "self", _("Reported by the person")
    SCREENER = "screener", _("Registered by a screener")


class Trip(models.Model):
    """One leg of a journey, from one division to another between two days.

    Tracing asks where a person has been within the quarantine window, and who shared a train
    or a flight: the origin and destination are GB/T 2260 codes, the number is kept in one
    normal form (upper case, no spaces) so that equal numbers compare equal.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="trips"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trips",
    )
    origin = models.CharField(_("from (division code)"), max_length=6)
    destination = models.CharField(_("to (division code)"), max_length=6)
    departs_on = models.DateField(_("departed on"))
    arrives_on = models.DateField(_("arrived on"))
    transport = models.CharField(_("transport"), max_length=8, choices=Transport.choices)
    number = models.CharField(
        _("train or flight number"), max_length=16, blank=True, help_text=_("e.g. G1234, MU5101")
    )
    purpose = models.CharField(
        pgettext_lazy("trip or visit", "purpose"), max_length=200, blank=True
    )
    source = models.CharField(_("source"), max_length=10, choices=TripSource.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        constraints = [
            models.CheckConstraint(
                condition=Q(arrives_on__gte=F("departs_on")), name="trip_arrives_after_departing"
            ),
            models.UniqueConstraint(
                fields=["person", "client_id"],
                condition=~Q(client_id=""),
                name="trip_client_id_once",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "departs_on"], name="trip_person_departs"),
            # Who was in a key area within the window: by destination and day.
            models.Index(fields=["destination", "arrives_on"], name="trip_destination_arrives"),
            # Who shared a train or a flight on a day: contact proposals.
            models.Index(fields=["number", "departs_on"], name="trip_number_departs"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.origin}→{self.destination} {self.departs_on}"


# --- cases and the four earlies (早发现、早报告、早隔离、早治疗) ----------------------------------


class CaseStatus(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")
    EXCLUDED = "excluded", _("Excluded")
    RECOVERED = "recovered", _("Recovered")
    DIED = "died", _("Died")
    TRANSFERRED = "transferred", _("Transferred elsewhere")


# A case only moves forward: these are the states each may go to.
CASE_NEXT: dict[str, frozenset[str]] = {
    CaseStatus.SUSPECTED: frozenset({CaseStatus.CONFIRMED, CaseStatus.EXCLUDED}),
    CaseStatus.CONFIRMED: frozenset(
        {CaseStatus.RECOVERED, CaseStatus.DIED, CaseStatus.TRANSFERRED}
    ),
    CaseStatus.EXCLUDED: frozenset(),
    CaseStatus.RECOVERED: frozenset(),
    CaseStatus.DIED: frozenset(),
    CaseStatus.TRANSFERRED: frozenset(),
}
OPEN_CASE_STATUSES = (CaseStatus.SUSPECTED, CaseStatus.CONFIRMED)


class Case(models.Model):
    """A suspected or confirmed case, with the four moments the four earlies measure."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.SUSPECTED
    )
    onset_on = models.DateField(_("symptoms began on"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("discovered at"))
    reported_at = models.DateTimeField(_("reported at"))
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    treated_at = models.DateTimeField(_("treated at"), null=True, blank=True)
    hospital = models.CharField(_("where treated"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    urgent_report = models.ForeignKey(
        "reports.UrgentReport",
        verbose_name=_("urgent report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("status since"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-discovered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person"],
                condition=Q(status__in=["suspected", "confirmed"]),
                name="case_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "client_id"],
                condition=~Q(client_id=""),
                name="case_client_id_once",
            ),
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("discovered_at")),
                name="case_reported_after_discovery",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="case_campaign_status")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES


class CaseEvent(models.Model):
    """One step of a case's history: recorded, or moved from one status to the next."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


# --- contacts -----------------------------------------------------------------------------------


class ContactSetting(models.TextChoices):
    DORM_ROOM = "dorm_room", _("Same dormitory room")
    DORM_FLOOR = "dorm_floor", _("Same dormitory floor")
    CLASS = "class", _("Same class")
    LAB = "lab", _("Same lab or research group")
    UNIT = "unit", _("Same office")
    DUTY = "duty", _("Same duty shift")
    TRAIN = "train", _("Same train")
    FLIGHT = "flight", _("Same flight")
    HOUSEHOLD = "household", _("Same household")
    OTHER = "other", _("Other")


class Closeness(models.TextChoices):
    CLOSE = "close", _("Close contact")
    GENERAL = "general", _("General contact")


class ContactState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("contact", "Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Contact(models.Model):
    """A person exposed to a case, directly (degree 1) or through a contact (degree 2).

    `source` is the one they were exposed to: the case's person, or a contact of the case.
    Bastion proposes contacts from where people live, study and travel; a tracer confirms or
    dismisses each.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="contacts"
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(
        "org.Person",
        verbose_name=_("exposed to"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    degree = models.PositiveSmallIntegerField(_("degree"), default=1)
    exposure_on = models.DateField(_("exposed on"))
    setting = models.CharField(_("setting"), max_length=12, choices=ContactSetting.choices)
    closeness = models.CharField(_("closeness"), max_length=8, choices=Closeness.choices)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ContactState.choices, default=ContactState.PROPOSED
    )
    proposed = models.BooleanField(_("proposed by Bastion"), default=True)
    created_at = models.DateTimeField(_("created at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["degree", "closeness", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="contact_once_per_case"),
            models.CheckConstraint(condition=~Q(person=F("source")), name="contact_not_self"),
            models.CheckConstraint(condition=Q(degree__in=[1, 2]), name="contact_degree"),
        ]
        indexes = [models.Index(fields=["person", "state"], name="contact_person_state")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.person_id}"


# --- isolation and care ---------------------------------------------------------------------------


class IsolationKind(models.TextChoices):
    HOME = "home", _("Home isolation")
    CENTRAL = "central", _("Central isolation")


class IsolationState(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("isolation", "Proposed")
    ACTIVE = "active", _("Under isolation")
    RELEASED = "released", _("Released")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_ISOLATION_STATES = (IsolationState.PROPOSED, IsolationState.ACTIVE)


class Isolation(models.Model):
    """One person's isolation: proposed by a rule, started with a carer, released under the
    campaign's conditions. Its source is a key area, a contact or the person's own case."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="isolations",
    )
    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="isolations"
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=IsolationKind.choices, default=IsolationKind.HOME
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=IsolationState.choices,
        default=IsolationState.PROPOSED,
    )
    reason = models.CharField(_("why"), max_length=200)
    key_area = models.ForeignKey(
        "campaigns.KeyArea",
        verbose_name=_("key area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="isolations",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="isolations",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="isolations",
    )
    place = models.CharField(_("where"), max_length=100, blank=True)
    carer = models.ForeignKey(
        "org.Person",
        verbose_name=_("carer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cared_isolations",
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    tested_negative_on = models.DateField(_("negative test on"), null=True, blank=True)
    last_care_at = models.DateTimeField(_("last contact by the carer"), null=True, blank=True)
    end_note = models.CharField(_("why it ended"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("isolation")
        verbose_name_plural = _("isolations")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=["proposed", "active"]),
                name="isolation_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__isnull=True)
                | Q(starts_on__isnull=False, planned_end_on__gte=F("starts_on")),
                name="isolation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "last_care_at"], name="isolation_state_care"),
            models.Index(fields=["carer", "state"], name="isolation_carer_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ISOLATION_STATES


class IsolationEvent(models.Model):
    """One step of an isolation: proposed, started, extended, carer changed, released…"""

    class Action(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        STARTED = "started", _("Started")
        EXTENDED = "extended", _("Extended")
        CARER = "carer", _("Carer changed")
        TESTED = "tested", _("Negative test recorded")
        RELEASED = "released", _("Released")
        RELEASED_EARLY = "released_early", _("Released early")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    isolation = models.ForeignKey(Isolation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("isolation event")
        verbose_name_plural = _("isolation events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.isolation_id} {self.action}"


class CareChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    NETWORK = "network", _("Online")
    VISIT = "visit", _("Visit")


class CareLog(models.Model):
    """One contact of a carer with an isolated person: how, what they needed, what was done."""

    isolation = models.ForeignKey(
        Isolation, verbose_name=_("isolation"), on_delete=models.CASCADE, related_name="care_logs"
    )
    carer = models.ForeignKey(
        "org.Person", verbose_name=_("carer"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("how"), max_length=8, choices=CareChannel.choices)
    needs = models.CharField(_("what was needed"), max_length=500, blank=True)
    done = models.CharField(_("what was done"), max_length=500, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.CharField(_("client id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("care log")
        verbose_name_plural = _("care logs")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["isolation", "client_id"],
                condition=~Q(client_id=""),
                name="carelog_client_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.isolation_id} {self.at:%Y-%m-%d %H:%M}"


# --- cluster warnings (聚集性预警) ----------------------------------------------------------------


class ClusterGroup(models.TextChoices):
    CLASS = "class", _("Class")
    DORM_BUILDING = "dorm_building", _("Dormitory building")
    LAB = "lab", _("Lab or research group")
    UNIT = "unit", _("Unit")


class Cluster(models.Model):
    """N abnormal people in one class, dormitory building, lab or unit within D days."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="clusters",
    )
    group = models.CharField(_("where"), max_length=16, choices=ClusterGroup.choices)
    group_key = models.CharField(_("group"), max_length=64)
    group_name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="clusters"
    )
    people = models.ManyToManyField("org.Person", verbose_name=_("people"), related_name="+")
    first_day = models.DateField(_("first abnormal day"))
    raised_at = models.DateTimeField(_("raised at"))
    is_open = models.BooleanField(_("open"), default=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    urgent_report = models.ForeignKey(
        "reports.UrgentReport",
        verbose_name=_("urgent report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cluster warning")
        verbose_name_plural = _("cluster warnings")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "group", "group_key"],
                condition=Q(is_open=True),
                name="cluster_one_open_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.group_name}"
