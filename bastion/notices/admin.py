"""Notices and sentiment reports in the scoped admin: listed, written by their services."""

from django.contrib import admin
from django.db.models import Q, QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.notices.models import Notice, Receipt, ScreenShot, SentimentEvent, SentimentReport


@admin.register(Notice)
class NoticeAdmin(RecordAdmin):
    list_display = ["title", "kind", "requires_ack", "published_at", "withdrawn_at"]
    list_filter = ["kind", "requires_ack"]
    search_fields = ["title"]
    raw_id_fields = ["author"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Notice.objects.all() if scope.has(Perm.PUBLISH_NOTICES) else Notice.objects.none()


@admin.register(Receipt)
class ReceiptAdmin(RecordAdmin):
    list_display = ["notice", "person", "read_at", "acknowledged_at", "chased"]
    raw_id_fields = ["notice", "person"]
    show_full_result_count = False

    def scoped(self, scope: Scope) -> QuerySet:
        return Receipt.objects.filter(scope.people_q(prefix="person__"))


def _reports(scope: Scope) -> QuerySet:
    if scope.everyone and scope.has(Perm.HANDLE_SENTIMENT):
        return SentimentReport.objects.all()
    return SentimentReport.objects.filter(
        Q(branch__in=scope.party_orgs()) | Q(reporter_id=scope.person_id)
    )


@admin.register(SentimentReport)
class SentimentReportAdmin(RecordAdmin):
    list_display = ["summary", "severity", "level", "state", "reported_at"]
    list_filter = ["severity", "level", "state"]
    raw_id_fields = ["reporter", "branch", "owner", "clarification"]

    def scoped(self, scope: Scope) -> QuerySet:
        return _reports(scope)


@admin.register(SentimentEvent)
class SentimentEventAdmin(RecordAdmin):
    list_display = ["report", "action", "actor", "at"]
    raw_id_fields = ["report", "actor"]

    def scoped(self, scope: Scope) -> QuerySet:
        return SentimentEvent.objects.filter(report__in=_reports(scope))


@admin.register(ScreenShot)
class ScreenShotAdmin(RecordAdmin):
    list_display = ["report", "content_type"]
    raw_id_fields = ["report"]
    exclude = ["content"]

    def scoped(self, scope: Scope) -> QuerySet:
        return ScreenShot.objects.filter(report__in=_reports(scope))
