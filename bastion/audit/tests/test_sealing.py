"""The sealer chains entries written concurrently, in order, without gaps: writers never wait
for it (they take no lock of the trail), and two sealers never give out the same seq."""

import threading

import pytest
from django.db import connection, transaction

from bastion.audit.models import Action, AuditEntry, AuditHead
from bastion.audit.services import audit_record, audit_seal
from bastion.audit.verify import audit_verify

WRITERS = 2
EACH = 40


@pytest.mark.django_db(transaction=True)
def test_entries_written_by_two_threads_while_two_sealers_run_are_chained_without_gaps():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    start = threading.Barrier(WRITERS + 2)
    writing = threading.Event()
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with transaction.atomic():
                    audit_record(action=Action.VIEW, target="test.list", note=f"{n}:{i}")
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    def sealer() -> None:
        try:
            start.wait()
            while not writing.is_set():
                audit_seal(batch=7)
            audit_seal(batch=7)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join()
    writing.set()
    for thread in sealers:
        thread.join()
    assert errors == []
    audit_seal()
    entries = AuditEntry.objects.count()
    assert entries == WRITERS * EACH + 1  # and the baseline of the trail's beginning
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, entries + 1))
    assert AuditHead.objects.get().seq == entries
    report = audit_verify()
    assert report.ok and report.sealed == entries


def test_the_sealer_leaves_a_forged_entry_unsealed_and_chains_the_rest(db):
    audit_record(action=Action.VIEW, target="test.list")
    forged = audit_record(action=Action.VIEW, target="test.list")
    AuditEntry.objects.filter(pk=forged.pk).update(note="changed")
    audit_record(action=Action.VIEW, target="test.list")
    sealed = audit_seal()
    assert sealed.refused == 1 and sealed.sealed == 3  # two, and the trail's baseline
    assert AuditEntry.objects.get(pk=forged.pk).seq is None


def test_a_head_that_does_not_match_its_mac_stops_the_sealer(db):
    audit_seal()
    AuditHead.objects.update(seq=5)
    audit_record(action=Action.VIEW, target="test.list")
    assert audit_seal().head_ok is False
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 1
