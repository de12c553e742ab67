"""The WSGI application, as granian (see the README) or any WSGI server serves it."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
application = get_wsgi_application()

# A web server runs no management command, so no system check: the start-up security checks
# (DEBUG=0 with the laptop's secret key, no ALLOWED_HOSTS, DEBUG on a public host name, …)
# run here, and a failing one stops the server before it answers anyone.
from bastion.accounts.checks import refuse_dangerous_settings  # noqa: E402

refuse_dangerous_settings()

# Load every URL, view and the API now rather than on the first request, then put all that is
# loaded out of the garbage collector's way: a full collection no longer walks the hundreds of
# thousands of long-lived objects of Django and Bastion in the middle of someone's request.
# A request makes thousands of short-lived objects; collecting the youngest generation every
# 20,000 allocations instead of every 700 gave 10-30% more check-ins a second (paired runs of
# bench_checkins on two cores).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc.freeze()
gc.set_threshold(20_000, 20, 20)
