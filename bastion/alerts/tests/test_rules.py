"""The check-in rules: which fire, with what severity and summary."""

import datetime as dt
from decimal import Decimal

import pytest

from bastion.alerts.rules import CHECKIN_RULES, Finding, Rule, findings, register, worst
from bastion.checkins.models import CheckIn

DAY = dt.date(2020, 2, 10)


def checkin(**changes) -> CheckIn:
    values = {
        "day": DAY,
        "temperature": Decimal("36.5"),
        "symptoms": [],
        "location": "110108",
        "on_campus": True,
        "key_area_contact": False,
        "case_contact": False,
    }
    return CheckIn(**{**values, **changes})


def codes(found: list[Finding]) -> list[str]:
    return [f.code for f in found]


def test_the_registry_holds_the_four_check_in_rules():
    assert list(CHECKIN_RULES) == ["fever", "symptoms", "key_area", "case_contact"]


def test_a_normal_check_in_fires_nothing(campaign):
    assert findings(checkin(), campaign) == []
    assert worst([]) == "green"


@pytest.mark.parametrize(("t", "fires"), [("37.2", False), ("37.3", True), ("39.0", True)])
def test_fever_fires_at_the_campaign_threshold(campaign, t, fires):
    found = findings(checkin(temperature=Decimal(t)), campaign)
    assert (codes(found) == ["fever"]) is fires
    if fires:
        assert found[0].severity == "red" and t in found[0].summary


def test_symptoms_are_yellow_and_named_in_chinese(campaign):
    (found,) = findings(checkin(symptoms=["cough", "sore_throat"]), campaign)
    assert found == Finding("symptoms", "yellow", "有症状：干咳、咽痛")


def test_fever_with_symptoms_is_two_findings_and_red(campaign):
    found = findings(checkin(temperature=Decimal("38.0"), symptoms=["cough"]), campaign)
    assert codes(found) == ["fever", "symptoms"] and worst(found) == "red"


def test_a_location_inside_a_key_area_fires_red(campaign):
    (found,) = findings(checkin(location="420102"), campaign)
    assert found.code == "key_area" and found.severity == "red" and "武汉" in found.summary


def test_a_key_area_counts_only_within_its_dates(campaign):
    area = campaign.key_areas.get()
    area.to_date = DAY - dt.timedelta(days=1)
    area.save()
    assert findings(checkin(location="420102"), campaign) == []


def test_contact_with_a_key_area_or_a_case_fires(campaign):
    assert codes(findings(checkin(key_area_contact=True), campaign)) == ["key_area"]
    assert codes(findings(checkin(case_contact=True), campaign)) == ["case_contact"]


def test_a_rule_code_cannot_be_registered_twice():
    class Again(Rule):
        code = "fever"
        severity = "red"

    with pytest.raises(ValueError, match="twice"):
        register(Again)
