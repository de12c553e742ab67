from django.urls import path

from bastion.audit import views

app_name = "audit"
urlpatterns = [
    path("people/<str:number>/", views.person_trail, name="person"),
    path("<str:target>/<str:uid>/", views.record_trail, name="record"),
]
