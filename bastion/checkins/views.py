"""Pages of the checkins app (thin: parse, call a service or selector, render).

/checkin/ is the person's own daily check-in; /checkin/for/<number>/ is the same page for a
grid worker or counselor checking in on someone's behalf. Both answer 404 out of reach.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.campaigns.models import Campaign
from bastion.checkins import selectors
from bastion.checkins.models import CheckIn
from bastion.checkins.services import (
    CheckInRefused,
    checkin_same_as_yesterday,
    checkin_submit,
    previous_checkin,
)
from bastion.lib import divisions
from bastion.lib.days import business_day
from bastion.org.models import Person
from bastion.org.responsibility import owner_for

YES_NO = [("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))]


class CheckInForm(forms.Form):
    """The check-in form; the service does the real validation, this only parses."""

    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"),
        max_digits=4,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={
                "step": "0.1",
                "min": "34",
                "max": "43",
                "inputmode": "decimal",
                "placeholder": "36.5",
                "autocomplete": "off",
            }
        ),
    )
    symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Symptoms"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    province = forms.CharField(required=False, max_length=6)
    city = forms.CharField(required=False, max_length=6)
    county = forms.CharField(required=False, max_length=6)
    on_campus = forms.ChoiceField(
        label=gettext_lazy("On campus today"), choices=YES_NO, widget=forms.RadioSelect
    )
    key_area_contact = forms.ChoiceField(
        label=gettext_lazy("Contact with anyone from a key area"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    case_contact = forms.ChoiceField(
        label=gettext_lazy("Contact with a confirmed or suspected case"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["symptoms"].choices = [(s["code"], s["label"]) for s in campaign.symptoms]

    @property
    def location(self) -> str:
        return division_picked(self.cleaned_data)


def _initial(person: Person, last: CheckIn | None) -> dict:
    if last is None:
        return {
            "location": person.home_region,
            "on_campus": "1",
            "key_area_contact": "0",
            "case_contact": "0",
        }
    return {
        "temperature": last.temperature,
        "symptoms": last.symptoms,
        "location": last.location,
        "on_campus": "1" if last.on_campus else "0",
        "key_area_contact": "1" if last.key_area_contact else "0",
        "case_contact": "1" if last.case_contact else "0",
    }


def division_picked(data, *, prefix: str = "") -> str:
    """The deepest division picked in division_selects' selects: county, else city, else
    province ("" for none)."""
    return (
        data.get(f"{prefix}county") or data.get(f"{prefix}city") or data.get(f"{prefix}province")
    ) or ""


def division_selects(code: str, *, prefix: str = "") -> list[dict]:
    """Province, city and county selects, pre-filled along `code`'s chain (no JS needed);
    `prefix` names them apart where a form picks two places (a trip's from and to)."""
    chain = divisions.chain(code) if code else []
    selects, parent = [], ""
    for level, (name, label) in enumerate(
        [("province", _("Province")), ("city", _("City")), ("county", _("County / district"))]
    ):
        chosen = chain[level].code if level < len(chain) else ""
        options = divisions.children(parent) if level == 0 or parent else []
        selects.append(
            {"name": prefix + name, "label": label, "options": options, "chosen": chosen}
        )
        parent = chosen
    return selects


def _page(request: HttpRequest, *, person: Person, proxy: bool) -> HttpResponse:
    campaign = selectors.active_campaign_cached()
    if campaign is None:
        return render(request, "checkins/no_campaign.html", status=200)
    day = business_day()
    here = request.path
    today = selectors.checkin_today(person=person, day=day)
    last = today or previous_checkin(person=person, before=day)
    form = None
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "same":
                checkin_same_as_yesterday(
                    actor=request.user,
                    person=person,
                    campaign=campaign,
                    client_id=request.POST.get("client_id", "")[:64],
                )
                messages.success(request, _("Checked in: same as last time."))
                return redirect(here)
            form = CheckInForm(request.POST, campaign=campaign)
            if form.is_valid():
                data = form.cleaned_data
                checkin_submit(
                    actor=request.user,
                    person=person,
                    campaign=campaign,
                    temperature=data["temperature"],
                    symptoms=data["symptoms"],
                    location=form.location,
                    on_campus=data["on_campus"] == "1",
                    key_area_contact=data["key_area_contact"] == "1",
                    case_contact=data["case_contact"] == "1",
                    client_id=data["client_id"],
                )
                messages.success(request, _("Checked in."))
                return redirect(here)
        except CheckInRefused as refused:
            if refused.status == 404:
                raise Http404 from None
            error = refused.message
    editing = request.method == "POST" or request.GET.get("edit") == "1" or today is None
    if editing and form is None:
        form = CheckInForm(initial=_initial(person, last), campaign=campaign)
    if form is not None and form.is_bound:
        data = form.data
        location = division_picked(data)
    else:
        location = _initial(person, last)["location"]
    owner = owner_for(person) if today is not None and today.status != "green" else None
    return render(
        request,
        "checkins/today.html",
        {
            "campaign": campaign,
            "person": person,
            "proxy": proxy,
            "day": day,
            "today": today,
            "last": None if today else last,
            "owner": owner,
            "editing": editing,
            "form": form,
            "error": error,
            "selects": division_selects(location or ""),
            "client_id": uuid.uuid4().hex,
            "location_name": divisions.full_name(today.location) if today else "",
            "symptom_labels": [campaign.symptom_label(c) for c in today.symptoms] if today else [],
            "divisions_url": reverse("api:division_list"),
            "may_proxy": not proxy and scope_of(request.user).has(Perm.CHECKIN_PROXY),
        },
    )


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The person's own check-in of today: the form, or today's record and what comes next."""
    person = request.user.person
    if person is None:
        raise Http404
    return _page(request, person=person, proxy=False)


@login_required
def for_person(request: HttpRequest, number: str) -> HttpResponse:
    """A grid worker or counselor checks in on behalf of one of their people."""
    scope = scope_of(request.user)
    if not scope.has(Perm.CHECKIN_PROXY):
        raise Http404
    person = scope.person_or_404(number)
    if person.pk == request.user.person_id:
        return redirect("checkins:today")
    return _page(request, person=person, proxy=True)


@login_required
def for_lookup(request: HttpRequest) -> HttpResponse:
    """The "check in for someone" box: from a typed number to that person's proxy page."""
    number = request.GET.get("number", "").strip()[:32]
    if not number or not scope_of(request.user).has(Perm.CHECKIN_PROXY):
        raise Http404
    return redirect("checkins:for_person", number=number)
