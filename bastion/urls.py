from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from bastion.api import api

urlpatterns = [
    # First: the API takes the most requests (every check-in), and Django tries each pattern
    # in order until one matches.
    path("api/v1/", api.urls),
    path("", include("bastion.accounts.urls")),
    path("", include("bastion.privacy.urls")),
    path("org/", include("bastion.org.urls")),
    path("roster/", include("bastion.roster.urls")),
    path("checkin/", include("bastion.checkins.urls")),
    path("alerts/", include("bastion.alerts.urls")),
    path("reports/", include("bastion.reports.urls")),
    path("urgent/", include("bastion.reports.urls_urgent")),
    path("dashboard/", include("bastion.dashboards.urls")),
    path("tracing/", include("bastion.tracing.urls")),
    path("campus/", include("bastion.campus.urls")),
    path("party/", include("bastion.partywork.urls")),
    path("notices/", include("bastion.notices.urls")),
    path("supplies/", include("bastion.supplies.urls")),
    path("liaison/", include("bastion.liaison.urls")),
    path("audit/", include("bastion.audit.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

# An error anywhere in a request: 503 and a page needing no database when it is the database
# that is away, Django's 500 otherwise.
handler500 = "bastion.ops.unavailable.server_error"
