from django.urls import path

from bastion.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.units, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("party/", views.party, name="party"),
    path("party/<str:code>/", views.party_org_detail, name="party_org"),
    path("people/", views.people, name="people"),
    path("people/<str:number>/", views.person_detail, name="person"),
]
