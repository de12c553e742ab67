"""`{% load audit %}{% audit_trail_link record %}`: a link to the record's audit trail, shown
only to those who may read it (audit.read, and the record in their reach)."""

from django import template
from django.urls import reverse

from bastion.accounts.scoping import scope_of
from bastion.audit.registry import spec_for
from bastion.audit.selectors import may_read

register = template.Library()


@register.inclusion_tag("audit/_link.html", takes_context=True)
def audit_trail_link(context, record) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    spec = spec_for(type(record)) if record is not None else None
    if spec is None or spec.public_key is None or user is None:
        return {"url": None}
    if not may_read(scope_of(user), spec):
        return {"url": None}
    if spec.public_key == "number":
        url = reverse("audit:person", args=[record.number])
    else:
        url = reverse("audit:record", args=[spec.label, record.uid])
    return {"url": url}
