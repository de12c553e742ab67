"""The Party-work page lists what each person's duties open, and every link opens."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who", ["student", "secretary", "college_leader", "org_officer", "inspector", "leader"]
)
def test_every_link_of_the_party_page_opens(party, client_as, who):
    client = client_as(getattr(party, who))
    page = client.get("/party/")
    assert page.status_code == 200
    for url, _label, _hint in page.context["links"]:
        assert client.get(url).status_code == 200, url


def test_discipline_is_offered_to_the_inspector_only(party, client_as):
    offered = {
        who: [u for u, *_ in client_as(getattr(party, who)).get("/party/").context["links"]]
        for who in ("inspector", "org_officer", "leader")
    }
    assert any("discipline" in u for u in offered["inspector"])
    assert not any("discipline" in u for u in offered["org_officer"] + offered["leader"])
