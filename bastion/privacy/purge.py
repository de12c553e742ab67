"""The end of retention (PIPL art. 19, 47): a closed campaign's personal health data are
deleted, or stripped of whom they are about, once the university's retention has run out.

What stays: the per-unit daily counts (reports.UnitDayCount) and the daily reports that
dashboards and reports read, the campaign itself, its reminder rounds and its urgent reports
(kind, unit, who reported, when, who was told), anonymized. What goes, per model, is the
list `STEPS` below: a row whose only value is its person is deleted; a row kept for what it
says about the organization loses its person and its words about them.

It runs in batches, one transaction each, so a purge of millions of check-ins never holds
one long transaction; a second run finds nothing left and writes nothing. Rows are deleted
without Django's per-row signals and collection: the audit trail records a purge as a few
`Action.PURGE` entries (one per model and campaign, or per parent of the rows deleted with
it), never as millions of deletions that would copy the very data being removed into the
trail; an anonymized row gets an entry with its new values only.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.alerts.models import Alert, AlertState
from bastion.alerts.services import people_health_refresh
from bastion.audit import snapshot
from bastion.audit.models import Action
from bastion.audit.registry import spec_for
from bastion.audit.services import audit_update, entries_write, entry
from bastion.campaigns.models import Campaign
from bastion.campus.models import AccessLog, LeaveApplication, ReturnApplication, Stay, Visitor
from bastion.checkins.models import CheckIn
from bastion.liaison.models import CareRequest, Handover
from bastion.lib.days import at, business_day
from bastion.lib.refusals import Refused
from bastion.notify.models import Notification
from bastion.org.models import Person
from bastion.privacy.notice import retention_days
from bastion.reports.models import UrgentReport
from bastion.tracing.models import Case, Cluster, Isolation, Trip

BATCH = 1000  # rows per transaction (with what hangs on them)
DELETE, ANONYMIZE, RESET = "delete", "anonymize", "reset"
# Urgent reports whose words are about a person's health.
PERSONAL_URGENT_KINDS = (
    UrgentReport.Kind.SUSPECTED_CASE,
    UrgentReport.Kind.CONFIRMED_CASE,
    UrgentReport.Kind.CLUSTER,
)


class PurgeRefused(Refused):
    """A purge that may not run yet: the campaign is active, has no end, or is in retention."""


@dataclass(frozen=True)
class Window:
    """The campaign, and the days whose time-keyed rows (gate passes, visitors, care requests,
    messages, trips recorded with no campaign) belong to it."""

    campaign: Campaign
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return at(self.first, dt.time(0))

    @property
    def end(self) -> dt.datetime:
        """The first moment after the window."""
        return at(self.last + dt.timedelta(days=1), dt.time(0))

    def moments(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lt": self.end})


@dataclass(frozen=True)
class Step:
    """What one model loses: its rows matching `rows`, deleted, or updated with `values`."""

    model: type[models.Model]
    rows: Callable[[Window], Q]
    values: dict | None = None  # None: delete; else anonymize with these values
    label: object = None  # what the output calls them (default: the model's plural name)
    # The fields the audit trail's purge entries name the deleted rows by (verify_audit
    # counts a record whose fields equal them as purged): few values, none of them personal.
    audit_by: tuple[str, ...] = ("campaign",)

    @property
    def action(self) -> str:
        return DELETE if self.values is None else ANONYMIZE

    def name(self) -> str:
        return str(self.label or self.model._meta.verbose_name_plural)


_ClusterPeople = Cluster.people.through

# In order: a row goes before the rows it points to. What a deleted row's own children are
# (an isolation's events and care logs, a case's contacts, a check-in's earlier versions) is
# found from the models' relations, so a child table added later goes with its parent.
STEPS: tuple[Step, ...] = (
    Step(Handover, lambda w: Q(isolation__campaign=w.campaign), audit_by=("isolation",)),
    Step(Isolation, lambda w: Q(campaign=w.campaign)),
    Step(Case, lambda w: Q(campaign=w.campaign)),
    Step(
        _ClusterPeople,
        lambda w: Q(cluster__campaign=w.campaign),
        label=gettext_lazy("people named in cluster warnings"),
    ),
    Step(Alert, lambda w: Q(campaign=w.campaign)),
    Step(CheckIn, lambda w: Q(campaign=w.campaign)),
    Step(Trip, lambda w: Q(campaign=w.campaign)),
    # Trips recorded while no campaign ran, on the campaign's days.
    Step(
        Trip,
        lambda w: Q(campaign__isnull=True, departs_on__gte=w.first, departs_on__lte=w.last),
        audit_by=("person", "registered_at"),
    ),
    Step(ReturnApplication, lambda w: Q(campaign=w.campaign)),
    Step(LeaveApplication, lambda w: Q(campaign=w.campaign)),
    Step(Stay, lambda w: Q(campaign=w.campaign)),
    Step(
        AccessLog,
        lambda w: w.moments("at") & (Q(person__isnull=False) | Q(visitor__isnull=False)),
        values={"person": None, "visitor": None},
    ),
    Step(Visitor, lambda w: w.moments("valid_until"), audit_by=("host", "registered_at")),
    Step(
        UrgentReport,
        lambda w: (
            Q(campaign=w.campaign)
            & (Q(person__isnull=False) | (Q(kind__in=PERSONAL_URGENT_KINDS) & ~Q(summary="")))
        ),
        values={"person": None, "summary": ""},
    ),
    Step(CareRequest, lambda w: w.moments("requested_at"), audit_by=("person", "requested_at")),
    Step(Notification, lambda w: w.moments("created_at")),
)


@dataclass
class PurgeResult:
    campaign: Campaign
    window: Window
    dry_run: bool
    # (what, action) → rows, in the order done
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    # The audit trail's purge entries written: (model label, match) once each.
    audited: set = field(default_factory=set)

    def add(self, what: str, action: str, n: int) -> None:
        if n:
            self.lines[(what, action)] = self.lines.get((what, action), 0) + n

    @property
    def total(self) -> int:
        return sum(self.lines.values())


# --- may it run --------------------------------------------------------------------------------


def purge_from(campaign: Campaign) -> dt.date | None:
    """The first day the campaign's personal health data may be purged (None: not closed)."""
    if campaign.is_active or campaign.ends_on is None:
        return None
    return campaign.ends_on + dt.timedelta(days=retention_days())


