"""URLs of the gate: the gate page, its check, and the log (included by campus/urls.py)."""

from django.urls import path

from bastion.campus import views_gate

urlpatterns = [
    path("", views_gate.gate, name="gate"),
    path("check/", views_gate.gate_check_view, name="gate_check"),
    path("log/", views_gate.access_log, name="access_log"),
]
