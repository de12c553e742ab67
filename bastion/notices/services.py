"""Notices (通知, R21): publishing to an audience the author holds, receipts for everyone in
it, reading, acknowledging, chasing those who have not, withdrawing.

An audience is {"units": [codes], "party_orgs": [codes], "roles": [role values],
"students": bool, "staff": bool}. The author may name only what their scope holds: units and
Party organizations within their subtrees, "all students"/"all staff" only when they reach
all of them, roles only with a reach over everyone. The people it resolves to are further
kept to the author's reach, so a notice never lands outside it.

Refusals (NoticeRefused): 400 bad input, 403 no right to publish or to chase, 404 out of reach.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_update
from bastion.lib.inputs import text_input
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.notices.models import Notice, NoticeKind, Receipt
from bastion.org.models import PartyOrg, Person, PersonKind, Position, Unit

log = logging.getLogger(__name__)

CHASE_EVERY = dt.timedelta(hours=1)  # a person is reminded at most once an hour
TITLE_LIMIT = 200
BODY_LIMIT = 20000


class NoticeRefused(Refused):
    """Bad input (400), no right (403), out of reach (404); nothing written."""


def _body(value: object) -> str:
    """The text of a notice: paragraphs kept, each line tidied."""
    lines = [clean(line) for line in str(value or "").replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


# --- the audience -------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """An audience checked against the author's scope: the records it names."""

    units: tuple[Unit, ...]
    party_orgs: tuple[PartyOrg, ...]
    roles: tuple[str, ...]
    students: bool
    staff: bool

    def as_json(self) -> dict:
        return {
            "units": [u.code for u in self.units],
            "party_orgs": [p.code for p in self.party_orgs],
            "roles": list(self.roles),
            "students": self.students,
            "staff": self.staff,
        }

    @property
    def empty(self) -> bool:
        return not (self.units or self.party_orgs or self.roles or self.students or self.staff)


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path.startswith(p) for p in prefixes)


def held_units(scope: Scope) -> QuerySet[Unit]:
    """The units an author may address: their subtrees (every unit with a wide reach)."""
    if scope.everyone or scope.all_students or scope.all_staff:
        return Unit.objects.all()
    if not scope.unit_paths:
        return Unit.objects.none()
    return Unit.objects.filter(reduce(or_, [Q(path__startswith=p) for p in scope.unit_paths]))


def held_party_orgs(scope: Scope) -> QuerySet[PartyOrg]:
    """The Party organizations an author may address: their Party subtrees."""
    if scope.everyone or scope.all_students or scope.all_staff:
        return PartyOrg.objects.all()
    if not scope.party_paths:
        return PartyOrg.objects.none()
    return PartyOrg.objects.filter(reduce(or_, [Q(path__startswith=p) for p in scope.party_paths]))


def _codes(value: object) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, (list, tuple, set)):
        raise NoticeRefused(_("The audience is not understood."))
    return list(dict.fromkeys(c for c in (clean(v) for v in value) if c))


def audience_check(*, scope: Scope, audience: dict) -> Audience:
    """The audience as records, each checked against what the author holds; refused with
    the first thing named that they do not hold."""
    if not isinstance(audience, dict):
        raise NoticeRefused(_("The audience is not understood."))
    unit_codes = _codes(audience.get("units"))
    org_codes = _codes(audience.get("party_orgs"))
    roles = _codes(audience.get("roles"))
    students = bool(audience.get("students"))
    staff = bool(audience.get("staff"))

    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes)}
    for code in unit_codes:
        unit = units.get(code)
        wide = scope.everyone or scope.all_students or scope.all_staff
        if unit is None or not (wide or _under(unit.path, scope.unit_paths)):
            raise NoticeRefused(
                _("The unit %(code)s is not in your reach: you may address only your own units.")
                % {"code": code}
            )
    orgs = {p.code: p for p in PartyOrg.objects.filter(code__in=org_codes)}
    for code in org_codes:
        org = orgs.get(code)
        wide = scope.everyone or scope.all_students or scope.all_staff
        if org is None or not (wide or _under(org.path, scope.party_paths)):
            raise NoticeRefused(
                _(
                    "The Party organization %(code)s is not in your reach: you may address "
                    "only your own Party organizations."
                )
                % {"code": code}
            )
    for role in roles:
        if role not in Role.values:
            raise NoticeRefused(_("There is no role %(role)s.") % {"role": role})
    if roles and not scope.everyone:
        raise NoticeRefused(_("Only those who reach everyone may address the holders of a role."))
    if students and not (scope.everyone or scope.all_students):
        raise NoticeRefused(_("Only those who reach every student may address all students."))
    if staff and not (scope.everyone or scope.all_staff):
        raise NoticeRefused(_("Only those who reach every staff member may address all staff."))
    checked = Audience(
        units=tuple(units[c] for c in unit_codes),
        party_orgs=tuple(orgs[c] for c in org_codes),
        roles=tuple(roles),
        students=students,
        staff=staff,
    )
    if checked.empty:
        raise NoticeRefused(_("Choose whom the notice is for."))
    return checked


