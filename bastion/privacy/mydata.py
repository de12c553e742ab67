"""My data (PIPL art. 44, 45): everything Bastion holds about one person, read for that
person alone.

Each section is defined once, as columns and a row function, and both the page and the
download read the same definition: the page cannot show what the file leaves out, nor the
reverse. Every query starts from the person (or their own account); nothing here takes a
scope, because nothing here may reach anyone else.

What a section leaves out, it leaves out on purpose: other people's identities (the case a
contact was exposed to, who named them, the text of messages sent to them as an owner of
other people's alerts), internal ids, and phone and ID card numbers unmasked (the person
knows their own; the page may be open on a shared phone, as on the record page).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.models import User
from bastion.alerts.models import Alert, AlertState
from bastion.campus.models import AccessLog, LeaveApplication, ReturnApplication, Stay
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.liaison.models import CareRequest
from bastion.lib import divisions
from bastion.notices.models import Receipt
from bastion.notify.models import Notification
from bastion.org.models import Person, Position
from bastion.privacy.models import ConsentRecord
from bastion.reports.models import UrgentReport
from bastion.tracing.models import CareLog, Case, Cluster, Contact, Isolation, Trip

Value = str | int | bool | Decimal | dt.date | dt.datetime | list[str] | None


@dataclass(frozen=True)
class Section:
    """One kind of record: its key in the download, its title, its columns, its rows."""

    key: str
    title: Promise
    columns: tuple[tuple[str, Promise], ...]  # (key in the download, header on the page)
    rows: Callable[[Person, User], QuerySet]
    values: Callable[[Any], tuple[Value, ...]]

    def row(self, obj: Any) -> dict[str, Value]:
        return dict(zip((key for key, _label in self.columns), self.values(obj), strict=True))


def _place(code: str) -> str:
    return divisions.full_name(code) if code else ""


def _name(person: Person | None) -> str:
    return person.name if person is not None else ""


# --- the person's own record -------------------------------------------------------------------

RECORD: tuple[tuple[str, Promise, Callable[[Person], Value]], ...] = (
    ("number", gettext_lazy("Number"), lambda p: p.number),
    ("name", gettext_lazy("Name"), lambda p: p.name),
    ("gender", gettext_lazy("Gender"), lambda p: p.get_gender_display()),
    ("kind", gettext_lazy("Kind"), lambda p: p.get_kind_display()),
    ("unit", gettext_lazy("Unit"), lambda p: p.unit.name),
    ("grid", gettext_lazy("Grid"), lambda p: p.grid.name if p.grid else ""),
    ("lab", gettext_lazy("Lab or research group"), lambda p: p.lab.name if p.lab else ""),
    (
        "political_status",
        gettext_lazy("Political status"),
        lambda p: p.get_political_status_display(),
    ),
    (
        "party_branch",
        gettext_lazy("Party branch"),
        lambda p: p.party_branch.name if p.party_branch else "",
    ),
    ("phone", gettext_lazy("Phone (masked)"), lambda p: p.phone_masked),
    ("id_number", gettext_lazy("ID card number (masked)"), lambda p: p.id_number_masked),
    ("email", gettext_lazy("Email"), lambda p: p.email),
    ("dormitory", gettext_lazy("Dormitory"), lambda p: p.dormitory),
    ("home_region", gettext_lazy("Home region"), lambda p: p.home_region_name),
    ("health_status", gettext_lazy("Health status"), lambda p: p.get_health_status_display()),
    ("health_reason", gettext_lazy("Why"), lambda p: p.health_reason),
    ("health_since", gettext_lazy("Status since"), lambda p: p.health_since),
    ("last_checkin_day", gettext_lazy("Last check-in"), lambda p: p.last_checkin_day),
)


def person_of(user: User) -> Person | None:
    """The account's own person, with what the record shows (one query)."""
    if user.person_id is None:
        return None
    return (
        Person.objects.select_related("unit", "grid", "lab", "party_branch")
        .filter(pk=user.person_id)
        .first()
    )


