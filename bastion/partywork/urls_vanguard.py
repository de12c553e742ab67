"""URLs of the Party-work vanguard pages (included by partywork/urls.py): a member's tasks and
record, the branch's page, the candidates for admission, the committees' work reports."""

from django.urls import path

from bastion.partywork import views_vanguard as views

urlpatterns = [
    path("tasks/", views.my_tasks, name="vanguard_tasks"),
    path("tasks/pledge/", views.pledge, name="vanguard_pledge"),
    path("tasks/<uuid:uid>/complete/", views.complete, name="vanguard_complete"),
    path("tasks/<uuid:uid>/cancel/", views.cancel, name="vanguard_cancel"),
    path("members/<str:number>/", views.member, name="vanguard_member"),
    path("branches/<str:code>/", views.branch, name="vanguard_branch"),
    path("branches/<str:code>/assign/", views.assign, name="vanguard_assign"),
    path("branches/<str:code>/record/", views.record, name="vanguard_record"),
    path("candidates/<str:code>/", views.candidates, name="vanguard_candidates"),
    path("candidates/<str:code>/<str:number>/", views.candidate, name="vanguard_candidate"),
    path("reports/", views.reports, name="vanguard_reports"),
    path("reports/draft/", views.reports_draft, name="vanguard_reports_draft"),
    path("reports/<uuid:uid>/", views.report, name="vanguard_report"),
]
