"""What the tracing ledgers (key areas, cases, contacts, isolation) do alike: who may read
them with which unit filter, and how their xlsx is titled and named."""

import datetime as dt
import tempfile
from collections.abc import Callable

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.org.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reads_people(scope: Scope) -> bool:
    """Who has a ledger: those who read people's records."""
    return scope.has(Perm.VIEW_PEOPLE)


def ledger_scope(
    request: HttpRequest, *, may_read: Callable[[Scope], bool] = reads_people
) -> tuple[Scope, Unit | None]:
    """The viewer's scope and the unit filter (?unit=CODE); 404 for those who may not read
    the ledger and for a unit out of reach."""
    scope = scope_of(request.user)
    if not may_read(scope):
        raise Http404
    code = request.GET.get("unit", "").strip()
    unit = scope.units().filter(code=code).first() if code else None
    if code and unit is None:
        raise Http404
    return scope, unit


def ledger_scope_name(unit: Unit | None) -> str:
    """What an export covers: the unit filtered on, else all the viewer reaches."""
    return unit.name if unit is not None else _("all in your reach")


def exporter_name(user: User) -> str:
    """Who exported, as the sheet's title names them."""
    return user.person.name if user.person_id else user.get_username()


def ledger_title(*, what: str, scope_name: str, day: dt.date, exporter: str) -> str:
    """The first line of a ledger's sheet: which ledger, of what, which day, who, when."""
    return _("%(what)s: %(scope)s, %(day)s. Exported by %(who)s at %(time)s.") % {
        "what": what,
        "scope": scope_name,
        "day": day.isoformat(),
        "who": exporter,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def ledger_file(
    data: tempfile.SpooledTemporaryFile, *, name: str, scope_name: str, day: dt.date
) -> FileResponse:
    """A ledger's xlsx as a download named "<ledger>-<scope>-<day>.xlsx"."""
    return FileResponse(
        data,
        as_attachment=True,
        filename=f"{name}-{scope_name}-{day.isoformat()}.xlsx",
        content_type=XLSX,
    )
