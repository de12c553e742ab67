"""Which records the trail keeps, and which of their fields: the one table to change when an
app gains personal, health, case, report or Party-work data.

A field is audited unless excluded here; those excluded are facts Bastion derives and keeps on
the row for speed (a person's last check-in day and health status, an alert's escalation
clock, an application's sorting), recomputed by the services from the audited records, whose
every change would otherwise fill the trail with the clock's work. Many-to-many links are not
recorded (an alert's escalation list, a story's people, a key place's allowed people).
"""

import functools
from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.db import models

from bastion.accounts.roles import Perm


@dataclass(frozen=True)
class Audited:
    """A model whose creations, changes and deletions are recorded."""

    model_label: str  # "org.Person"
    exclude: frozenset[str] = field(default_factory=frozenset)
    # The lookup from the record to the person it is about ("" for a person), for the scope
    # of the trail page; None: it reads only for those who reach everyone.
    person: str | None = None
    # A right needed to read the trail beyond audit.read: a discipline case's trail says what
    # the case says, which only discipline inspection may read.
    perm: Perm | None = None

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @cached_property
    def label(self) -> str:
        """What entries name the model by: "org.person"."""
        return self.model._meta.label_lower

    @cached_property
    def key(self) -> str:
        """The field an entry names the record by: its uid (known before the INSERT, kept for
        life) where it has one, else the primary key."""
        names = {f.name for f in self.model._meta.concrete_fields}
        return "uid" if "uid" in names else "pk"

    @cached_property
    def public_key(self) -> str | None:
        """What the trail page's address names the record by: never a sequential id."""
        if self.key == "uid":
            return "uid"
        return "number" if self.model_label == "org.Person" else None

    @cached_property
    def fields(self) -> list[models.Field]:
        return [
            f
            for f in self.model._meta.concrete_fields
            if not f.primary_key and f.name != "uid" and f.name not in self.exclude
        ]

    @cached_property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.fields]

    def key_of(self, instance: models.Model) -> str:
        return str(instance.uid if self.key == "uid" else instance.pk)


def _a(model_label: str, *exclude: str, person: str | None = None, perm: Perm | None = None):
    return Audited(model_label, frozenset(exclude), person, perm)


REGISTRY: list[Audited] = [
    # Personal data; the hot facts are the check-in and alert services' (see above).
    _a(
        "org.Person",
        "last_checkin_day",
        "health_status",
        "health_reason",
        "health_since",
        "created_at",
        "updated_at",
        person="",
    ),
    # Who holds which duty: what a person may see and do.
    _a("org.Position", person="person"),
    # Health.
    _a("checkins.CheckIn", person="person"),
    _a("checkins.CheckInRevision", person="checkin__person"),
    _a("alerts.Alert", "level", "escalate_at", person="person"),
    # Cases, contacts, isolation, trips.
    _a("tracing.Trip", person="person"),
    _a("tracing.Case", person="person"),
    _a("tracing.Contact", person="person"),
    _a("tracing.Isolation", "last_care_at", person="person"),
    _a("tracing.CareLog", person="isolation__person"),
    # Reports.
    _a("reports.DailyReport"),
    _a("reports.UrgentReport"),
    # Campus decisions and visitors.
    _a("campus.ReturnApplication", "unmet", "sorted_at", person="person"),
    _a("campus.LeaveApplication", person="person"),
    _a("campus.Stay", person="person"),
    _a("campus.Visitor", person="host"),
    # Party work.
    _a("partywork.FrontlinePost"),
    _a("partywork.PostMember", person="person"),
    _a("partywork.DutyShift", person="person"),
    _a("partywork.VanguardRecord", person="person"),
    _a("partywork.CadreAssessment", person="cadre"),
    _a("partywork.Commendation"),
    _a("partywork.DisciplinaryAction", person="person"),
    _a("partywork.DisciplineCase", person="person", perm=Perm.DISCIPLINE),
    _a("partywork.ActivistObservation", person="person"),
    _a("partywork.ExemplaryStory"),
    _a("partywork.CareCase", person="person"),
    _a("partywork.EquipmentIssue", person="person"),
    _a("partywork.WorkReport"),
    # Information, supplies, liaison and care.
    _a("notices.Notice"),
    _a("notices.SentimentReport", person="reporter"),
    _a("supplies.SupplyRequest"),
    _a("supplies.SupplyMovement"),
    _a("liaison.CommunityContact"),
    _a("liaison.Handover", person="isolation__person"),
    _a("liaison.CareRequest", person="person"),
]


@functools.cache
def by_model() -> dict[type[models.Model], Audited]:
    return {spec.model: spec for spec in REGISTRY}


@functools.cache
def by_label() -> dict[str, Audited]:
    return {spec.label: spec for spec in REGISTRY}


def spec_for(model: type[models.Model]) -> Audited | None:
    return by_model().get(model)