def audience_people(*, scope: Scope, audience: Audience) -> QuerySet[Person]:
    """Everyone the audience names, kept to the author's reach."""
    parts: list[Q] = [Q(unit__path__startswith=u.path) for u in audience.units]
    for org in audience.party_orgs:
        parts.append(Q(party_branch__path__startswith=org.path))
        # 属地管理: a Party organization also speaks to the people of the units it leads.
        led = Unit.objects.filter(party_org__path__startswith=org.path).values_list(
            "path", flat=True
        )
        parts += [Q(unit__path__startswith=path) for path in led]
    if audience.roles:
        holders = Position.objects.active().filter(role__in=audience.roles)
        parts.append(Q(pk__in=holders.values("person_id")))
    if audience.students:
        parts.append(Q(kind=PersonKind.STUDENT))
    if audience.staff:
        parts.append(Q(kind=PersonKind.STAFF))
    if not parts:
        return Person.objects.none()
    return scope.people(Person.objects.filter(reduce(or_, parts)))


def _receipts_create(notice: Notice, people: QuerySet[Person]) -> int:
    """One receipt per person, in one INSERT … SELECT (50,000 people stay one statement)."""
    chosen = people.order_by().annotate(reader_id=F("pk")).values_list("reader_id").distinct()
    sql, params = chosen.query.sql_with_params()
    table = connection.ops.quote_name(Receipt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notice_id, person_id, chased) "  # noqa: S608
            f"SELECT %s, audience.reader_id, 0 FROM ({sql}) audience",
            [notice.pk, *params],
        )
        return cursor.rowcount


# --- publishing ---------------------------------------------------------------------------


def notice_publish(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    audience: dict,
    requires_ack: bool,
    now: dt.datetime,
) -> Notice:
    """Publish a notice to an audience the author holds; one receipt for each person in it;
    pushed by email and to the group robot once committed."""
    scope = scope_of(actor)
    if not scope.has(Perm.PUBLISH_NOTICES):
        raise NoticeRefused(_("You may not publish notices."), status=403)
    if kind not in NoticeKind.values:
        raise NoticeRefused(_("Choose what kind of notice it is."))
    title = text_input(
        title, limit=TITLE_LIMIT, what=_("title"), required=True, refused=NoticeRefused
    )
    body = text_input(
        body, limit=BODY_LIMIT, what=_("text"), required=True, refused=NoticeRefused, normal=_body
    )
    checked = audience_check(scope=scope, audience=audience)
    people = audience_people(scope=scope, audience=checked)
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            title=title,
            body=body,
            audience=checked.as_json(),
            requires_ack=bool(requires_ack),
            is_current=True,
            author=actor,
            published_at=now,
        )
        reached = _receipts_create(notice, people)
        if reached == 0:
            raise NoticeRefused(_("Nobody in your reach is in this audience."))
        transaction.on_commit(lambda: _push(notice.pk), robust=True)
    log.info("notice %s published by %s to %d people", notice.uid, actor.get_username(), reached)
    return notice


def _push(notice_id: int) -> None:
    from bastion.notices.tasks import notice_push

    notice_push(notice_id)


