"""Party-work records in the scoped admin: listed for inspection, written by their services.
Discipline cases and cadre assessments are listed to those whose duty they are only."""

from django.contrib import admin
from django.db.models import Q, QuerySet

from bastion.accounts.admin_scoping import RecordAdmin
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.partywork.models import (
    ActivistObservation,
    AssessmentRubric,
    CadreAssessment,
    CareCase,
    Commendation,
    DisciplinaryAction,
    DisciplineCase,
    DutyPolicy,
    DutyShift,
    EquipmentIssue,
    ExemplaryStory,
    FrontlinePost,
    PostMember,
    StoryPhoto,
    StoryReview,
    VanguardRecord,
    WorkReport,
)


def _people(prefix: str):
    def scoped(self, scope: Scope) -> QuerySet:
        return self.model.objects.filter(scope.people_q(prefix=prefix))

    return scoped


def _orgs(field: str):
    def scoped(self, scope: Scope) -> QuerySet:
        return self.model.objects.filter(**{f"{field}__in": scope.party_orgs()})

    return scoped


def _units(field: str):
    def scoped(self, scope: Scope) -> QuerySet:
        return self.model.objects.filter(**{f"{field}__in": scope.units()})

    return scoped


def _with(perm: Perm):
    def scoped(self, scope: Scope) -> QuerySet:
        return self.model.objects.all() if scope.has(perm) else self.model.objects.none()

    return scoped


@admin.register(FrontlinePost)
class FrontlinePostAdmin(RecordAdmin):
    list_display = ["name", "kind", "unit", "leader", "set_up_on", "dissolved_on"]
    list_filter = ["kind"]
    raw_id_fields = ["unit", "party_org", "leader", "created_by"]
    scoped = _units("unit")


@admin.register(PostMember)
class PostMemberAdmin(RecordAdmin):
    list_display = ["post", "person", "duty", "from_on", "to_on"]
    raw_id_fields = ["post", "person"]
    scoped = _units("post__unit")


@admin.register(DutyPolicy)
class DutyPolicyAdmin(RecordAdmin):
    list_display = ["campaign", "weekly_hours_limit"]
    scoped = _with(Perm.DUTY_ROSTER)


@admin.register(DutyShift)
class DutyShiftAdmin(RecordAdmin):
    list_display = ["person", "unit", "post", "starts_at", "ends_at", "state"]
    list_filter = ["state"]
    raw_id_fields = ["unit", "post", "person", "swapped_from", "assigned_by"]
    show_full_result_count = False
    scoped = _people("person__")


@admin.register(VanguardRecord)
class VanguardRecordAdmin(RecordAdmin):
    list_display = ["title", "kind", "person", "party_org", "state", "hours"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["party_org", "person", "assigned_by"]
    show_full_result_count = False
    scoped = _people("person__")


@admin.register(AssessmentRubric)
class AssessmentRubricAdmin(RecordAdmin):
    list_display = ["name", "is_active", "updated_at"]
    scoped = _with(Perm.ASSESS_CADRES)


@admin.register(CadreAssessment)
class CadreAssessmentAdmin(RecordAdmin):
    list_display = ["cadre", "assessor", "assessed_at"]
    raw_id_fields = ["cadre", "rubric", "assessor"]
    scoped = _with(Perm.ASSESS_CADRES)


@admin.register(Commendation)
class CommendationAdmin(RecordAdmin):
    list_display = ["kind", "person", "party_org", "awarded_on"]
    raw_id_fields = ["person", "party_org", "recorded_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return Commendation.objects.filter(
            Q(scope.people_q(prefix="person__")) | Q(party_org__in=scope.party_orgs())
        )


@admin.register(DisciplinaryAction)
class DisciplinaryActionAdmin(RecordAdmin):
    list_display = ["kind", "person", "taken_on"]
    raw_id_fields = ["person", "recorded_by"]
    scoped = _with(Perm.COMMEND)


@admin.register(DisciplineCase)
class DisciplineCaseAdmin(RecordAdmin):
    list_display = ["kind", "person", "is_open", "opened_at"]
    raw_id_fields = ["person", "opened_by"]
    scoped = _with(Perm.DISCIPLINE)


@admin.register(ActivistObservation)
class ActivistObservationAdmin(RecordAdmin):
    list_display = ["person", "branch", "observed_on", "rating"]
    raw_id_fields = ["person", "branch", "observer"]
    scoped = _orgs("branch")


@admin.register(ExemplaryStory)
class ExemplaryStoryAdmin(RecordAdmin):
    list_display = ["title", "branch", "state", "submitted_at", "published_at"]
    list_filter = ["state"]
    raw_id_fields = ["branch", "people", "submitted_by"]

    def scoped(self, scope: Scope) -> QuerySet:
        return ExemplaryStory.objects.filter(
            Q(state="published") | Q(branch__in=scope.party_orgs())
        )


@admin.register(StoryPhoto)
class StoryPhotoAdmin(RecordAdmin):
    list_display = ["story", "caption", "content_type"]
    raw_id_fields = ["story"]
    exclude = ["content"]
    scoped = _orgs("story__branch")


@admin.register(StoryReview)
class StoryReviewAdmin(RecordAdmin):
    list_display = ["story", "stage", "passed", "reviewer", "at"]
    raw_id_fields = ["story", "reviewer"]
    scoped = _orgs("story__branch")


@admin.register(CareCase)
class CareCaseAdmin(RecordAdmin):
    list_display = ["person", "assigned_to", "registered_at", "resolved_at"]
    raw_id_fields = ["person", "assigned_to", "registered_by"]
    scoped = _people("person__")


@admin.register(EquipmentIssue)
class EquipmentIssueAdmin(RecordAdmin):
    list_display = ["person", "item", "quantity", "issued_on"]
    raw_id_fields = ["person", "issued_by"]
    scoped = _people("person__")


@admin.register(WorkReport)
class WorkReportAdmin(RecordAdmin):
    list_display = ["party_org", "period_start", "period_end", "state", "submitted_at"]
    list_filter = ["state"]
    raw_id_fields = ["party_org", "submitted_by"]
    scoped = _orgs("party_org")
