"""Reading notices: my notices, a notice's receipts per unit within reach, the knowledge page."""

from dataclasses import dataclass

from django.db.models import Case, Count, Q, QuerySet, Value, When

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.lib.lookup import by_uid
from bastion.lib.text import clean
from bastion.notices.models import Notice, NoticeKind, Receipt
from bastion.org.models import Person, Unit

KNOWLEDGE_KINDS = (NoticeKind.KNOWLEDGE, NoticeKind.POLICY)


def my_receipts(person: Person) -> QuerySet[Receipt]:
    """A person's notices (not withdrawn), the unread first, then the newest."""
    return (
        Receipt.objects.filter(person=person, notice__withdrawn_at__isnull=True)
        .select_related("notice")
        .annotate(was_read=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1)))
        .order_by(
            "was_read",
            "-notice__published_at",
            "-notice__pk",
        )
    )


def my_unread_count(person: Person) -> int:
    return Receipt.objects.filter(
        person=person, read_at__isnull=True, notice__withdrawn_at__isnull=True
    ).count()


def notice_for_reader(person: Person, uid) -> tuple[Notice, Receipt]:
    """A notice addressed to this person (404 otherwise), with their receipt."""
    receipt = (
        Receipt.objects.filter(person=person, notice__withdrawn_at__isnull=True)
        .select_related("notice")
        .filter(notice__uid=_uid(uid))
        .first()
    )
    if receipt is None:
        from django.http import Http404

        raise Http404
    return receipt.notice, receipt


def _uid(uid):
    import uuid

    from django.http import Http404

    try:
        return uuid.UUID(str(uid))
    except (ValueError, TypeError):
        raise Http404 from None


def notices_managed(scope: Scope, actor: User) -> QuerySet[Notice]:
    """Notices whose receipts this actor may follow: their own, and those with readers in their
    reach (for a publisher)."""
    own = Q(author=actor)
    if not scope.has(Perm.PUBLISH_NOTICES):
        return Notice.objects.filter(own)
    reached = Receipt.objects.filter(scope.people_q("person__")).values("notice_id")
    return Notice.objects.filter(own | Q(pk__in=reached)).distinct()


def notice_managed(actor: User, uid) -> Notice:
    scope = scope_of(actor)
    return by_uid(notices_managed(scope, actor), uid)


def receipts_in_reach(*, scope: Scope, notice: Notice) -> QuerySet[Receipt]:
    """The notice's receipts for people in the actor's reach."""
    return Receipt.objects.filter(notice=notice).filter(scope.people_q("person__"))


@dataclass(frozen=True)
class UnitReceipts:
    unit: Unit
    total: int
    read: int
    acknowledged: int

    @property
    def pending(self) -> int:
        return self.total - self.read

    @property
    def unacknowledged(self) -> int:
        return self.total - self.acknowledged


def receipts_by_unit(*, scope: Scope, notice: Notice) -> list[UnitReceipts]:
    """Per unit of its readers (within reach): how many, read, acknowledged."""
    rows = (
        receipts_in_reach(scope=scope, notice=notice)
        .values("person__unit_id")
        .annotate(
            total=Count("pk"),
            read=Count("pk", filter=Q(read_at__isnull=False)),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        )
    )
    units = Unit.objects.in_bulk([r["person__unit_id"] for r in rows])
    found = [
        UnitReceipts(
            unit=units[r["person__unit_id"]],
            total=r["total"],
            read=r["read"],
            acknowledged=r["acknowledged"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda r: r.unit.path)


def receipts_pending(
    *, scope: Scope, notice: Notice, unit: Unit | None = None
) -> QuerySet[Receipt]:
    """Who has not acknowledged (or, with no acknowledgement asked, not read), within reach
    and within `unit`'s subtree if given; by unit, then number."""
    pending = Q(acknowledged_at__isnull=True) if notice.requires_ack else Q(read_at__isnull=True)
    found = receipts_in_reach(scope=scope, notice=notice).filter(pending)
    if unit is not None:
        found = found.filter(person__unit__path__startswith=unit.path)
    return found.select_related("person", "person__unit").order_by(
        "person__unit__path", "person__number"
    )


def knowledge(query: str = "") -> QuerySet[Notice]:
    """Current guidance: prevention knowledge and policy in force, newest first; each word of
    `query` (split on spaces) must appear in the title or the text."""
    found = Notice.objects.filter(
        kind__in=KNOWLEDGE_KINDS, is_current=True, withdrawn_at__isnull=True
    )
    for word in clean(query).split(" "):
        if word:
            found = found.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return found.order_by("-published_at", "-pk")
