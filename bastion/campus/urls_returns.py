"""URLs of the return-to-campus pages and the semester plan (included by campus/urls.py)."""

from django.urls import path

from bastion.campus import views_gate, views_returns

urlpatterns = [
    path("", views_returns.my_return, name="my_return"),
    path("returns/<uuid:uid>/withdraw/", views_returns.withdraw, name="return_withdraw"),
    path("returns/", views_returns.review, name="review"),
    path("returns/approve-clear/", views_returns.approve_clear, name="approve_clear"),
    path("returns/resort/", views_returns.resort, name="resort"),
    path("returns/<uuid:uid>/decide/", views_returns.decide, name="return_decide"),
    path("semester-plan/", views_returns.plan_edit, name="plan"),
    path("pass/", views_gate.my_pass, name="pass"),
    path("pass/code.json", views_gate.my_pass_code, name="pass_code"),
]
