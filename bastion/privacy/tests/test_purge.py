"""`bastion purge_campaign`: after the retention, a closed campaign's personal health data go;
the daily counts and daily reports stay exactly as they were; a second run does nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import translation

from bastion.alerts.models import Alert, AlertEvent
from bastion.campaigns.models import Campaign
from bastion.campaigns.services import campaign_create_from_preset
from bastion.campus.models import AccessLog, LeaveApplication, ReturnApplication, Stay, Visitor
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.dashboards import selectors as dashboards
from bastion.liaison.models import CareRequest, Handover
from bastion.lib.days import business_day
from bastion.notify.models import Notification
from bastion.org.models import HealthStatus, Person, Unit
from bastion.privacy.purge import STEPS, PurgeRefused, campaign_purge
from bastion.reports.models import DailyReport, UnitDayCount, UrgentReport
from bastion.reports.selectors import COUNT_FIELDS
from bastion.tracing.models import (
    CareLog,
    Case,
    CaseEvent,
    Cluster,
    Contact,
    Isolation,
    IsolationEvent,
    Trip,
)

from .conftest import DAY


def close(campaign: Campaign, *, on: dt.date) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False, ends_on=on)
    campaign.refresh_from_db()
    return campaign


def personal_rows(campaign: Campaign) -> dict[str, int]:
    """What of the campaign still names a person, model by model."""
    return {
        "check-ins": CheckIn.objects.filter(campaign=campaign).count(),
        "earlier versions": CheckInRevision.objects.filter(checkin__campaign=campaign).count(),
        "alerts": Alert.objects.filter(campaign=campaign).count(),
        "alert events": AlertEvent.objects.filter(alert__campaign=campaign).count(),
        "trips": Trip.objects.filter(campaign=campaign).count(),
        "cases": Case.objects.filter(campaign=campaign).count(),
        "case events": CaseEvent.objects.filter(case__campaign=campaign).count(),
        "contacts": Contact.objects.filter(case__campaign=campaign).count(),
        "isolations": Isolation.objects.filter(campaign=campaign).count(),
        "isolation events": IsolationEvent.objects.filter(isolation__campaign=campaign).count(),
        "care logs": CareLog.objects.filter(isolation__campaign=campaign).count(),
        "hand-overs": Handover.objects.filter(isolation__campaign=campaign).count(),
        "people in clusters": Cluster.people.through.objects.filter(
            cluster__campaign=campaign
        ).count(),
        "return applications": ReturnApplication.objects.filter(campaign=campaign).count(),
        "leave applications": LeaveApplication.objects.filter(campaign=campaign).count(),
        "stays": Stay.objects.filter(campaign=campaign).count(),
        "urgent reports naming a person": UrgentReport.objects.filter(campaign=campaign)
        .filter(Q(person__isnull=False) | ~Q(summary="") & ~Q(kind="incident"))
        .count(),
    }


def dashboard_numbers(campaign: Campaign) -> dict:
    """Every figure the dashboards and the daily reports show for the campaign's days."""
    cache.clear()  # the trend keeps past days in the cache: read them from the tables
    days = [
        campaign.starts_on + dt.timedelta(days=n)
        for n in range((campaign.ends_on - campaign.starts_on).days + 1)
    ]
    units = list(Unit.objects.filter(depth__lte=2).order_by("path"))
    return {
        "counts": sorted(
            UnitDayCount.objects.filter(campaign=campaign).values_list(
                "unit_id", "day", "kind", *COUNT_FIELDS
            )
        ),
        "reports": sorted(
            DailyReport.objects.filter(campaign=campaign).values_list(
                "unit_id", "day", "is_zero", "note", "submitted_by_id", "submitted_at", "is_late"
            )
        ),
        "report counts": {r.pk: r.counts for r in DailyReport.objects.filter(campaign=campaign)},
        "trend": [
            dashboards.trend(campaign=campaign, unit=unit, today=campaign.ends_on, days=60)
            for unit in units
        ],
        "figures": [dashboards.today_figures(unit=unit, day=day) for unit in units for day in days],
        "children": [
            dashboards.children_figures(unit=unit, day=day) for unit in units for day in days
        ],
    }


