from django.urls import path

from bastion.roster import views

app_name = "roster"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("template.xlsx", views.template_download, name="template"),
]
