from django.urls import path

from bastion.roster import views

app_name = "roster"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/<uuid:uid>/", views.import_detail, name="detail"),
    path("import/<uuid:uid>/confirm/", views.import_confirm, name="confirm"),
    path("import/<uuid:uid>/progress/", views.import_progress, name="progress"),
    path("template.xlsx", views.template_download, name="template"),
]
