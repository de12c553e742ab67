"""What every page's top bar needs to know about the person looking at it."""

from django.http import HttpRequest

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.tracing.models import Isolation, IsolationState


def navigation(request: HttpRequest) -> dict:
    """The pages the top bar offers: only those the person's positions give them, so that a
    student's phone shows three links on one line, not seven on three."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {
        "nav": {
            "checkin": user.person_id is not None,
            "reports": scope.has(Perm.SUBMIT_REPORT) or scope.has(Perm.VIEW_DASHBOARD),
            "dashboard": scope.has(Perm.VIEW_DASHBOARD),
            "org": not scope.is_self_only,
            "tracing": scope.has(Perm.VIEW_PEOPLE) and not scope.is_self_only,
            "campus": user.person_id is not None,
            "party": user.person_id is not None or scope.has(Perm.BRIEFING),
            "gate": scope.has(Perm.GATE_CHECK),
            "notices": user.person_id is not None,
            "supplies": scope.has(Perm.KEEP_SUPPLIES) or scope.has(Perm.REQUEST_SUPPLIES),
            "liaison": scope.has(Perm.LIAISON),
            # Anyone may be named a carer (a Party member student, say): one indexed query.
            "care": user.person_id is not None
            and Isolation.objects.filter(
                carer_id=user.person_id, state=IsolationState.ACTIVE
            ).exists(),
        }
    }
