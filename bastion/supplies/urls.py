"""URLs under /supplies/."""

from django.urls import path

from bastion.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("items/<uuid:uid>/", views.ledger, name="ledger"),
    path("items/<uuid:uid>/ledger.xlsx", views.ledger_download, name="ledger_xlsx"),
    path("receive/", views.receive, name="receive"),
    path("return/", views.take_back, name="return"),
    path("adjust/", views.adjust, name="adjust"),
    path("request/", views.request_form, name="request"),
    path("queue/", views.queue, name="queue"),
    path("requests/<uuid:uid>/decide/", views.decide, name="decide"),
    path("requests/<uuid:uid>/issue/", views.issue, name="issue"),
]
