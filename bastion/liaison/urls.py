"""URLs under /liaison/: community contacts, hand-overs, student care."""

from django.urls import path

from bastion.liaison import views

app_name = "liaison"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.unit_contacts, name="unit"),
    path("contacts/<uuid:uid>/edit/", views.contact_edit_view, name="contact_edit"),
    path(
        "contacts/<uuid:uid>/deactivate/",
        views.contact_deactivate_view,
        name="contact_deactivate",
    ),
    path("isolations/<uuid:uid>/", views.isolation_handovers, name="isolation"),
    path(
        "handovers/<uuid:uid>/acknowledge/",
        views.handover_acknowledge_view,
        name="handover_acknowledge",
    ),
    path("care/", views.my_care, name="my_care"),
    path("care/queue/", views.care_queue, name="care_queue"),
    path("care/<uuid:uid>/take/", views.care_take_view, name="care_take"),
    path("care/<uuid:uid>/done/", views.care_done_view, name="care_done"),
]
