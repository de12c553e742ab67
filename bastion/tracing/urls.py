from django.urls import path

from bastion.tracing import views

app_name = "tracing"
urlpatterns = [
    path("ledgers/key-areas/", views.key_area_ledger, name="key_area_ledger"),
    path("ledgers/key-areas.xlsx", views.key_area_ledger_download, name="key_area_ledger_xlsx"),
]
