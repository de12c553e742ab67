"""The trail page: a record's entries, newest first, for discipline inspection and the
Organization Department. Reading it is itself recorded."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bastion.accounts.scoping import scope_of
from bastion.audit import selectors
from bastion.audit.services import audit_view


def _trail(request: HttpRequest, *, label: str, key: str) -> HttpResponse:
    target = selectors.target_or_404(scope=scope_of(request.user), label=label, key=key)
    total = selectors.trail_of(spec=target.spec, target_id=target.target_id).count()
    audit_view(request, what=target.spec.label, target_id=target.target_id, rows=total)
    page, rows = selectors.trail_page(target=target, page=request.GET.get("page"))
    return render(
        request,
        "audit/trail.html",
        {
            "target": target,
            "what": target.spec.model._meta.verbose_name,
            "record": target.record,
            "page": page,
            "rows": rows,
        },
    )


@login_required
def person_trail(request: HttpRequest, number: str) -> HttpResponse:
    """A person's record, by their number."""
    return _trail(request, label="org.person", key=number)


@login_required
def record_trail(request: HttpRequest, target: str, uid: str) -> HttpResponse:
    """Any audited record with a uid: /audit/tracing.case/<uid>/."""
    return _trail(request, label=target, key=uid)