def notice_push_now(*, notice: Notice) -> int:
    """Queue the notice by email to everyone in its audience with an address, in batches,
    and once to the group robot. Returns how many emails were queued."""
    from bastion.lib.chunks import CHUNK
    from bastion.notify.services import Message, notify_group, notify_many

    subject = f"【{notice.get_kind_display()}】{notice.title}"
    body = notice.body
    if notice.requires_ack:
        body += "\n\n" + _("Please acknowledge it in Bastion under My notices.")
    queued = 0
    people = (
        Person.objects.filter(receipts__notice=notice)
        .exclude(email="")
        .only("pk", "number", "email")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(people.filter(pk__gt=last)[:CHUNK])
        if not batch:
            break
        last = batch[-1].pk
        queued += notify_many(
            messages=[
                Message(key=f"notice:{notice.uid}", recipients=batch, subject=subject, body=body)
            ]
        )
    notify_group(key=f"notice:{notice.uid}", subject=subject, body=body)
    return queued


# --- reading and acknowledging ------------------------------------------------------------


def _receipt(person: Person, notice: Notice) -> Receipt:
    receipt = Receipt.objects.filter(notice=notice, person=person).first()
    if receipt is None or notice.withdrawn_at is not None:
        raise NoticeRefused(_("Not found, or not in your reach."), status=404)
    return receipt


def notice_read(*, person: Person, notice: Notice, now: dt.datetime) -> Receipt:
    """Mark the notice read by this person (the first time only)."""
    receipt = _receipt(person, notice)
    if receipt.read_at is None:
        Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
        receipt.refresh_from_db()
    return receipt


def notice_acknowledge(*, person: Person, notice: Notice, now: dt.datetime) -> Receipt:
    """Acknowledge the notice (it is read too); a second time changes nothing."""
    receipt = _receipt(person, notice)
    if not notice.requires_ack:
        raise NoticeRefused(_("This notice asks for no acknowledgement."))
    with transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
        Receipt.objects.filter(pk=receipt.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
    receipt.refresh_from_db()
    return receipt


# --- chasing and withdrawing --------------------------------------------------------------


def _may_manage(scope: Scope, actor: User, notice: Notice) -> bool:
    return scope.has(Perm.PUBLISH_NOTICES) or notice.author_id == actor.pk


def notice_chase(*, actor: User, notice: Notice, unit: Unit | None = None, now: dt.datetime) -> int:
    """One tap: remind everyone in the actor's reach (within `unit`, if given) who has not
    acknowledged (or, with no acknowledgement asked, not read) the notice; a person at most
    once an hour. Returns how many were reminded."""
    from bastion.notices.selectors import receipts_in_reach

    scope = scope_of(actor)
    if not _may_manage(scope, actor, notice):
        raise NoticeRefused(_("You may not chase the readers of notices."), status=403)
    if notice.withdrawn_at is not None:
        raise NoticeRefused(_("The notice has been withdrawn."), status=409)
    receipts = receipts_in_reach(scope=scope, notice=notice)
    if unit is not None:
        if not held_units(scope).filter(pk=unit.pk).exists():
            raise NoticeRefused(_("Not found, or not in your reach."), status=404)
        receipts = receipts.filter(person__unit__path__startswith=unit.path)
    pending = Q(acknowledged_at__isnull=True) if notice.requires_ack else Q(read_at__isnull=True)
    due = Q(last_chased_at__isnull=True) | Q(last_chased_at__lte=now - CHASE_EVERY)
    with transaction.atomic():
        chosen = list(
            receipts.filter(pending, due)
            .select_for_update(of=("self",))  # PostgreSQL locks no outer join's nullable side
            .values_list("pk", flat=True)
        )
        if not chosen:
            return 0
        from bastion.lib.chunks import chunks

        for chunk in chunks(chosen):
            Receipt.objects.filter(pk__in=chunk).filter(due).update(
                chased=F("chased") + 1, last_chased_at=now
            )
        transaction.on_commit(
            lambda: _chase_push(notice.pk, chosen, now.strftime("%Y%m%d%H%M")), robust=True
        )
    log.info("notice %s: %s chased %d", notice.uid, actor.get_username(), len(chosen))
    return len(chosen)


def _chase_push(notice_id: int, receipt_ids: list[int], stamp: str) -> None:
    from bastion.lib.chunks import chunks
    from bastion.notify.services import Message, notify_many

    notice = Notice.objects.get(pk=notice_id)
    subject = _("Reminder: %(title)s") % {"title": notice.title}
    body = (
        _("Please acknowledge the notice in Bastion under My notices.")
        if notice.requires_ack
        else _("Please read the notice in Bastion under My notices.")
    )
    for chunk in chunks(receipt_ids):
        people = list(
            Person.objects.filter(receipts__pk__in=chunk).exclude(email="").only("number", "email")
        )
        if people:
            notify_many(
                messages=[
                    Message(
                        key=f"notice:{notice.uid}:chase:{stamp}",
                        recipients=people,
                        subject=subject,
                        body=body,
                    )
                ]
            )


def notice_withdraw(*, actor: User, notice: Notice, now: dt.datetime) -> Notice:
    """Withdraw a notice: gone from readers' lists and from the knowledge page. Its author,
    or a publisher reaching everyone, may; a second time changes nothing."""
    scope = scope_of(actor)
    if not (notice.author_id == actor.pk or (scope.everyone and scope.has(Perm.PUBLISH_NOTICES))):
        raise NoticeRefused(_("Only its author may withdraw a notice."), status=403)
    with transaction.atomic():
        audit_update(
            Notice.objects.filter(pk=notice.pk, withdrawn_at__isnull=True),
            withdrawn_at=now,
            is_current=False,
        )
    notice.refresh_from_db()
    return notice
