"""Cluster warnings (聚集性预警): N abnormal people in one class, dormitory building, lab or
unit within D days (the campaign's N and D) warn the leading group at once.

"Abnormal" is a fever or symptom alert raised within the window, whatever became of it since:
a fever that passed still counts towards a cluster. The people abnormal within a window are
few, so one scan of them finds every group at once; the scan is idempotent and runs after
each abnormal check-in and, to heal what a lost task missed, every few minutes.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert
from bastion.alerts.rules import ABNORMAL_KINDS
from bastion.campaigns.models import Campaign
from bastion.lib import dorms
from bastion.lib.days import business_day
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import Person, Unit, UnitKind
from bastion.tracing.models import Cluster, ClusterGroup

_LAB_KINDS = (UnitKind.LAB, UnitKind.RESEARCH_GROUP)


@dataclass(frozen=True)
class _Member:
    person_id: int
    unit_id: int
    unit_path: str
    first_day: dt.date


def _groups_of(row: tuple) -> list[tuple[str, str, str, int | None]]:
    """(group, key, name, unit id or None) of every group a person belongs to."""
    _pk, unit_id, unit_kind, unit_name, lab_id, lab_name, dormitory, *_rest = row
    groups = []
    if unit_kind == UnitKind.CLASS:
        groups.append((ClusterGroup.CLASS, f"u{unit_id}", unit_name, unit_id))
    elif unit_kind in _LAB_KINDS:
        groups.append((ClusterGroup.LAB, f"u{unit_id}", unit_name, unit_id))
    else:
        groups.append((ClusterGroup.UNIT, f"u{unit_id}", unit_name, unit_id))
    if lab_id is not None and lab_id != unit_id:
        groups.append((ClusterGroup.LAB, f"u{lab_id}", lab_name, lab_id))
    dorm = dorms.parse(dormitory)
    if dorm is not None:
        groups.append((ClusterGroup.DORM_BUILDING, dorm.building, dorm.building, None))
    return groups


def _common_unit(paths: list[str]) -> str:
    """The deepest unit path above all of `paths` (a dormitory building's people may come from
    several colleges: the warning is about the unit they share)."""
    common = paths[0]
    for path in paths[1:]:
        while not path.startswith(common):
            common = common[: -Unit.steplen]
    return common or paths[0][: Unit.steplen]


def clusters_check(*, campaign: Campaign, now: dt.datetime | None = None) -> list[Cluster]:
    """Raise a cluster warning for every group with the campaign's number of abnormal people
    within its days, once; add newcomers to a group's open warning. The new warnings."""
    now = now or timezone.now()
    today = business_day(now)
    first = today - dt.timedelta(days=campaign.cluster_days - 1)
    first_day: dict[int, dt.date] = {}
    for person_id, day in (
        Alert.objects.filter(
            campaign=campaign, kind__in=list(ABNORMAL_KINDS), day__range=(first, today)
        )
        .values_list("person_id", "day")
        .order_by()
    ):
        if person_id not in first_day or day < first_day[person_id]:
            first_day[person_id] = day
    if len(first_day) < campaign.cluster_size:
        return []
    rows = Person.objects.filter(pk__in=list(first_day)).values_list(
        "pk",
        "unit_id",
        "unit__kind",
        "unit__name",
        "lab_id",
        "lab__name",
        "dormitory",
        "unit__path",
    )
    groups: dict[tuple[str, str], list[_Member]] = defaultdict(list)
    names: dict[tuple[str, str], tuple[str, int | None]] = {}
    for row in rows:
        member = _Member(row[0], row[1], row[7], first_day[row[0]])
        for group, key, name, unit_id in _groups_of(row):
            groups[group, key].append(member)
            names[group, key] = (name, unit_id)
    big = {g: members for g, members in groups.items() if len(members) >= campaign.cluster_size}
    if not big:
        return []
    raised: list[Cluster] = []
    with transaction.atomic():
        open_ = {
            (c.group, c.group_key): c
            for c in Cluster.objects.filter(campaign=campaign, is_open=True).prefetch_related(
                "people"
            )
        }
        for (group, key), members in big.items():
            name, unit_id = names[group, key]
            cluster = open_.get((group, key))
            ids = {m.person_id for m in members}
            if cluster is not None:
                known = {p.pk for p in cluster.people.all()}
                if ids - known:
                    cluster.people.add(*(ids - known))
                continue
            if unit_id is None:  # a building: the unit its people share
                common = _common_unit([m.unit_path for m in members])
                shared = Unit.objects.filter(path=common).values_list("pk", flat=True).first()
                unit_id = shared or members[0].unit_id
            try:
                with transaction.atomic():
                    cluster = Cluster.objects.create(
                        campaign=campaign,
                        group=group,
                        group_key=key,
                        group_name=name[:100],
                        unit_id=unit_id,
                        first_day=min(m.first_day for m in members),
                        raised_at=now,
                    )
            except IntegrityError:
                continue  # a second worker raised it first
            cluster.people.add(*ids)
            _report(cluster, count=len(ids), days=campaign.cluster_days, now=now)
            raised.append(cluster)
    return raised


