"""The import page: upload, preview, confirm, watch the progress; and the template download."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.roster import tasks
from bastion.roster.models import RosterImport
from bastion.roster.parsing import RosterFileError, parse_roster
from bastion.roster.services import roster_import
from bastion.roster.template import template_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_import(request: HttpRequest) -> None:
    if not scope_of(request.user).has(Perm.IMPORT_ROSTER):
        raise Http404


def _own_import(request: HttpRequest, uid: str) -> RosterImport:
    """One of the user's own imports; anyone else's is missing (404)."""
    _require_import(request)
    return get_object_or_404(RosterImport.objects.defer("content"), uid=uid, actor=request.user)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show what importing it would do."""
    _require_import(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a file to upload.")
        elif upload.size > settings.BASTION_ROSTER_MAX_BYTES:
            error = _("The file is too large: at most %(limit)d MB.") % {
                "limit": settings.BASTION_ROSTER_MAX_BYTES // 2**20
            }
        else:
            data = upload.read()
            job = RosterImport(actor=request.user, file_name=upload.name[:255], content=data)
            try:
                roster = parse_roster(
                    data, upload.name, max_bytes=settings.BASTION_ROSTER_MAX_BYTES
                )
            except RosterFileError as failure:
                error = str(failure)
            else:
                result = roster_import(actor=request.user, rows=roster.rows, dry_run=True)
                for name, value in tasks.result_fields(result).items():
                    setattr(job, name, value)
                job.status = (
                    RosterImport.Status.PREVIEWED if result.ok else RosterImport.Status.INVALID
                )
                if not result.ok:
                    job.content = b""
                job.save()
                request.session[f"roster-sample-{job.uid}"] = result.sample
                return redirect("roster:detail", uid=job.uid)
    recent = RosterImport.objects.defer("content").filter(actor=request.user)[:10]
    return render(
        request,
        "roster/import.html",
        {"error": error, "recent": recent, "max_mb": settings.BASTION_ROSTER_MAX_BYTES // 2**20},
    )


@login_required
def import_detail(request: HttpRequest, uid: str) -> HttpResponse:
    """The preview, the progress, or the outcome of one import."""
    job = _own_import(request, uid)
    return render(
        request,
        "roster/detail.html",
        {
            "job": job,
            "sample": request.session.get(f"roster-sample-{job.uid}", []),
            **_progress(job),
        },
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, uid: str) -> HttpResponse:
    """Start the import of a previewed upload; the page then follows its progress."""
    job = _own_import(request, uid)
    with transaction.atomic():
        started = RosterImport.objects.filter(
            pk=job.pk, status=RosterImport.Status.PREVIEWED
        ).update(status=RosterImport.Status.QUEUED)
        if started:
            tasks.roster_import_start(job.pk)
    return redirect("roster:detail", uid=job.uid)


@login_required
def import_progress(request: HttpRequest, uid: str) -> HttpResponse:
    """The progress fragment the detail page polls with HTMX while the import runs."""
    job = _own_import(request, uid)
    response = render(request, "roster/_progress.html", {"job": job, **_progress(job)})
    if not job.is_running:
        response["HX-Refresh"] = "true"  # show the outcome in full
    return response


def _progress(job: RosterImport) -> dict:
    done, total = job.done, job.created + job.updated
    if job.is_running:
        done, total = cache.get(tasks.progress_key(job.pk), (0, total))
    return {
        "done": done,
        "to_write": total,
        "percent": 100 if not job.is_running else int(done * 100 / total) if total else 0,
    }


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    """The roster template: the headers, an example row and a sheet explaining each column."""
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response
