"""Who is acting, and from where, for the entries written meanwhile.

A request's middleware puts the request in a context variable; the actor is read from it when
an entry is written, not when the request arrives, because the API's bearer-token auth sets
request.user later, inside the view. A Huey task or a management command acts under its own
name (`acting_as`). Context variables belong to one thread (or task), so the server's threads
and the worker's never see each other's.
"""

import contextlib
import getpass
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest

from bastion.lib.net import client_address


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    ip: str


SYSTEM = Actor(None, "", "")

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_acting: ContextVar[Actor | None] = ContextVar("audit_acting", default=None)


def current() -> Actor:
    """Who writes now: the task or command running, else the request's user and address."""
    acting = _acting.get()
    if acting is not None:
        return acting
    request = _request.get()
    if request is None:
        return SYSTEM
    ip = client_address(request) or ""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(user.pk, user.get_username(), ip)
    return Actor(None, "", ip)


def current_request() -> HttpRequest | None:
    return _request.get()


@contextlib.contextmanager
def acting_as(label: str, *, user=None) -> Iterator[None]:
    """Entries written inside are by `label` (a task's or a command's name), for `user` when
    it works for one (a roster import someone confirmed)."""
    token = _acting.set(Actor(getattr(user, "pk", None), label[:150], ""))
    try:
        yield
    finally:
        _acting.reset(token)


class AuditContextMiddleware:
    """Makes the request the source of the actor and the address of entries written in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A command serving requests in its own thread (runserver) does not speak for them.
        token, acting = _request.set(request), _acting.set(None)
        try:
            return self.get_response(request)
        finally:
            _acting.reset(acting)
            _request.reset(token)


def command_label(name: str) -> str:
    """A management command's label: its name and the operating-system account running it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return f"command:{name} ({who})"


def connect_tasks() -> None:
    """Every Huey task runs under its own name (`task:<name>`), in the worker or inline."""
    from huey.contrib.djhuey import HUEY

    @HUEY.pre_execute(name="audit_acting_as")
    def _enter(task) -> None:
        task._audit_token = _acting.set(Actor(None, f"task:{task.name}"[:150], ""))

    @HUEY.post_execute(name="audit_acting_as")
    def _leave(task, task_value, exc) -> None:
        token = getattr(task, "_audit_token", None)
        if token is not None:
            task._audit_token = None
            with contextlib.suppress(ValueError):  # set in another context: nothing to undo
                _acting.reset(token)