def purge_refusal(campaign: Campaign, *, today: dt.date) -> str | None:
    """Why the campaign may not be purged today, in words; None when it may."""
    if campaign.is_active:
        return _("The campaign %(name)s is still active: close it first.") % {"name": campaign.name}
    if campaign.ends_on is None:
        return _("The campaign %(name)s has no end date: set the day it closed before purging.") % {
            "name": campaign.name
        }
    first = purge_from(campaign)
    if first is not None and today < first:
        return _(
            "The campaign %(name)s closed on %(end)s and its data are kept for %(days)d days: "
            "they may be purged from %(day)s on."
        ) % {
            "name": campaign.name,
            "end": campaign.ends_on.isoformat(),
            "days": retention_days(),
            "day": first.isoformat(),
        }
    return None


def window_of(campaign: Campaign) -> Window:
    """The campaign's days, cut short where a later campaign began (its rows are its own)."""
    last = campaign.ends_on or campaign.starts_on
    later = (
        Campaign.objects.exclude(pk=campaign.pk)
        .filter(starts_on__gt=campaign.starts_on, starts_on__lte=last)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    if later is not None:
        last = later - dt.timedelta(days=1)
    return Window(campaign, campaign.starts_on, last)


# --- the purge ----------------------------------------------------------------------------------


def campaign_purge(
    *,
    campaign: Campaign,
    dry_run: bool = False,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    batch: int = BATCH,
) -> PurgeResult:
    """Purge the closed campaign's personal health data, or (dry run) count what would go.

    Refused (PurgeRefused, nothing written) while the campaign is active, has no end date, or
    is within the retention. The hot facts on people that came from the purged rows (the last
    check-in day, the health status) are reset first, from what stays.
    """
    now = now or timezone.now()
    today = today or business_day(now)
    refusal = purge_refusal(campaign, today=today)
    if refusal is not None:
        raise PurgeRefused(refusal, status=409)
    window = window_of(campaign)
    result = PurgeResult(campaign=campaign, window=window, dry_run=dry_run)
    touched_units: set[int] = set()
    _reset_last_checkin_days(window, result, touched_units, dry_run=dry_run, batch=batch)
    _reset_health(window, result, touched_units, now=now, dry_run=dry_run, batch=batch)
    for step in STEPS:
        _run(step, window, result, dry_run=dry_run, batch=batch)
    if not dry_run and touched_units:
        _counts_refresh_today(touched_units, now=now)
    return result


def _batches(queryset: QuerySet, batch: int):
    """The primary keys of `queryset`, `batch` at a time, by keyset (whatever is written
    meanwhile, each row comes once)."""
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        pks = list(page.order_by("pk").values_list("pk", flat=True)[:batch])
        if not pks:
            return
        yield pks
        last = pks[-1]


def _run(step: Step, window: Window, result: PurgeResult, *, dry_run: bool, batch: int) -> None:
    matching = step.model._base_manager.filter(step.rows(window))
    for pks in _batches(matching, batch):
        # The batch by its bounds: the same rows as its keys, without an IN list of them.
        rows = matching.filter(pk__gte=pks[0], pk__lte=pks[-1])
        with transaction.atomic():
            if step.values is not None:
                if not dry_run:
                    _audit_anonymized(rows, step.values, window)
                    rows.update(**step.values)
                result.add(step.name(), ANONYMIZE, len(pks))
                continue
            if not dry_run:
                _audit_purged(rows, step.audit_by, window, result)
            for model, n in _delete(rows, window, result, dry_run=dry_run).items():
                label = step.name() if model is step.model else model._meta.verbose_name_plural
                result.add(str(label), DELETE, n)


def _delete(rows: QuerySet, window: Window, result: PurgeResult, *, dry_run: bool) -> Counter:
    """Delete these rows and what hangs on them, as the models' on_delete say, but without
    Django's per-row signals and collection; the rows per model (counted only, in a dry run).

    A row that protects its parent (on_delete=PROTECT) must have gone in an earlier step: it
    is a mistake in STEPS, and the transaction stops before anything of the batch is written.
    """
    model = rows.model
    keys = rows.values("pk")
    done: Counter = Counter()
    for relation in model._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        child, name = relation.related_model, relation.field.name
        on_delete = relation.field.remote_field.on_delete
        refs = child._base_manager.filter(**{f"{name}__in": keys})
        if on_delete is models.CASCADE:
            if not dry_run:
                _audit_purged(refs, (name,), window, result)
            done += _delete(refs, window, result, dry_run=dry_run)
        elif on_delete is models.SET_NULL:
            if not dry_run:
                audit_update(refs, **{name: None})  # a plain update where nothing is audited
        elif on_delete is not models.DO_NOTHING and refs.exists():
            raise RuntimeError(f"purge: {child._meta.label} still points at {model._meta.label}")
    # The model's own many-to-many links (an alert's escalation list) go with it.
    for m2m in model._meta.many_to_many:
        links = m2m.remote_field.through._base_manager.filter(
            **{f"{m2m.m2m_field_name()}__in": keys}
        )
        if not dry_run:
            links._raw_delete(links.db)
    if dry_run:
        done[model] += rows.count()
    else:
        # Django's own fast path for rows with no signals to send (QuerySet.delete uses it).
        done[model] += rows._raw_delete(rows.db)
    return done


# --- the audit trail --------------------------------------------------------------------------


def _note(window: Window) -> str:
    campaign = window.campaign
    return (
        f"purge_campaign {campaign.uid}: {campaign.name}, {window.first}–{window.last}, "
        f"kept {retention_days()} days after {campaign.ends_on}"
    )


def _audit_purged(rows: QuerySet, by: tuple[str, ...], window: Window, result: PurgeResult) -> None:
    """The trail's purge entries (as audit_purge writes them) for rows about to be deleted:
    one per distinct value of `by` among them (the campaign, or the parent), once per run,
    written together in one INSERT."""
    spec = spec_for(rows.model)
    if spec is None:
        return
    fields = {f.name: f for f in spec.fields}
    made = []
    for values in rows.values_list(*by).distinct().order_by():
        match = {k: snapshot.normal(fields[k], v) for k, v in zip(by, values, strict=True)}
        key = (spec.label, tuple(sorted(match.items())))
        if key not in result.audited:
            result.audited.add(key)
            made.append(
                entry(
                    action=Action.PURGE,
                    target=spec.label,
                    after={"match": match},
                    note=_note(window),
                )
            )
    entries_write(made)


def _audit_anonymized(rows: QuerySet, values: dict, window: Window) -> None:
    """An entry per anonymized row with its new values only: the words removed from the row
    are not copied into the trail."""
    spec = spec_for(rows.model)
    if spec is None:
        return
    fields = {f.name: f for f in spec.fields}
    after = {k: snapshot.normal(fields[k], v) for k, v in values.items() if k in fields}
    entries_write(
        [
            entry(
                action=Action.UPDATE,
                target=spec.label,
                target_id=str(key),
                after=after,
                note=_note(window),
            )
            for key in rows.values_list(spec.key, flat=True)
        ]
    )


# --- the hot facts on people ---------------------------------------------------------------------


def _reset_last_checkin_days(
    window: Window, result: PurgeResult, units: set[int], *, dry_run: bool, batch: int
) -> None:
    """People whose last check-in day is one of the campaign's: the day of their latest
    check-in that stays (none: empty)."""
    campaign = window.campaign
    stale = Person.objects.filter(
        Exists(
            CheckIn.objects.filter(
                campaign=campaign, person=OuterRef("pk"), day=OuterRef("last_checkin_day")
            )
        )
    )
    latest = (
        CheckIn.objects.filter(person=OuterRef("pk"))
        .exclude(campaign=campaign)
        .order_by("-day")
        .values("day")[:1]
    )
    for pks in _batches(stale, batch):
        with transaction.atomic():
            if not dry_run:
                Person.objects.filter(pk__in=pks).update(last_checkin_day=Subquery(latest))
            units |= set(Person.objects.filter(pk__in=pks).values_list("unit_id", flat=True))
        result.add(_("people's last check-in day"), RESET, len(pks))


def _reset_health(
    window: Window,
    result: PurgeResult,
    units: set[int],
    *,
    now: dt.datetime,
    dry_run: bool,
    batch: int,
) -> None:
    """People with an alert of the campaign still open: their health from the alerts that
    stay (green when none)."""
    live = Alert.objects.filter(campaign=window.campaign, person=OuterRef("pk")).exclude(
        state=AlertState.CLOSED
    )
    for pks in _batches(Person.objects.filter(Exists(live)), batch):
        with transaction.atomic():
            if not dry_run:
                people_health_refresh(person_ids=pks, now=now, leaving_out=window.campaign)
            units |= set(Person.objects.filter(pk__in=pks).values_list("unit_id", flat=True))
        result.add(_("people's health status"), RESET, len(pks))


def _counts_refresh_today(unit_ids: set[int], *, now: dt.datetime) -> None:
    """Today's counts of the active campaign, for the units whose people were reset."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.reports.counts import unit_day_counts_refresh

    campaign = active_campaign()
    if campaign is not None:
        unit_day_counts_refresh(campaign=campaign, day=business_day(now), unit_ids=unit_ids)