def record_of(person: Person) -> dict[str, Value]:
    return {key: value(person) for key, _label, value in RECORD}


# --- the sections --------------------------------------------------------------------------------


def _symptoms(checkin: CheckIn) -> list[str]:
    return [checkin.campaign.symptom_label(code) for code in checkin.symptoms]


REVISION_ORDER = ("temperature", "symptoms", "location", "on_campus", "submitted_at")


def _revision_data(revision: CheckInRevision) -> str:
    """The earlier version in words, in a steady order (PostgreSQL keeps JSON keys its own
    way), without the internal id of who submitted it."""
    data = {k: v for k, v in revision.data.items() if k != "submitted_by"}
    keys = [k for k in REVISION_ORDER if k in data] + sorted(set(data) - set(REVISION_ORDER))
    return "; ".join(f"{k}: {data[k]}" for k in keys)


def _alert_note(alert: Alert) -> str:
    # As the person's own alerts page shows it: the closing note, once the alert is closed.
    return alert.note if alert.state == AlertState.CLOSED else ""


SECTIONS: tuple[Section, ...] = (
    Section(
        "positions",
        gettext_lazy("Positions you hold"),
        (
            ("role", gettext_lazy("Role")),
            ("over", gettext_lazy("Over")),
            ("from", gettext_lazy("From")),
            ("until", gettext_lazy("Until")),
        ),
        lambda p, u: (
            Position.objects.filter(person=p)
            .select_related("unit", "party_org", "grid")
            .order_by("-starts_on", "-pk")
        ),
        lambda x: (x.get_role_display(), x.target.name, x.starts_on, x.ends_on),
    ),
    Section(
        "checkins",
        gettext_lazy("Health check-ins"),
        (
            ("day", gettext_lazy("Day")),
            ("submitted_at", gettext_lazy("Submitted at")),
            ("temperature", gettext_lazy("Temperature (°C)")),
            ("symptoms", gettext_lazy("Symptoms")),
            ("where", gettext_lazy("Where (division)")),
            ("on_campus", gettext_lazy("On campus")),
            ("key_area_contact", gettext_lazy("Contact with a key area")),
            ("case_contact", gettext_lazy("Contact with a case")),
            ("late", gettext_lazy("Late")),
            ("on_your_behalf", gettext_lazy("Submitted on your behalf")),
            ("status", gettext_lazy("Health status")),
            ("why", gettext_lazy("Why")),
            ("revision", gettext_lazy("Revision")),
        ),
        lambda p, u: (
            CheckIn.objects.filter(person=p).select_related("campaign").order_by("-day", "-pk")
        ),
        lambda c: (
            c.day,
            c.submitted_at,
            c.temperature,
            _symptoms(c),
            _place(c.location),
            c.on_campus,
            c.key_area_contact,
            c.case_contact,
            c.is_late,
            c.is_proxy,
            c.get_status_display(),
            c.reason,
            c.revision,
        ),
    ),
    Section(
        "checkin_revisions",
        gettext_lazy("Earlier versions of your check-ins"),
        (
            ("day", gettext_lazy("Day")),
            ("revision", gettext_lazy("Revision")),
            ("replaced_at", gettext_lazy("Replaced at")),
            ("as_it_was", gettext_lazy("As it was")),
        ),
        lambda p, u: (
            CheckInRevision.objects.filter(checkin__person=p)
            .select_related("checkin")
            .order_by("-checkin__day", "-revision")
        ),
        lambda r: (r.checkin.day, r.revision, r.replaced_at, _revision_data(r)),
    ),
    Section(
        "alerts",
        gettext_lazy("Alerts about you"),
        (
            ("raised_at", gettext_lazy("Raised at")),
            ("summary", gettext_lazy("Summary")),
            ("state", gettext_lazy("State")),
            ("looked_after_by", gettext_lazy("Looked after by")),
            ("closed_at", gettext_lazy("Closed at")),
            ("note", gettext_lazy("Note")),
        ),
        lambda p, u: (
            Alert.objects.filter(person=p).select_related("owner").order_by("-raised_at", "-pk")
        ),
        lambda a: (
            a.raised_at,
            a.summary,
            a.get_state_display(),
            _name(a.owner),
            a.closed_at,
            _alert_note(a),
        ),
    ),
    Section(
        "trips",
        gettext_lazy("Trips"),
        (
            ("departed_on", gettext_lazy("Departed on")),
            ("arrived_on", gettext_lazy("Arrived on")),
            ("from", gettext_lazy("From")),
            ("to", gettext_lazy("To")),
            ("transport", gettext_lazy("Transport")),
            ("number", gettext_lazy("Train or flight number")),
            ("purpose", gettext_lazy("Purpose")),
            ("source", gettext_lazy("Source")),
            ("registered_at", gettext_lazy("Registered at")),
        ),
        lambda p, u: Trip.objects.filter(person=p).order_by("-departs_on", "-pk"),
        lambda t: (
            t.departs_on,
            t.arrives_on,
            _place(t.origin),
            _place(t.destination),
            t.get_transport_display(),
            t.number,
            t.purpose,
            t.get_source_display(),
            t.registered_at,
        ),
    ),
    Section(
        "cases",
        gettext_lazy("Your case"),
        (
            ("status", gettext_lazy("Status")),
            ("onset_on", gettext_lazy("Symptoms began on")),
            ("discovered_at", gettext_lazy("Discovered at")),
            ("reported_at", gettext_lazy("Reported at")),
            ("isolated_at", gettext_lazy("Isolated at")),
            ("treated_at", gettext_lazy("Treated at")),
            ("hospital", gettext_lazy("Where treated")),
        ),
        lambda p, u: Case.objects.filter(person=p).order_by("-discovered_at", "-pk"),
        lambda c: (
            c.get_status_display(),
            c.onset_on,
            c.discovered_at,
            c.reported_at,
            c.isolated_at,
            c.treated_at,
            c.hospital,
        ),
    ),
    Section(
        # Never the case or the person one was exposed to, nor the tracer's words about it.
        "contacts",
        gettext_lazy("Where you were found to be a contact"),
        (
            ("exposed_on", gettext_lazy("Exposed on")),
            ("setting", gettext_lazy("Setting")),
            ("closeness", gettext_lazy("Closeness")),
            ("degree", gettext_lazy("Degree")),
            ("state", gettext_lazy("State")),
            ("decided_at", gettext_lazy("Decided at")),
        ),
        lambda p, u: Contact.objects.filter(person=p).order_by("-exposure_on", "-pk"),
        lambda c: (
            c.exposure_on,
            c.get_setting_display(),
            c.get_closeness_display(),
            c.degree,
            c.get_state_display(),
            c.decided_at,
        ),
    ),
    Section(
        "isolations",
        gettext_lazy("Isolations"),
        (
            ("kind", gettext_lazy("Kind")),
            ("state", gettext_lazy("State")),
            ("why", gettext_lazy("Why")),
            ("where", gettext_lazy("Where")),
            ("carer", gettext_lazy("Carer")),
            ("from", gettext_lazy("From")),
            ("planned_end", gettext_lazy("Planned end")),
            ("ended_on", gettext_lazy("Ended on")),
            ("negative_test_on", gettext_lazy("Negative test on")),
            ("why_it_ended", gettext_lazy("Why it ended")),
        ),
        lambda p, u: (
            Isolation.objects.filter(person=p)
            .select_related("carer")
            .order_by("-proposed_at", "-pk")
        ),
        lambda i: (
            i.get_kind_display(),
            i.get_state_display(),
            i.reason,
            i.place,
            _name(i.carer),
            i.starts_on,
            i.planned_end_on,
            i.ended_on,
            i.tested_negative_on,
            i.end_note,
        ),
    ),
    Section(
        "care_logs",
        gettext_lazy("Your carer's contacts with you"),
        (
            ("at", gettext_lazy("At")),
            ("how", gettext_lazy("How")),
            ("needed", gettext_lazy("What was needed")),
            ("done", gettext_lazy("What was done")),
        ),
        lambda p, u: CareLog.objects.filter(isolation__person=p).order_by("-at", "-pk"),
        lambda c: (c.at, c.get_channel_display(), c.needs, c.done),
    ),
    Section(
        "clusters",
        gettext_lazy("Cluster warnings that counted you"),
        (
            ("where", gettext_lazy("Where")),
            ("first_day", gettext_lazy("First abnormal day")),
            ("raised_at", gettext_lazy("Raised at")),
        ),
        lambda p, u: Cluster.objects.filter(people=p).order_by("-raised_at", "-pk"),
        lambda c: (c.group_name, c.first_day, c.raised_at),
    ),
    Section(
        "urgent_reports",
        gettext_lazy("Special situations reported about you"),
        (
            ("kind", gettext_lazy("Kind")),
            ("reported_at", gettext_lazy("Reported at")),
        ),
        lambda p, u: UrgentReport.objects.filter(person=p).order_by("-reported_at", "-pk"),
        lambda r: (r.get_kind_display(), r.reported_at),
    ),
    Section(
        "return_applications",
        gettext_lazy("Return-to-campus applications"),
        (
            ("planned_on", gettext_lazy("Planned return")),
            ("from", gettext_lazy("From")),
            ("route", gettext_lazy("Route")),
            ("transport", gettext_lazy("Transport")),
            ("number", gettext_lazy("Train or flight number")),
            ("state", gettext_lazy("State")),
            ("conditions_not_met", gettext_lazy("Conditions not met")),
            ("return_on", gettext_lazy("Return on")),
            ("reason", gettext_lazy("Reason")),
            ("submitted_at", gettext_lazy("Submitted at")),
            ("arrived_at", gettext_lazy("Arrived at")),
        ),
        lambda p, u: ReturnApplication.objects.filter(person=p).order_by("-submitted_at", "-pk"),
        lambda r: (
            r.planned_on,
            _place(r.origin),
            r.route,
            r.get_transport_display(),
            r.number,
            r.get_state_display(),
            r.unmet_reasons,
            r.scheduled_on,
            r.decided_note,
            r.submitted_at,
            r.arrived_at,
        ),
    ),
    Section(
        "leave_applications",
        gettext_lazy("Leave applications"),
        (
            ("reason", gettext_lazy("Reason")),
            ("destination", gettext_lazy("Destination")),
            ("out_from", gettext_lazy("Out from")),
            ("back_by", gettext_lazy("Back by")),
            ("state", gettext_lazy("State")),
            ("note", gettext_lazy("Note")),
            ("went_out_at", gettext_lazy("Went out at")),
            ("came_back_at", gettext_lazy("Came back at")),
            ("submitted_at", gettext_lazy("Submitted at")),
        ),
        lambda p, u: LeaveApplication.objects.filter(person=p).order_by("-submitted_at", "-pk"),
        lambda x: (
            x.reason,
            x.destination,
            x.leaves_at,
            x.returns_by,
            x.get_state_display(),
            x.decided_note,
            x.out_at,
            x.back_at,
            x.submitted_at,
        ),
    ),
    Section(
        "stays",
        gettext_lazy("Stays on campus over the vacation"),
        (
            ("campaign", gettext_lazy("Campaign")),
            ("why", gettext_lazy("Why")),
            ("added_at", gettext_lazy("Added at")),
        ),
        lambda p, u: Stay.objects.filter(person=p).select_related("campaign").order_by("-added_at"),
        lambda s: (s.campaign.name, s.reason, s.added_at),
    ),
    Section(
        "gate_log",
        gettext_lazy("Passes shown at gates and key places"),
        (
            ("at", gettext_lazy("At")),
            ("where", gettext_lazy("Where")),
            ("direction", gettext_lazy("Direction")),
            ("admitted", gettext_lazy("Admitted")),
            ("reason", gettext_lazy("Reason")),
        ),
        lambda p, u: (
            AccessLog.objects.filter(person=p).select_related("place").order_by("-at", "-pk")
        ),
        lambda a: (
            a.at,
            a.place.name if a.place else a.gate,
            a.get_direction_display(),
            a.admitted,
            a.reason,
        ),
    ),
    Section(
        "care_requests",
        gettext_lazy("Your requests for care"),
        (
            ("need", gettext_lazy("Need")),
            ("detail", gettext_lazy("Detail")),
            ("state", gettext_lazy("State")),
            ("handled_by", gettext_lazy("Handled by")),
            ("done", gettext_lazy("What was done")),
            ("requested_at", gettext_lazy("Asked at")),
            ("done_at", gettext_lazy("Done at")),
        ),
        lambda p, u: (
            CareRequest.objects.filter(person=p)
            .select_related("handler")
            .order_by("-requested_at", "-pk")
        ),
        lambda c: (
            c.get_kind_display(),
            c.detail,
            c.get_state_display(),
            _name(c.handler),
            c.outcome,
            c.requested_at,
            c.done_at,
        ),
    ),
    Section(
        "notice_receipts",
        gettext_lazy("Notices you received"),
        (
            ("title", gettext_lazy("Title")),
            ("published_at", gettext_lazy("Published at")),
            ("read_at", gettext_lazy("Read at")),
            ("acknowledged_at", gettext_lazy("Acknowledged at")),
        ),
        lambda p, u: (
            Receipt.objects.filter(person=p)
            .select_related("notice")
            .order_by("-notice__published_at", "-pk")
        ),
        lambda r: (r.notice.title, r.notice.published_at, r.read_at, r.acknowledged_at),
    ),
    Section(
        # When and how, not what: a message to a counselor speaks of the people in their care.
        "messages",
        gettext_lazy("Messages sent to you"),
        (
            ("created_at", gettext_lazy("Created at")),
            ("channel", gettext_lazy("Channel")),
            ("sent_at", gettext_lazy("Sent at")),
        ),
        lambda p, u: Notification.objects.filter(recipient=p).order_by("-created_at", "-pk"),
        lambda n: (n.created_at, n.channel, n.sent_at),
    ),
    Section(
        "consents",
        gettext_lazy("Your answers to the privacy notice"),
        (
            ("version", gettext_lazy("Notice version")),
            ("agreed", gettext_lazy("Agreed")),
            ("at", gettext_lazy("At")),
            ("ip", gettext_lazy("IP address")),
            ("channel", gettext_lazy("Channel")),
        ),
        lambda p, u: ConsentRecord.objects.filter(user=u).order_by("-at", "-pk"),
        lambda c: (c.version, c.agreed, c.at, c.ip, c.get_channel_display()),
    ),
)

SECTION_KEYS = tuple(s.key for s in SECTIONS)


def _json_value(value: Value) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def my_data_document(*, user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything, as one JSON-ready document (the download): a query per section."""
    person = person_of(user)
    document: dict[str, Any] = {
        "exported_at": _json_value(now or timezone.now()),
        "account": user.get_username(),
        "person": ({k: _json_value(v) for k, v in record_of(person).items()} if person else None),
    }
    for section in SECTIONS:
        rows: Iterable = section.rows(person, user) if person or section.key == "consents" else []
        document[section.key] = [
            {k: _json_value(v) for k, v in section.row(obj).items()} for obj in rows
        ]
    return document


def display(value: Value) -> str:
    """A value as the page shows it: local times, Yes/No, lists joined, "—" for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
