"""Writing check-ins: validate, keep the earlier version, raise alerts, update the hot facts."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import may_act_for
from bastion.alerts import rules
from bastion.audit.models import AuditEntry
from bastion.audit.services import created_entry as audit_created_entry
from bastion.audit.services import insert_params as audit_insert_params
from bastion.audit.services import insert_sql as audit_insert_sql
from bastion.campaigns.models import Campaign
from bastion.checkins.counts_queue import QUEUE
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.lib import divisions
from bastion.lib.days import at, business_day
from bastion.lib.rawsql import prepared, row_params
from bastion.lib.refusals import Refused
from bastion.org.models import HealthStatus, Person

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
TENTH = Decimal("0.1")


class CheckInRefused(Refused):
    """Bad input or no right to check in: a message a person understands, and nothing written.

    `status` is the HTTP answer: 400 for a bad value, 404 for a person out of reach (which
    looks the same as a person who does not exist).
    """


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool  # a new day's record (False: an update of today's, or a replay)
    replayed: bool  # the client_id was seen before: nothing was written


def _not_found() -> CheckInRefused:
    return CheckInRefused(_("Not found, or not in your reach."), status=404)


def checkin_may_submit(*, actor: User, person: Person) -> bool:
    """May `actor` check in for `person`: themselves, or someone in reach with the proxy right."""
    return may_act_for(actor=actor, person=person, perm=Perm.CHECKIN_PROXY)


def _temperature(value: Any) -> Decimal:
    try:
        temperature = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CheckInRefused(_("The temperature must be a number such as 36.5.")) from None
    if not temperature.is_finite():
        raise CheckInRefused(_("The temperature must be a number such as 36.5."))
    if abs(temperature) < 1000:  # beyond its precision quantize fails; the range refuses it
        temperature = temperature.quantize(TENTH, rounding=ROUND_HALF_UP)
    if not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise CheckInRefused(
            _("A body temperature of %(t)s °C is not plausible: enter one between 34 and 43 °C.")
            % {"t": temperature}
        )
    return temperature


def _symptoms(codes: Any, campaign: Campaign) -> list[str]:
    if codes is None:
        return []
    if isinstance(codes, str) or not all(isinstance(c, str) for c in codes):
        raise CheckInRefused(_("Symptoms must be a list of symptom codes."))
    known = campaign.symptom_codes
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise CheckInRefused(
            _("Unknown symptom %(code)s; this campaign knows: %(known)s.")
            % {"code": unknown[0], "known": ", ".join(s["code"] for s in campaign.symptoms)}
        )
    return list(dict.fromkeys(codes))  # each once, in the order given


def _location(code: Any) -> str:
    code = str(code or "").strip()
    if divisions.get(code) is None:
        raise CheckInRefused(
            _("Unknown division code %(code)s: pick a province, city and county.")
            % {"code": code or "—"}
        )
    return code


def _day(campaign: Campaign, now: dt.datetime) -> dt.date:
    if not campaign.is_active:
        raise CheckInRefused(_("No campaign is running: there is nothing to check in for."))
    day = business_day(now)
    if day > business_day(timezone.now()):
        raise CheckInRefused(_("A check-in cannot be for a day in the future."))
    if day < campaign.starts_on or (campaign.ends_on is not None and day > campaign.ends_on):
        raise CheckInRefused(_("The campaign does not run on %(day)s.") % {"day": day})
    return day


def _snapshot(checkin: CheckIn) -> dict[str, Any]:
    """The fields of a version, as JSON, for CheckInRevision.data."""
    return {
        "temperature": str(checkin.temperature),
        "symptoms": checkin.symptoms,
        "location": checkin.location,
        "on_campus": checkin.on_campus,
        "key_area_contact": checkin.key_area_contact,
        "case_contact": checkin.case_contact,
        "submitted_at": checkin.submitted_at.isoformat(),
        "submitted_by": checkin.submitted_by_id,
        "is_proxy": checkin.is_proxy,
        "is_late": checkin.is_late,
        "status": checkin.status,
        "reason": checkin.reason,
    }


def checkin_submit(
    *,
    actor: User,
    person: Person,
    campaign: Campaign | None,
    temperature: Any,
    symptoms: Any = (),
    location: Any,
    on_campus: bool,
    key_area_contact: bool = False,
    case_contact: bool = False,
    client_id: str = "",
    carried_over: bool = False,
    now: dt.datetime | None = None,
) -> CheckInResult:
    """Record `person`'s check-in for today, or update today's keeping the earlier version.

    Idempotent by `client_id`: a retry answers the record it made and writes nothing. Raises
    CheckInRefused (nothing written) on bad input or when `actor` may not check in for `person`.
    """
    now = now or timezone.now()
    if not checkin_may_submit(actor=actor, person=person):
        raise _not_found()
    if campaign is None:
        raise CheckInRefused(_("No campaign is running: there is nothing to check in for."))
    client_id = str(client_id or "").strip()
    if len(client_id) > 64:
        raise CheckInRefused(_("The client id is longer than 64 characters."))
    values = {
        "temperature": _temperature(temperature),
        "symptoms": _symptoms(symptoms, campaign),
        "location": _location(location),
        "on_campus": bool(on_campus),
        "key_area_contact": bool(key_area_contact),
        "case_contact": bool(case_contact),
    }
    day = _day(campaign, now)
    try:
        return _write(
            actor=actor,
            person=person,
            campaign=campaign,
            day=day,
            values=values,
            client_id=client_id,
            carried_over=carried_over,
            now=now,
        )
    except IntegrityError:
        # Two first submissions for the same person and day raced: the other one inserted
        # first. Run again; this time today's row exists and is locked and updated.
        return _write(
            actor=actor,
            person=person,
            campaign=campaign,
            day=day,
            values=values,
            client_id=client_id,
            carried_over=carried_over,
            now=now,
        )


def _write(
    *,
    actor: User,
    person: Person,
    campaign: Campaign,
    day: dt.date,
    values: dict[str, Any],
    client_id: str,
    carried_over: bool,
    now: dt.datetime,
) -> CheckInResult:
    from bastion.alerts.services import alerts_sync_for_checkin

    checkin = CheckIn(campaign=campaign, person=person, day=day)
    # Late is decided by the first submission: correcting an on-time one is not late.
    checkin.is_late = now > at(day, campaign.checkin_cutoff)
    found_rules = _fill(checkin, campaign, actor, person, values, client_id, carried_over, now)
    unit_id = person.unit_id

    def counts_later() -> None:
        transaction.on_commit(
            lambda: QUEUE.add(campaign=campaign, day=day, unit_id=unit_id), robust=True
        )

    # The morning's common case: the day's first check-in, normal, of a person with no live
    # alert and a green status. It writes the record and the last check-in day and nothing
    # else, so one statement does it (in its own transaction on PostgreSQL).
    if not found_rules and _insert_if_first(checkin, only_if_clear=True) is False:
        counts_later()
        return CheckInResult(checkin, created=True, replayed=False)

    with transaction.atomic():
        # Next, the day's first submission with a new client id is still one INSERT; only
        # when it meets today's record or the client id does the careful path run.
        has_live_alerts = _insert_if_first(checkin)
        current = None
        if has_live_alerts is None:
            replay, current = _earlier(person=person, day=day, client_id=client_id)
            if replay is not None:
                return CheckInResult(replay, created=False, replayed=True)
            checkin = current or checkin
            if current is not None:
                CheckInRevision.objects.create(
                    checkin=current,
                    revision=current.revision,
                    data=_snapshot(current),
                    client_id=current.client_id,
                    replaced_at=now,
                )
                checkin.revision = current.revision + 1
            found_rules = _fill(
                checkin, campaign, actor, person, values, client_id, carried_over, now
            )
            checkin.save()
            _last_checkin_day_advance(person, day)
        alerts_sync_for_checkin(
            checkin=checkin,
            findings=found_rules,
            now=now,
            has_live_alerts=has_live_alerts is not False,
        )
        counts_later()
    return CheckInResult(checkin, created=current is None, replayed=False)


def _advance_sql() -> str:
    """UPDATE moving a person's last check-in day forward, never back; parameters from
    _advance_params. Raw, as the check-in's INSERT: built by the ORM it cost more than the
    statement itself."""
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(Person._meta.db_table)} SET last_checkin_day = %s"  # noqa: S608
        f" WHERE {qn(Person._meta.pk.column)} = %s"
        " AND (last_checkin_day IS NULL OR last_checkin_day < %s)"
    )
    return sql


def _advance_params(person: Person, day: dt.date) -> list:
    value = connection.ops.adapt_datefield_value(day)
    return [value, person.pk, value]


def _last_checkin_day_advance(person: Person, day: dt.date) -> None:
    if person.last_checkin_day is None or person.last_checkin_day < day:
        with connection.cursor() as cursor:
            cursor.execute(_advance_sql(), _advance_params(person, day))
        person.last_checkin_day = day


def _fill(
    checkin: CheckIn,
    campaign: Campaign,
    actor: User,
    person: Person,
    values: dict[str, Any],
    client_id: str,
    carried_over: bool,
    now: dt.datetime,
) -> list[rules.Finding]:
    """Set the submitted values on `checkin` and its status from the rules; the findings."""
    for name, value in values.items():
        setattr(checkin, name, value)
    checkin.campaign = campaign
    checkin.submitted_at = now
    checkin.submitted_by = actor
    checkin.is_proxy = actor.person_id != person.pk
    checkin.carried_over = carried_over
    checkin.client_id = client_id
    found_rules = rules.findings(checkin, campaign)
    checkin.status = rules.worst(found_rules)
    checkin.reason = "；".join(f.summary for f in found_rules)[:200]
    return found_rules


def _earlier(
    *, person: Person, day: dt.date, client_id: str
) -> tuple[CheckIn | None, CheckIn | None]:
    """(the record a replay of `client_id` answers, today's record), today's locked.

    One query finds today's record and any earlier record or version with this client id.
    """
    found_q = CheckIn.objects.select_for_update().filter(person=person)
    if client_id:
        earlier = CheckInRevision.objects.filter(checkin=OuterRef("pk"), client_id=client_id)
        found_q = found_q.annotate(seen=Exists(earlier)).filter(
            Q(day=day) | Q(client_id=client_id) | Q(seen=True)
        )
    else:
        found_q = found_q.filter(day=day)
    found = list(found_q)
    for checkin in found:
        if client_id and (checkin.client_id == client_id or checkin.seen):
            return checkin, None
    today = [c for c in found if c.day == day]
    return None, (today[0] if today else None)


_INSERT_SQL: dict[str, tuple[list, dict]] = {}


def _insert_sql(connection) -> tuple[list, dict]:
    """(the check-in's fields, its INSERT by (only if clear, with the person's row in one
    statement)), built once per database vendor: assembling the SQL cost every check-in
    more than running it."""
    built = _INSERT_SQL.get(connection.vendor)
    if built is not None:
        return built
    from bastion.alerts.models import Alert

    # Only the models' own table and column names are formatted in; values are parameters.
    qn = connection.ops.quote_name
    fields = [f for f in CheckIn._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(qn(f.column) for f in fields)
    fields = prepared(fields)
    live_alert = (
        f"SELECT 1 FROM {qn(Alert._meta.db_table)} a"  # noqa: S608
        " WHERE a.person_id = %s AND a.state <> %s"
    )
    # A client id seen before, on any day, in a record or an earlier version: a replay. The
    # record's own unique index says so only within a day on PostgreSQL, where the table is
    # partitioned by month and its unique indexes carry the day (docs/scale.md).
    not_replayed = (
        f"NOT EXISTS (SELECT 1 FROM {qn(CheckInRevision._meta.db_table)} r"  # noqa: S608
        f" JOIN {qn(CheckIn._meta.db_table)} c ON c.id = r.checkin_id"
        " WHERE c.person_id = %s AND r.client_id = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {qn(CheckIn._meta.db_table)} c"
        " WHERE c.person_id = %s AND c.client_id = %s)"
    )
    clear = (
        f" AND NOT EXISTS ({live_alert})"  # noqa: S608
        f" AND EXISTS (SELECT 1 FROM {qn(Person._meta.db_table)} p"
        f" WHERE p.{qn(Person._meta.pk.column)} = %s"
        " AND p.health_status = %s AND p.health_reason = '')"
    )

    def insert(conditions: str, returning: str) -> str:
        return (
            f"INSERT INTO {qn(CheckIn._meta.db_table)} ({columns})"
            f" SELECT {', '.join(['%s'] * len(fields))} WHERE {conditions}"
            f" ON CONFLICT DO NOTHING RETURNING {qn(CheckIn._meta.pk.column)}, {returning}"
        )

    hot = _advance_sql() + " AND EXISTS (SELECT 1 FROM ins)"  # noqa: S608
    # The audit trail's entry of the new record (bastion.audit): on PostgreSQL in the same
    # statement, for each row the INSERT made (none when it made none); SQLite takes it as one
    # more statement in the transaction.
    entry_columns, entry_values = audit_insert_sql(connection)
    trail = f"{qn(AuditEntry._meta.db_table)} ({entry_columns})"
    audit = f"aud AS (INSERT INTO {trail} SELECT {entry_values} FROM ins)"  # noqa: S608
    pg = connection.vendor == "postgresql"
    sqls = {}
    for only_if_clear in (True, False):
        if only_if_clear:
            sql = insert(not_replayed + clear, "0")
        else:
            sql = insert(not_replayed, f"EXISTS ({live_alert})")
        one = f"WITH ins AS ({sql}), {audit} SELECT * FROM ins"  # noqa: S608
        sqls[only_if_clear, False] = one if pg else sql
        sqls[only_if_clear, True] = (
            f"WITH ins AS ({sql}), hot AS ({hot}), {audit} SELECT * FROM ins"  # noqa: S608
        )
    sqls["audit"] = f"INSERT INTO {trail} VALUES ({entry_values})"  # noqa: S608
    built = (fields, sqls)
    _INSERT_SQL[connection.vendor] = built
    return built


def _insert_if_first(checkin: CheckIn, *, only_if_clear: bool = False) -> bool | None:
    """INSERT the day's first record unless it or its client id exists, and advance the
    person's last check-in day; None if nothing was written, else whether the person has a
    non-closed alert.

    The INSERT meets the unique constraint of one per person and day with ON CONFLICT DO
    NOTHING, and refuses a client id kept on any earlier record or version with NOT EXISTS
    (the unique index of a client id catches a race within the day), so a replay or a
    second submission writes nothing and the caller takes the careful path. With
    `only_if_clear` it also writes nothing when the person has a live alert or a status other
    than a plain green: then the check-in has more to do than this.
    Raw SQL because the ORM's bulk_create(ignore_conflicts=True) returns no ids; PostgreSQL
    and SQLite (≥ 3.35) both take the INSERT. On PostgreSQL the person's row moves and the
    audit trail's entry is written in the same statement (data-modifying CTEs), so the whole
    write is one round trip and, outside a transaction, needs no separate COMMIT; SQLite takes
    a statement for each.
    """
    from bastion.alerts.models import AlertState

    person = checkin.person
    fields, sqls = _insert_sql(connection)
    params = row_params(fields, checkin, connection)
    params += [person.pk, checkin.client_id or None] * 2
    if only_if_clear:
        params += [person.pk, AlertState.CLOSED.value, person.pk, HealthStatus.GREEN.value]
    else:
        params += [person.pk, AlertState.CLOSED.value]
    audit = audit_insert_params(audit_created_entry(checkin), connection)
    advance = person.last_checkin_day is None or person.last_checkin_day < checkin.day
    pg = connection.vendor == "postgresql"
    in_one = advance and pg
    sql = sqls[only_if_clear, in_one]
    if in_one:
        params += _advance_params(person, checkin.day) + audit
        row = _fetch_one(sql, params)
    else:
        with transaction.atomic():
            row = _fetch_one(sql, params + audit if pg else params)
            if row is not None:
                _last_checkin_day_advance(person, checkin.day)
                if not pg:
                    with connection.cursor() as cursor:
                        cursor.execute(sqls["audit"], audit)
    if row is None:
        return None
    person.last_checkin_day = max(person.last_checkin_day or checkin.day, checkin.day)
    checkin.pk = row[0]
    checkin._state.adding = False
    checkin._state.db = connection.alias
    return bool(row[1])


def _fetch_one(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def previous_checkin(*, person: Person, before: dt.date) -> CheckIn | None:
    """The person's latest check-in before `before`: what "same as yesterday" copies."""
    return CheckIn.objects.filter(person=person, day__lt=before).order_by("-day").first()


def checkin_same_as_yesterday(
    *,
    actor: User,
    person: Person,
    campaign: Campaign | None,
    client_id: str = "",
    now: dt.datetime | None = None,
) -> CheckInResult:
    """Check in with the values of the person's last check-in, in one tap.

    Refused when there is none, or when it was abnormal: then the form must be filled in, so
    that a fever is never carried forward unseen.
    """
    now = now or timezone.now()
    if not checkin_may_submit(actor=actor, person=person):
        raise _not_found()
    last = previous_checkin(person=person, before=business_day(now))
    if last is None:
        raise CheckInRefused(
            _("There is no earlier check-in to copy: please fill in the form once.")
        )
    if last.status != HealthStatus.GREEN:
        raise CheckInRefused(
            _("Your last check-in was abnormal (%(reason)s): please fill in the form.")
            % {"reason": last.reason or last.get_status_display()}
        )
    return checkin_submit(
        actor=actor,
        person=person,
        campaign=campaign,
        temperature=last.temperature,
        symptoms=last.symptoms,
        location=last.location,
        on_campus=last.on_campus,
        key_area_contact=last.key_area_contact,
        case_contact=last.case_contact,
        client_id=client_id,
        now=now,
    )
