"""The trail in the administration site: its readers only, discipline entries for discipline."""

from django.urls import reverse

from bastion.accounts.roles import Perm
from bastion.audit.models import Action, AuditEntry, AuditHead
from bastion.audit.registry import REGISTRY
from bastion.audit.services import entries_write, entry

ENTRIES = reverse("admin:audit_auditentry_changelist")
HEAD = reverse("admin:audit_audithead_changelist")


def _entries() -> tuple[AuditEntry, AuditEntry]:
    discipline = next(s for s in REGISTRY if s.perm == Perm.DISCIPLINE)
    plain = next(s for s in REGISTRY if s.perm is None)
    made = [
        entry(action=Action.CREATE, target=plain.label, target_id="admin-test-1"),
        entry(action=Action.CREATE, target=discipline.label, target_id="admin-test-2"),
    ]
    entries_write(made)
    return AuditEntry.objects.get(target_id="admin-test-1"), AuditEntry.objects.get(
        target_id="admin-test-2"
    )


def test_the_organization_department_reads_the_trail_but_not_discipline_cases(world, client_as):
    plain, discipline = _entries()
    response = client_as(world.org_officer).get(ENTRIES)
    assert response.status_code == 200
    listed = set(response.context["cl"].result_list)
    assert plain in listed and discipline not in listed


def test_an_office_with_the_admin_but_not_the_trail_sees_neither_entries_nor_head(world, client_as):
    _entries()
    AuditHead.objects.create(pk=1, seq=0, chain="", mac="")
    client = client_as(world.student_affairs)
    assert client.get(ENTRIES).status_code == 403
    assert client.get(HEAD).status_code == 403
    assert client_as(world.org_officer).get(HEAD).status_code == 200
    response = client.get(reverse("admin:audit_auditentry_add"))
    assert response.status_code == 403
