"""The rules that turn a check-in into alerts: each a small registered class (kinds are code).

A rule looks at one check-in and its campaign and answers a Chinese summary when it fires.
`findings` runs them all; `alerts.services.alerts_sync_for_checkin` turns findings into alerts.
The periodic rules (no check-in by the cut-off, none for N days) live with the alert services.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from bastion.lib import divisions

if TYPE_CHECKING:
    from bastion.campaigns.models import Campaign
    from bastion.checkins.models import CheckIn

Severity = Literal["yellow", "red"]
SEVERITY_ORDER = {"green": 0, "yellow": 1, "red": 2}


@dataclass(frozen=True)
class Finding:
    """A rule that fired: its code (the alert's kind), severity and a summary in Chinese."""

    code: str
    severity: Severity
    summary: str


class Rule:
    """One alert kind raised by a check-in; subclasses set `code`, `severity` and `check`."""

    code: ClassVar[str]
    severity: ClassVar[Severity]

    def check(self, *, checkin: "CheckIn", campaign: "Campaign") -> str | None:
        raise NotImplementedError


CHECKIN_RULES: dict[str, Rule] = {}


def register(rule_class: type[Rule]) -> type[Rule]:
    """Class decorator: add one instance of the rule to CHECKIN_RULES under its code."""
    if rule_class.code in CHECKIN_RULES:
        raise ValueError(f"alert rule {rule_class.code!r} registered twice")
    CHECKIN_RULES[rule_class.code] = rule_class()
    return rule_class


@register
class Fever(Rule):
    """A temperature at or above the campaign's fever threshold."""

    code = "fever"
    severity = "red"

    def check(self, *, checkin: "CheckIn", campaign: "Campaign") -> str | None:
        if Decimal(checkin.temperature) >= campaign.fever_threshold:
            return f"发热：体温 {checkin.temperature}℃（≥{campaign.fever_threshold}℃）"
        return None


@register
class Symptoms(Rule):
    """Any of the campaign's symptoms; with a fever that makes two alerts, not a red one."""

    code = "symptoms"
    severity = "yellow"

    def check(self, *, checkin: "CheckIn", campaign: "Campaign") -> str | None:
        if not checkin.symptoms:
            return None
        labels = "、".join(campaign.symptom_label(code) for code in checkin.symptoms)
        return f"有症状：{labels}"


@register
class KeyAreaRule(Rule):
    """In a key area on the day, or in contact with someone from one."""

    code = "key_area"
    severity = "red"

    def check(self, *, checkin: "CheckIn", campaign: "Campaign") -> str | None:
        # key_areas is prefetched by campaigns.selectors.active_campaign: no query here.
        for area in campaign.key_areas.all():
            if area.covers(checkin.location, checkin.day):
                return f"位于重点地区：{divisions.full_name(checkin.location)}"
        if checkin.key_area_contact:
            return "接触过重点地区人员"
        return None


@register
class CaseContact(Rule):
    """Contact with a confirmed or suspected case."""

    code = "case_contact"
    severity = "red"

    def check(self, *, checkin: "CheckIn", campaign: "Campaign") -> str | None:
        return "接触过确诊或疑似病例" if checkin.case_contact else None


# Signs of illness, as opposed to exposure: what a cluster warning counts (tracing.clusters).
ABNORMAL_KINDS = frozenset({Fever.code, Symptoms.code})


def findings(checkin: "CheckIn", campaign: "Campaign") -> list[Finding]:
    """Every check-in rule that fires for this check-in, in registration order."""
    out: list[Finding] = []
    for rule in CHECKIN_RULES.values():
        summary = rule.check(checkin=checkin, campaign=campaign)
        if summary:
            out.append(Finding(rule.code, rule.severity, summary[:200]))
    return out


def worst(found: list[Finding]) -> str:
    """The health status a list of findings adds up to: green, yellow or red."""
    status = "green"
    for finding in found:
        if SEVERITY_ORDER[finding.severity] > SEVERITY_ORDER[status]:
            status = finding.severity
    return status
