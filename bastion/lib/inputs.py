"""What a service checks in what people type: a line of text within a length, a day.

Each app raises its own refusal (IsolationRefused, ReturnRefused, …) with the same words, so
the pages that catch it and the API that answers it need no translation of their own.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from bastion.lib.refusals import Refused
from bastion.lib.text import clean


def text_input(
    value: Any,
    *,
    limit: int,
    what: str,
    required: bool | str = False,
    refused: type[Refused] = Refused,
    normal: Callable[[Any], str] = clean,
) -> str:
    """`value` as a line of text (`normal`ized), at most `limit` long; refused when empty if
    `required` (True: "fill in the …", or the refusal's own words)."""
    text = normal(value)
    if required and not text:
        if isinstance(required, str):
            raise refused(required)
        raise refused(_("Fill in the %(what)s.") % {"what": what})
    if len(text) > limit:
        raise refused(
            _("The %(what)s is longer than %(n)d characters.") % {"what": what, "n": limit}
        )
    return text


def day_input(value: Any, *, what: str, refused: type[Refused] = Refused) -> dt.date:
    """A day from a date or text such as 2020-02-10; refused, with what it is, otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean(value)
    if not text:
        raise refused(_("Fill in the %(what)s.") % {"what": what})
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise refused(
            _("The %(what)s must be a day such as 2020-02-10.") % {"what": what}
        ) from None
