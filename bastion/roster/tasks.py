"""Running a page import away from the request; a task queue will call `roster_import_run`."""

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.audit.context import acting_as
from bastion.roster.models import RosterImport
from bastion.roster.parsing import RosterFileError, parse_roster
from bastion.roster.services import ImportResult, roster_import

log = logging.getLogger(__name__)
MAX_STORED_ERRORS = 1000


def progress_key(import_id: int) -> str:
    return f"roster-import-progress:{import_id}"


def result_fields(result: ImportResult) -> dict:
    """A result as RosterImport fields (bad rows capped: the page lists the first thousand)."""
    return {
        "total": result.total,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "units_created": result.units_created,
        "error_count": len(result.problems),
        "errors": [[p.line, p.column, p.reason] for p in result.problems[:MAX_STORED_ERRORS]],
    }


def roster_import_run(import_id: int) -> None:
    """Import a confirmed upload. The write holds one transaction, so progress goes to the cache."""
    job = RosterImport.objects.select_related("actor").get(pk=import_id)
    RosterImport.objects.filter(pk=job.pk).update(status=RosterImport.Status.RUNNING)

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job.pk), (done, total), 3600)

    fields: dict = {"finished_at": timezone.now(), "content": b""}
    try:
        roster = parse_roster(
            bytes(job.content), job.file_name, max_bytes=settings.BASTION_ROSTER_MAX_BYTES
        )
        with acting_as(f"roster import #{job.pk}", user=job.actor):
            result = roster_import(actor=job.actor, rows=roster.rows, progress=progress)
        fields |= result_fields(result)
        fields["done"] = result.created + result.updated
        fields["status"] = RosterImport.Status.DONE if result.ok else RosterImport.Status.INVALID
    except RosterFileError as error:
        fields |= {"status": RosterImport.Status.FAILED, "message": str(error)}
    except Exception:
        log.exception("roster import %s failed", import_id)
        fields |= {
            "status": RosterImport.Status.FAILED,
            "message": _("The import failed unexpectedly; nothing was written."),
        }
    fields["finished_at"] = timezone.now()
    RosterImport.objects.filter(pk=job.pk).update(**fields)
    cache.delete(progress_key(job.pk))


def roster_import_start(import_id: int) -> None:
    """Start the import once the confirming transaction has committed."""

    def run() -> None:
        try:
            roster_import_run(import_id)
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=run, daemon=True).start())
