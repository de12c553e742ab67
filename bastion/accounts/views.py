from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.lib.text import compact
from bastion.org.models import PersonKind
from bastion.org.selectors import person_positions


class NumberLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Student or staff number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}
        ),
    )

    def clean_username(self):
        # People paste numbers with spaces or full-width digits.
        return compact(self.cleaned_data["username"])


class LoginView(auth_views.LoginView):
    form_class = NumberLoginForm
    redirect_authenticated_user = True


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