# --- refusals ---------------------------------------------------------------------------------


def test_an_active_campaign_is_not_purged(world, lived):
    with translation.override("en"), pytest.raises(PurgeRefused, match="active"):
        campaign_purge(campaign=lived.campaign, today=DAY + dt.timedelta(days=1000))
    assert CheckIn.objects.count() == 4


def test_a_campaign_without_an_end_date_is_not_purged(world, lived):
    Campaign.objects.filter(pk=lived.campaign.pk).update(is_active=False)
    lived.campaign.refresh_from_db()
    with translation.override("en"), pytest.raises(PurgeRefused, match="end date"):
        campaign_purge(campaign=lived.campaign, today=DAY + dt.timedelta(days=1000))


def test_the_retention_runs_its_days_after_the_end(world, lived, settings):
    settings.BASTION_HEALTH_RETENTION_DAYS = 180
    campaign = close(lived.campaign, on=DAY)
    with pytest.raises(PurgeRefused, match="2020-08-08"):
        campaign_purge(campaign=campaign, today=dt.date(2020, 8, 7))
    assert CheckIn.objects.count() == 4
    campaign_purge(campaign=campaign, today=dt.date(2020, 8, 8))
    assert CheckIn.objects.count() == 0


# --- what goes, what stays --------------------------------------------------------------------


def test_the_purge_removes_every_persons_health_data_of_the_campaign(world, lived):
    campaign = close(lived.campaign, on=DAY)
    before = personal_rows(campaign)
    assert all(before[k] for k in ("check-ins", "alerts", "cases", "contacts", "isolations")), (
        before
    )
    result = campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180), batch=3)
    assert set(personal_rows(campaign).values()) == {0}
    assert result.lines  # and it said what it did
    assert not CareRequest.objects.exists()
    assert not AccessLog.objects.filter(Q(person__isnull=False) | Q(visitor__isnull=False))
    assert AccessLog.objects.count() == 2  # the gate's log keeps its entries, named no more
    assert not Visitor.objects.exists()
    assert not Notification.objects.exists()


def test_the_hot_facts_of_people_are_reset_from_what_stays(world, lived):
    campaign = close(lived.campaign, on=DAY)
    student = Person.objects.get(pk=world.student.pk)
    assert student.health_status == HealthStatus.RED and student.last_checkin_day == DAY
    campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    student.refresh_from_db()
    assert (student.health_status, student.health_reason) == (HealthStatus.GREEN, "")
    assert student.last_checkin_day is None


def test_a_later_campaigns_data_are_kept_and_count_for_the_hot_facts(world, lived):
    campaign = close(lived.campaign, on=DAY)
    later = campaign_create_from_preset(preset="influenza", starts_on=DAY + dt.timedelta(days=1))
    CheckIn.objects.create(
        campaign=later,
        person=world.student,
        day=DAY + dt.timedelta(days=2),
        submitted_at=lived.now,
        temperature="36.6",
        location="110108",
        on_campus=True,
    )
    Person.objects.filter(pk=world.student.pk).update(last_checkin_day=DAY + dt.timedelta(days=2))
    Trip.objects.create(
        person=world.student,
        origin="110108",
        destination="420102",
        departs_on=DAY + dt.timedelta(days=3),
        arrives_on=DAY + dt.timedelta(days=3),
        transport="car",
        source="self",
        registered_at=lived.now,
    )
    campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    assert CheckIn.objects.filter(campaign=later).count() == 1
    assert Trip.objects.count() == 1
    assert Person.objects.get(pk=world.student.pk).last_checkin_day == DAY + dt.timedelta(days=2)


def test_urgent_reports_are_kept_without_the_person_or_their_words(world, lived):
    campaign = close(lived.campaign, on=DAY)
    report = UrgentReport.objects.get(campaign=campaign)
    recipients = report.recipients.count()
    campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    report.refresh_from_db()
    assert (report.person, report.summary) == (None, "")
    assert report.kind == "suspected_case" and report.recipients.count() == recipients