def _report(cluster: Cluster, *, count: int, days: int, now: dt.datetime) -> None:
    """File the urgent report that takes the warning to the leading group and every level
    above the unit, in minutes. Its text names no one: the people are on the warning's page."""
    from bastion.reports.models import UrgentReport
    from bastion.reports.urgent import urgent_report_create

    with translation.override(settings.LANGUAGE_CODE):
        summary = _(
            "Cluster warning: %(n)d people with fever or symptoms within %(days)d days in "
            "%(group)s %(name)s. The people and their proposed contacts: /tracing/clusters/%(uid)s/"
        ) % {
            "n": count,
            "days": days,
            "group": cluster.get_group_display(),
            "name": cluster.group_name,
            "uid": cluster.uid,
        }
    report = urgent_report_create(
        campaign=cluster.campaign,
        unit=cluster.unit,
        kind=UrgentReport.Kind.CLUSTER,
        summary=summary,
        reporter=None,
        now=now,
    )
    cluster.urgent_report = report
    cluster.save(update_fields=["urgent_report"])


class ClusterRefused(Refused):
    """A warning that cannot be closed: not in reach (404) or not the actor's to close."""


def cluster_close(*, actor: User, cluster: Cluster, now: dt.datetime | None = None) -> Cluster:
    """Close a handled warning (tracers in reach); a new one may then be raised."""
    scope = scope_of(actor)
    if not clusters_visible(scope=scope).filter(pk=cluster.pk).exists():
        raise ClusterRefused(_("Not found, or not in your reach."), status=404)
    if not scope.has(Perm.TRACE):
        raise ClusterRefused(
            _("Only those who trace cases may close a cluster warning."), status=403
        )
    if not cluster.is_open:
        return cluster
    cluster.is_open = False
    cluster.closed_at = now or timezone.now()
    cluster.save(update_fields=["is_open", "closed_at"])
    return cluster


# --- reads -------------------------------------------------------------------------------------


def clusters_visible(*, scope: Scope) -> QuerySet[Cluster]:
    """Warnings about units in the viewer's reach, newest first; none for those who may not
    see people (a student sees no warning, not even about their own class)."""
    if not scope.has(Perm.VIEW_PEOPLE):
        return Cluster.objects.none()
    return (
        Cluster.objects.filter(unit__in=scope.units())
        .select_related("unit", "urgent_report")
        .order_by("-raised_at")
    )


def cluster_for(user: User, uid: str) -> Cluster:
    """One warning in the user's reach; missing and out of reach are the same 404."""
    return by_uid(clusters_visible(scope=scope_of(user)), uid)


@dataclass(frozen=True)
class ClusterContact:
    """Someone who shares a room, a lab or a journey with people of a warning."""

    person: Person
    of: list[str]  # the names of the warning's people they share it with
    reasons: list[str]


def cluster_contacts(*, cluster: Cluster, scope: Scope) -> list[ClusterContact]:
    """The close contacts (room, lab, train, flight) of a warning's people, in the viewer's
    reach, who are not among them: whom to watch before they fall ill too. Nothing is
    written; a tracer records a case to make the proposals a case's contacts."""
    from bastion.tracing.contacts import CLOSENESS, shared_places, shared_trips
    from bastion.tracing.models import Closeness

    members = list(cluster.people.select_related("unit"))
    ids = {p.pk for p in members}
    today = business_day(cluster.raised_at)
    first = cluster.first_day - dt.timedelta(days=cluster.campaign.contact_window_days)
    found: dict[int, tuple[list[str], list[str]]] = {}
    for member in members:
        shared = [
            *shared_places(member, day=today),
            *shared_trips(member.pk, first=first, last=today),
        ]
        for person_id, why in shared:
            if person_id in ids or CLOSENESS.get(why.setting) != Closeness.CLOSE:
                continue
            of, reasons = found.setdefault(person_id, ([], []))
            if member.name not in of:
                of.append(member.name)
            if why.reason not in reasons:
                reasons.append(why.reason)
    people = scope.people().filter(pk__in=list(found)).select_related("unit")
    return [
        ClusterContact(person, *found[person.pk])
        for person in people.order_by("unit__path", "number")
    ]
