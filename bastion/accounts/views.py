from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bastion.accounts.cas import cas_enabled, cas_logout, logged_in_through_cas
from bastion.accounts.forms import NumberLoginForm
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.accounts.selectors import token_of, tokens_of
from bastion.accounts.services import token_revoke
from bastion.org.models import PersonKind
from bastion.org.selectors import person_positions


class LoginView(auth_views.LoginView):
    form_class = NumberLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, cas_enabled=cas_enabled())


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if cas_enabled() and logged_in_through_cas(request):
            return cas_logout(request)  # a shared computer must not stay logged in at the CAS
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


@login_required
def home(request):
    """Who you are and what you are responsible for."""
    scope = scope_of(request.user)
    person = request.user.person
    counts = {}
    if not scope.is_self_only:
        counts = dict(
            scope.people().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
        )
    return render(
        request,
        "accounts/home.html",
        {
            "person": person,
            "scope": scope,
            "positions": list(person_positions(person=person)) if person else [],
            "students": counts.get(PersonKind.STUDENT, 0),
            "staff": counts.get(PersonKind.STAFF, 0),
            "can_import": scope.has(Perm.IMPORT_ROSTER),
            "can_admin": scope.has(Perm.ADMIN) or request.user.is_superuser,
        },
    )


@login_required
def tokens(request):
    """The person's own API tokens: what each is for, when it expires, its last use."""
    return render(request, "accounts/tokens.html", {"tokens": list(tokens_of(user=request.user))})


@login_required
@require_POST
def token_revoke_view(request, uid):
    token = token_of(user=request.user, uid=uid)
    token_revoke(token=token)
    messages.success(request, gettext("Token %(hint)s… is revoked.") % {"hint": token.hint})
    return redirect("tokens")