def test_a_dry_run_counts_the_same_and_writes_nothing(world, lived):
    campaign = close(lived.campaign, on=DAY)
    before = personal_rows(campaign)
    dry = campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180), dry_run=True)
    assert personal_rows(campaign) == before
    assert Person.objects.get(pk=world.student.pk).health_status == HealthStatus.RED
    done = campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    assert dry.lines == done.lines and dry.total > 0


def test_a_second_run_does_nothing(world, lived):
    campaign = close(lived.campaign, on=DAY)
    campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    again = campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    assert again.lines == {} and again.total == 0


def test_the_audit_trail_counts_the_purged_records_as_purged_not_as_gone(world, lived):
    from bastion.audit.verify import CHANGED, GONE, audit_verify

    campaign = close(lived.campaign, on=DAY)
    result = campaign_purge(campaign=campaign, today=DAY + dt.timedelta(days=180))
    report = audit_verify()
    purged_models = {
        "checkins.checkin",
        "checkins.checkinrevision",
        "alerts.alert",
        "tracing.trip",
        "tracing.case",
        "tracing.contact",
        "tracing.isolation",
        "tracing.carelog",
        "campus.leaveapplication",
        "campus.visitor",
        "liaison.carerequest",
        "reports.urgentreport",
    }
    wrong = [
        f for kind in (GONE, CHANGED) for f in report.findings[kind] if f.target in purged_models
    ]
    assert not wrong
    assert report.purged["checkins.checkin"] == 4 and report.purged["liaison.carerequest"] == 2
    assert len(result.audited) < 20  # a few entries, not one per row


def test_every_purge_names_its_rows_in_the_trail_by_fields_they_have(world):
    from bastion.audit.registry import spec_for

    for step in STEPS:
        spec = spec_for(step.model)
        if spec is not None and step.values is None:
            assert set(step.audit_by) <= set(spec.names), step.model


# --- the command --------------------------------------------------------------------------------


def run(*args, **options) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("purge_campaign", *args, stdout=out, **options)
    return out.getvalue()


def test_the_command_says_per_model_what_it_did_and_who_did_it(world, lived, settings):
    settings.BASTION_HEALTH_RETENTION_DAYS = 0
    campaign = close(lived.campaign, on=business_day())
    checkins = CheckIn.objects.count()
    dry = run(str(campaign.uid), dry_run=True)
    assert "Dry run" in dry and f"check-ins: {checkins} deleted" in dry
    assert CheckIn.objects.count() == checkins
    out = run(campaign.name)
    assert f"check-ins: {checkins} deleted" in out
    assert "urgent reports: 1 anonymized" in out
    assert "people's health status: 1 reset" in out
    assert f"purge_campaign {campaign.uid} by " in out.splitlines()[-1]
    assert "Nothing to purge" in run(str(campaign.uid))


def test_the_command_refuses_and_lists_the_campaigns(world, lived):
    with pytest.raises(CommandError, match="still active"):
        run(str(lived.campaign.uid))
    with pytest.raises(CommandError, match=str(lived.campaign.uid)):
        run("no such campaign")
    assert CheckIn.objects.count() == 4


# --- the demo university: every kind of record, and the dashboards' numbers ------------------


@pytest.mark.slow
def test_the_dashboards_numbers_are_the_same_before_and_after_the_purge(db, settings):
    """Three weeks of a demo university: check-ins, alerts, cases, contacts, isolations,
    clusters, returns, notices, care. The purge leaves every daily count and report as it was
    and nothing of the campaign that names a person."""
    call_command("demo", people=400, seed=3, stdout=StringIO())
    campaign = Campaign.objects.get(is_active=True)
    campaign = close(campaign, on=business_day())
    before = personal_rows(campaign)
    assert all(before[k] for k in ("check-ins", "alerts", "cases", "isolations")), before
    numbers = dashboard_numbers(campaign)
    assert numbers["counts"] and numbers["reports"]
    campaign_purge(campaign=campaign, today=business_day() + dt.timedelta(days=180))
    assert set(personal_rows(campaign).values()) == {0}
    assert dashboard_numbers(campaign) == numbers
    assert not Person.objects.exclude(health_status=HealthStatus.GREEN).exists()
    assert not Person.objects.filter(last_checkin_day__isnull=False).exists()
