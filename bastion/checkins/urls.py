from django.urls import path

from bastion.checkins import views

app_name = "checkins"
urlpatterns = [
    path("", views.today, name="today"),
    path("for/", views.for_lookup, name="for_lookup"),
    path("for/<str:number>/", views.for_person, name="for_person"),
]
