from django.urls import path

from bastion.accounts import cas, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<uuid:uid>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("cas/login/", cas.CasLoginView.as_view(), name="cas_login"),
]
