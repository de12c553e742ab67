"""The trips page (我的行程): a person reports a leg of a journey in seconds from their phone;
a screener registers one for a person in reach (?person=NUMBER). Both list the trips."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.checkins.views import division_picked, division_selects
from bastion.lib.days import business_day
from bastion.lib.divisions import full_name
from bastion.org.models import Person
from bastion.tracing.models import Transport
from bastion.tracing.selectors import trips_visible
from bastion.tracing.services import TripRefused, trip_may_record, trip_record

LISTED = 50


class TripForm(forms.Form):
    """What the person types; the places come from the two pickers (from_*, to_*)."""

    departs_on = forms.DateField(
        label=gettext_lazy("Departed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    arrives_on = forms.DateField(
        label=gettext_lazy("Arrived on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    transport = forms.ChoiceField(label=gettext_lazy("Transport"), choices=Transport.choices)
    number = forms.CharField(
        label=gettext_lazy("Train or flight number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "G1234 / MU5101", "autocomplete": "off"}),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), required=False, max_length=200)


def _person(request: HttpRequest) -> Person:
    """Whose trips: the caller's own, or ?person=NUMBER for a screener (404 out of reach)."""
    number = (request.GET.get("person") or request.POST.get("person") or "").strip()
    if not number:
        if request.user.person is None:
            raise Http404
        return request.user.person
    person = scope_of(request.user).people().filter(number=number).first()
    if person is None or not trip_may_record(actor=request.user, person=person):
        raise Http404
    return person


@login_required
def trips(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    user: User = request.user
    own = person.pk == user.person_id
    form = TripForm(request.POST or None)
    origin = division_picked(request.POST, prefix="from_")
    destination = division_picked(request.POST, prefix="to_")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = trip_record(
                actor=user,
                person=person,
                origin=origin,
                destination=destination,
                departs_on=data["departs_on"],
                arrives_on=data["arrives_on"],
                transport=data["transport"],
                number=data["number"],
                purpose=data["purpose"],
                client_id=request.POST.get("client_id", ""),
            )
        except TripRefused as refused:
            form.add_error(None, refused.message)
        else:
            if not result.replayed:
                messages.success(request, _("The trip is recorded."))
            url = reverse("tracing:trips")
            return redirect(url if own else f"{url}?person={person.number}")
    listed = trips_visible(scope=scope_of(user)).filter(person=person)[:LISTED]
    return render(
        request,
        "tracing/trips.html",
        {
            "person": person,
            "own": own,
            "form": form,
            "from_selects": division_selects(origin, prefix="from_"),
            "to_selects": division_selects(destination, prefix="to_"),
            "divisions_url": reverse("api:division_list"),
            "client_id": uuid.uuid4(),
            "today": business_day(),
            "trips": [(t, full_name(t.origin), full_name(t.destination)) for t in listed],
            "may_register": scope_of(user).has(Perm.REGISTER_TRIPS),
        },
    )
