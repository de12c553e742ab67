from django.urls import path

from bastion.checkins import views

app_name = "checkins"
urlpatterns = [
    path("", views.today, name="today"),
    path("for/<str:number>/", views.for_person, name="for_person"),
]
