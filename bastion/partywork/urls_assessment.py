"""URLs of the Party-work assessment pages (included by partywork/urls.py): cadre assessment,
commendation and accountability, discipline inspection."""

from django.urls import path

from bastion.partywork import views_assessment as views

urlpatterns = [
    path("cadres/", views.cadre_list, name="cadres"),
    path("cadres/rubric/", views.rubric_edit, name="rubric"),
    path("cadres/assessments/<uuid:uid>/", views.assessment_detail, name="assessment"),
    path("cadres/<str:number>/", views.cadre, name="cadre"),
    path("commendations/", views.commendations, name="commendations"),
    path("discipline/", views.discipline_cases, name="discipline_cases"),
    path("discipline/open/", views.discipline_open, name="discipline_open"),
    path("discipline/<uuid:uid>/", views.discipline_case, name="discipline_case"),
    path("discipline/<uuid:uid>/close/", views.discipline_close, name="discipline_close"),
]
