"""Exemplary deeds: a branch's story goes through the committee above it and the Organization
Department to publication; wrong roles are refused with nothing written; an unpublished story
is seen only by its branch, its reviewers and the Department; the collection is a .docx."""

import io
import struct
import zlib

import docx
import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.notify.models import Notification
from bastion.org.services import position_assign
from bastion.partywork.models import ExemplaryStory, StoryPhoto, StoryReview, StoryState
from bastion.partywork.stories import (
    StoryRefused,
    stories_docx,
    stories_published,
    stories_to_review,
    story_for,
    story_resubmit,
    story_review,
    story_submit,
)
from bastion.partywork.tests.conftest import NOON, SINCE, _person

pytestmark = pytest.mark.django_db

TITLE = "抗疫一线的党员先锋李明"
BODY = "疫情发生后，李明同学第一时间报名志愿服务。\n\n他每天在一号楼值守十余小时。"


def user(person) -> User:
    return User.objects.get(person=person)


def png(width: int = 2, height: int = 2) -> bytes:
    """A small, valid PNG (red pixels), made here: no image library needed."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


def submit(world, **extra) -> ExemplaryStory:
    values = {
        "actor": user(world.secretary),
        "branch": world.med_branch,
        "title": TITLE,
        "body": BODY,
        "people_numbers": [world.student.number],
        "photos": [("值守中的李明", "image/png", png())],
        "now": NOON,
    }
    values.update(extra)
    return story_submit(**values)


def publish(world, story) -> ExemplaryStory:
    story = story_review(actor=user(world.committee_secretary), story=story, passed=True, now=NOON)
    return story_review(actor=user(world.org_officer), story=story, passed=True, now=NOON)


# --- the three reviews -----------------------------------------------------------------------


def test_a_story_goes_from_the_branch_through_the_committee_and_the_department_to_publication(
    party, django_capture_on_commit_callbacks
):
    w = party
    with django_capture_on_commit_callbacks(execute=True):
        story = submit(w)
    assert story.state == StoryState.SUBMITTED and story.branch == w.med_branch
    assert list(story.people.values_list("name", flat=True)) == ["李明"]
    assert story.body.startswith("疫情发生后，李明")  # Chinese punctuation kept as typed
    photo = story.photos.get()
    assert photo.content_type == "image/png" and photo.caption == "值守中的李明"
    assert Notification.objects.filter(recipient=w.committee_secretary).exists()

    assert list(stories_to_review(actor=user(w.committee_secretary))) == [story]
    assert list(stories_to_review(actor=user(w.org_officer))) == []
    with django_capture_on_commit_callbacks(execute=True):
        story = story_review(
            actor=user(w.committee_secretary), story=story, passed=True, note="事迹突出", now=NOON
        )
    assert story.state == StoryState.COMMITTEE_OK
    assert Notification.objects.filter(recipient=w.org_officer).exists()
    assert list(stories_to_review(actor=user(w.committee_secretary))) == []
    assert list(stories_to_review(actor=user(w.org_officer))) == [story]

    with django_capture_on_commit_callbacks(execute=True):
        story = story_review(actor=user(w.org_officer), story=story, passed=True, now=NOON)
    assert story.state == StoryState.PUBLISHED and story.published_at == NOON
    assert [(r.stage, r.passed) for r in story.reviews.all()] == [
        (StoryReview.Stage.COMMITTEE, True),
        (StoryReview.Stage.ORG_DEPARTMENT, True),
    ]
    assert list(stories_published()) == [story]
    assert Notification.objects.filter(recipient=w.secretary, key__contains=str(story.uid)).exists()


def test_the_committee_returns_a_story_with_a_note_and_the_branch_sends_it_again(party):
    w = party
    story = submit(w)
    with pytest.raises(StoryRefused) as refused:
        story_review(actor=user(w.committee_secretary), story=story, passed=False, now=NOON)
    assert refused.value.status == 400
    assert ExemplaryStory.objects.get().state == StoryState.SUBMITTED
    assert not StoryReview.objects.exists()

    story = story_review(
        actor=user(w.committee_secretary), story=story, passed=False, note="补充具体时间", now=NOON
    )
    assert story.state == StoryState.RETURNED
    assert stories_to_review(actor=user(w.committee_secretary)).count() == 0

    story = story_resubmit(
        actor=user(w.secretary),
        story=story,
        title=TITLE,
        body=BODY + "\n2月1日至今，累计值守120小时。",
        people_numbers="2020001 2020002",
        photos=[("第二张", "image/webp", WEBP)],
        drop_photos=[1],
        now=NOON,
    )
    assert story.state == StoryState.SUBMITTED and "120小时" in story.body
    assert sorted(story.people.values_list("number", flat=True)) == ["2020001", "2020002"]
    assert list(story.photos.values_list("content_type", flat=True)) == ["image/webp"]
    story = publish(w, story)
    assert story.state == StoryState.PUBLISHED
    assert [r.passed for r in story.reviews.all()] == [False, True, True]


def test_the_department_may_return_it_too_and_only_a_returned_story_is_sent_again(party):
    w = party
    story = submit(w)
    with pytest.raises(StoryRefused):
        story_resubmit(actor=user(w.secretary), story=story, title=TITLE, body=BODY, now=NOON)
    story = story_review(actor=user(w.committee_secretary), story=story, passed=True, now=NOON)
    story = story_review(
        actor=user(w.org_officer), story=story, passed=False, note="照片请换清晰的", now=NOON
    )
    assert story.state == StoryState.RETURNED and story.published_at is None
    assert story.reviews.last().stage == StoryReview.Stage.ORG_DEPARTMENT


# --- wrong roles -----------------------------------------------------------------------------


@pytest.fixture
def cs_secretary(party):
    """The 计算机学院党委 secretary: a committee's secretary, but not above the story's branch."""
    return _person(party, "T3003", "马力", party.cs, Role.PARTY_SECRETARY, party.cs_committee)


@pytest.mark.parametrize(
    "who", ["org_officer", "student", "college_leader", "leader", "secretary", "cs_secretary"]
)
def test_only_the_committee_above_the_branch_reviews_first_and_others_write_nothing(
    party, cs_secretary, who
):
    w = party
    w.cs_secretary = cs_secretary
    story = submit(w)
    with pytest.raises(StoryRefused) as refused:
        story_review(actor=user(getattr(w, who)), story=story, passed=True, now=NOON)
    assert refused.value.status == 403
    assert ExemplaryStory.objects.get().state == StoryState.SUBMITTED
    assert not StoryReview.objects.exists()


@pytest.mark.parametrize("who", ["committee_secretary", "leader", "secretary", "student"])
def test_only_the_organization_department_publishes_and_others_write_nothing(party, who):
    w = party
    story = submit(w)
    story = story_review(actor=user(w.committee_secretary), story=story, passed=True, now=NOON)
    with pytest.raises(StoryRefused) as refused:
        story_review(actor=user(getattr(w, who)), story=story, passed=True, now=NOON)
    assert refused.value.status == 403
    story.refresh_from_db()
    assert story.state == StoryState.COMMITTEE_OK and story.published_at is None
    assert StoryReview.objects.count() == 1


def test_nobody_reviews_a_story_they_submitted(party):
    w = party
    position_assign(
        person=w.committee_secretary, role=Role.PARTY_SECRETARY, over=w.med_branch, starts_on=SINCE
    )
    story = submit(w, actor=user(w.committee_secretary))
    with pytest.raises(StoryRefused) as refused:
        story_review(actor=user(w.committee_secretary), story=story, passed=True, now=NOON)
    assert refused.value.status == 403 and not StoryReview.objects.exists()


@pytest.mark.parametrize("who", ["student", "college_leader", "counselor", "inspector"])
def test_only_the_branch_secretary_submits_its_stories(party, who):
    with pytest.raises(StoryRefused) as refused:
        submit(party, actor=user(getattr(party, who)))
    assert refused.value.status == 403
    assert not ExemplaryStory.objects.exists() and not StoryPhoto.objects.exists()


def test_a_secretary_submits_only_for_her_own_branch(party):
    with pytest.raises(StoryRefused) as refused:
        submit(party, branch=party.cs_branch, people_numbers=[])
    assert refused.value.status == 403 and not ExemplaryStory.objects.exists()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "photos",
    [
        [("假照片", "image/jpeg", b"GIF89a not a jpeg at all")],
        [("太大", "image/png", png()[:8] + b"\x00" * (5 * 1024 * 1024))],
        [(f"第{i}张", "image/png", png()) for i in range(10)],
    ],
    ids=["not-an-image", "over-5-mb", "ten-photos"],
)
def test_photos_are_checked_by_their_bytes_size_and_number(party, photos):
    with pytest.raises(StoryRefused) as refused:
        submit(party, photos=photos)
    assert refused.value.status == 400
    assert not ExemplaryStory.objects.exists() and not StoryPhoto.objects.exists()


def test_the_photo_type_comes_from_its_bytes_not_the_browser(party):
    story = submit(party, photos=[("a", "application/octet-stream", png()), ("b", "", WEBP)])
    assert list(story.photos.order_by("pk").values_list("content_type", flat=True)) == [
        "image/png",
        "image/webp",
    ]


def test_a_person_out_of_the_secretarys_reach_is_refused_by_number(party):
    with pytest.raises(StoryRefused, match="2020101"):
        submit(party, people_numbers=[party.student.number, party.other_student.number])
    assert not ExemplaryStory.objects.exists()


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_story_needs_a_title_and_a_text(party, field):
    with pytest.raises(StoryRefused):
        submit(party, **{field: "  "})
    assert not ExemplaryStory.objects.exists()


# --- who sees what ---------------------------------------------------------------------------


def test_an_unpublished_story_is_seen_by_its_branch_its_reviewers_and_the_department(party):
    from django.http import Http404

    w = party
    story = submit(w)
    # The leading group's Party tasks reach every branch: it may submit for one, so it reads.
    for insider in (w.secretary, w.committee_secretary, w.org_officer, w.leader):
        assert story_for(user(insider), story.uid) == story
    for outsider in (w.student, w.other_student, w.college_leader, w.counselor, w.inspector):
        with pytest.raises(Http404):
            story_for(user(outsider), story.uid)
    publish(w, story)
    for reader in (w.student, w.other_student, w.staff, w.leader):
        assert story_for(user(reader), story.uid) == story


# --- pages -----------------------------------------------------------------------------------


def test_the_secretary_submits_a_story_with_photos_through_the_page(party, client_as):
    w = party
    client = client_as(w.secretary)
    assert client.get("/party/stories/new/").status_code == 200
    photo = io.BytesIO(png())
    photo.name = "IMG_0001.png"
    answer = client.post(
        "/party/stories/new/",
        {
            "branch": w.med_branch.code,
            "title": TITLE,
            "body": BODY,
            "people": "2020001",
            "captions": "值守中的李明",
            "photos": [photo],
        },
    )
    story = ExemplaryStory.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/party/stories/{story.uid}/"
    assert story.photos.get().caption == "值守中的李明"


def test_a_bad_photo_on_the_page_answers_400_and_writes_nothing(party, client_as):
    w = party
    fake = io.BytesIO(b"%PDF-1.4 not a photo")
    fake.name = "photo.jpg"
    answer = client_as(w.secretary).post(
        "/party/stories/new/",
        {"branch": w.med_branch.code, "title": TITLE, "body": BODY, "photos": [fake]},
    )
    assert answer.status_code == 400 and TITLE in answer.content.decode()
    assert not ExemplaryStory.objects.exists()


@pytest.mark.parametrize("who", ["student", "college_leader", "inspector"])
def test_the_submission_page_is_not_found_for_those_who_do_not_submit(party, client_as, who):
    assert client_as(getattr(party, who)).get("/party/stories/new/").status_code == 404
    assert client_as(getattr(party, who)).get("/party/stories/mine/").status_code == 404


def test_the_review_queue_lists_the_committees_stories_and_is_not_found_for_others(
    party, client_as
):
    w = party
    story = submit(w)
    page = client_as(w.committee_secretary).get("/party/stories/review/")
    assert page.status_code == 200 and TITLE in page.content.decode()
    assert TITLE not in client_as(w.org_officer).get("/party/stories/review/").content.decode()
    for who in (w.student, w.secretary, w.college_leader):
        assert client_as(who).get("/party/stories/review/").status_code == 404
    mine = client_as(w.secretary).get("/party/stories/mine/")
    assert mine.status_code == 200 and TITLE in mine.content.decode()
    assert story.state == StoryState.SUBMITTED


def test_reviews_through_the_page_publish_and_a_wrong_role_gets_403_or_404(party, client_as):
    w = party
    story = submit(w)
    url = f"/party/stories/{story.uid}/review/"
    assert client_as(w.org_officer).post(url, {"decision": "pass"}).status_code == 403
    assert client_as(w.student).post(url, {"decision": "pass"}).status_code == 404
    assert client_as(w.college_leader).post(url, {"decision": "pass"}).status_code == 404
    assert not StoryReview.objects.exists()
    assert client_as(w.committee_secretary).post(url, {"decision": "return"}).status_code == 400
    assert client_as(w.committee_secretary).post(url, {"decision": "pass"}).status_code == 302
    assert client_as(w.org_officer).post(url, {"decision": "pass"}).status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED


def test_a_returned_story_is_changed_and_sent_again_through_the_page(party, client_as):
    w = party
    story = submit(w)
    story_review(
        actor=user(w.committee_secretary), story=story, passed=False, note="请补充", now=NOON
    )
    client = client_as(w.secretary)
    page = client.get(f"/party/stories/{story.uid}/resubmit/")
    assert page.status_code == 200 and "请补充" in page.content.decode()
    answer = client.post(
        f"/party/stories/{story.uid}/resubmit/",
        {
            "branch": "x",
            "title": TITLE + "（修改）",
            "body": BODY,
            "people": "2020001",
            "drop": "1",
        },
    )
    assert answer.status_code == 302
    story.refresh_from_db()
    assert story.state == StoryState.SUBMITTED and story.title.endswith("（修改）")
    assert not story.photos.exists()
    assert client_as(w.student).get(f"/party/stories/{story.uid}/resubmit/").status_code == 404


def test_everyone_reads_the_published_stories_and_their_photos(party, client_as):
    w = party
    story = submit(w)
    photo_url = f"/party/stories/{story.uid}/photos/1/"
    assert TITLE not in client_as(w.student).get("/party/stories/").content.decode()
    assert client_as(w.student).get(f"/party/stories/{story.uid}/").status_code == 404
    assert client_as(w.student).get(photo_url).status_code == 404
    assert client_as(w.committee_secretary).get(photo_url).status_code == 200
    publish(w, story)
    for reader in (w.student, w.other_student, w.staff):
        page = client_as(reader).get("/party/stories/")
        assert page.status_code == 200 and TITLE in page.content.decode()
        assert client_as(reader).get(f"/party/stories/{story.uid}/").status_code == 200
    answer = client_as(w.other_student).get(photo_url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert answer.content == png()
    assert client_as(w.student).get(f"/party/stories/{story.uid}/photos/2/").status_code == 404


def test_the_published_page_costs_the_same_queries_for_more_stories(
    party, client_as, django_assert_max_num_queries
):
    w = party
    for n in range(3):
        publish(w, submit(w, title=f"{TITLE}{n}"))
    client = client_as(w.student)
    client.get("/party/stories/")
    with django_assert_max_num_queries(12):
        page = client.get("/party/stories/")
    assert page.content.decode().count("story-card") >= 3


# --- the collection --------------------------------------------------------------------------


def test_the_department_downloads_the_collection_as_an_a4_docx_with_each_story_and_photo(
    party, client_as
):
    w = party
    publish(w, submit(w))
    publish(w, submit(w, title="坚守实验室的赵强", people_numbers=[], photos=[("x", "", WEBP)]))
    assert client_as(w.student).get("/party/stories/collection/").status_code == 404
    assert client_as(w.secretary).get("/party/stories/collection/").status_code == 404
    assert client_as(w.leader).get("/party/stories/collection/").status_code == 200
    answer = client_as(w.org_officer).get("/party/stories/collection/")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    document = docx.Document(io.BytesIO(b"".join(answer.streaming_content)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert TITLE in text and "坚守实验室的赵强" in text
    assert "临床医学系学生党支部" in text and "李明" in text
    assert "他每天在一号楼值守十余小时。" in text
    assert len(document.inline_shapes) == 1  # the PNG; the WebP is named in its place
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "仿宋_GB2312"


def test_stories_docx_of_no_story_is_still_a_document():
    document = docx.Document(io.BytesIO(stories_docx(stories=[])))
    assert document.paragraphs
