from django.urls import path

from bastion.tracing import views, views_cases, views_contacts, views_isolation, views_trips

app_name = "tracing"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("trips/", views_trips.trips, name="trips"),
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/<uuid:uid>/", views.cluster_detail, name="cluster_detail"),
    path("ledgers/key-areas/", views.key_area_ledger, name="key_area_ledger"),
    path("ledgers/key-areas.xlsx", views.key_area_ledger_download, name="key_area_ledger_xlsx"),
    path("cases/", views_cases.case_list, name="cases"),
    path("cases.xlsx", views_cases.case_list_download, name="cases_xlsx"),
    path("cases/new/", views_cases.case_new, name="case_new"),
    path("cases/<uuid:uid>/", views_cases.case_detail, name="case_detail"),
    path("cases/<uuid:uid>/status/", views_cases.case_move, name="case_move"),
    path("cases/<uuid:uid>/times/", views_cases.case_times, name="case_times"),
    path("cases/<uuid:uid>/graph/", views_contacts.case_graph, name="case_graph"),
    path("contacts/", views_contacts.contacts_ledger, name="contacts"),
    path("contacts.xlsx", views_contacts.contacts_ledger_download, name="contacts_xlsx"),
    path("contacts/<uuid:uid>/decide/", views_contacts.contact_decide, name="contact_decide"),
    path("contacts/<uuid:uid>/propose/", views_contacts.contact_propose, name="contact_propose"),
    path("isolations/", views_isolation.isolation_ledger, name="isolations"),
    path("isolations.xlsx", views_isolation.isolation_ledger_download, name="isolations_xlsx"),
    path("isolations/<uuid:uid>/", views_isolation.isolation_detail, name="isolation_detail"),
    path(
        "isolations/<uuid:uid>/<slug:action>/",
        views_isolation.isolation_act,
        name="isolation_act",
    ),
    path("care/", views_isolation.care, name="care"),
    path("care/<uuid:uid>/log/", views_isolation.care_log, name="care_log"),
]
