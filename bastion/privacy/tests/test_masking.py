"""Phone and ID card numbers are masked for the roles that do not need them, wherever they
appear: every page a person can reach by following links (exports included, read inside the
xlsx), and every API list and record.

The walk follows the links a person sees, from the home page, so a new page or export is
walked as soon as something links to it.
"""

import io
import re
import zipfile
from collections import deque
from collections.abc import Iterator

import pytest
from django.test import Client

from bastion.accounts.models import User
from bastion.accounts.services import token_issue
from bastion.conftest import agree_to_privacy_notice
from bastion.org.models import Person

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/i18n/", "/admin/", "/api/v1/docs", "/jsi18n/")
MAX_PAGES = 400


def text_of(response) -> str:
    """What a response says: the page, or every part of an xlsx or docx file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8", "replace")


def walk(client: Client) -> Iterator[tuple[str, str]]:
    """(address, text) of every page and file reachable by links from the home page."""
    seen, queue = {"/"}, deque(["/"])
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = text_of(response)
        yield url, text
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in LINK.findall(text):
            link = link.replace("&amp;", "&")
            if link not in seen and not link.startswith(SKIP):
                seen.add(link)
                queue.append(link)


def api_walk(client: Client, numbers: list[str]) -> Iterator[tuple[str, str]]:
    """Every GET of the API without a parameter, and each person's record by number."""
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "get" not in operations or "docs" in path:
            continue
        names = re.findall(r"{(\w+)}", path)
        addresses = [path] if not names else []
        if names == ["number"]:
            addresses = [path.replace("{number}", n) for n in numbers]
        for address in addresses:
            response = client.get(address)
            if response.status_code == 200:
                yield address, response.content.decode()


def full_numbers(world, lived, *, phones_of: list[Person]) -> dict[str, str]:
    """The full numbers that must not show: every ID card number, and the phones of these."""
    hidden = {
        world.student.id_number: "李明's ID card number",
        lived.roommate.id_number: "张伟's ID card number",
        lived.visitor.id_number: "the visitor's ID card number",
    }
    for person in phones_of:
        hidden[person.phone] = f"{person.name}'s phone"
    return hidden


def logged_in(person: Person) -> Client:
    client = Client()
    user = User.objects.get(person=person)
    agree_to_privacy_notice(user)
    client.force_login(user)
    return client


def assert_never_shown(pages: Iterator[tuple[str, str]], hidden: dict[str, str]) -> int:
    walked = 0
    for url, text in pages:
        walked += 1
        for value, what in hidden.items():
            assert value not in text, f"{what} shows at {url}"
    return walked


def test_a_counselor_sees_no_id_card_number_and_no_phone_out_of_reach_on_any_page(world, lived):
    """Counselors phone their students (their role may see phones), never ID card numbers."""
    hidden = full_numbers(world, lived, phones_of=[world.other_student, world.staff, lived.visitor])
    walked = assert_never_shown(walk(logged_in(world.counselor)), hidden)
    assert walked > 40


@pytest.mark.parametrize("who", ["student", "grid_worker", "college_leader", "lab_head"])
def test_roles_without_the_right_see_no_id_card_number_on_any_page_or_export(world, lived, who):
    hidden = full_numbers(world, lived, phones_of=[world.other_student])
    assert assert_never_shown(walk(logged_in(getattr(world, who))), hidden) > 5


def test_a_student_sees_no_phone_of_anyone_not_even_their_own(world, lived):
    people = [world.student, world.grid_worker, world.counselor, lived.roommate, lived.visitor]
    hidden = full_numbers(world, lived, phones_of=people)
    assert_never_shown(walk(logged_in(world.student)), hidden)


def test_the_api_masks_the_same_numbers(world, lived):
    numbers = list(Person.objects.values_list("number", flat=True))
    for person, phones_of in (
        (world.counselor, [world.other_student, world.staff]),
        (world.student, [world.student, world.grid_worker, world.counselor, lived.roommate]),
    ):
        user = User.objects.get(person=person)
        agree_to_privacy_notice(user)
        _token, raw = token_issue(user=user)
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        walked = assert_never_shown(
            api_walk(client, numbers), full_numbers(world, lived, phones_of=phones_of)
        )
        assert walked > 10


def test_the_walk_finds_the_numbers_where_the_role_may_see_them(world, lived):
    """The Organization Department may see ID card numbers: the same walk finds them, so the
    walks above would have found a leak."""
    pages = walk(logged_in(world.org_officer))
    assert any(world.student.id_number in text for _url, text in pages)
