"""Exemplary deeds in Debian's Chromium: the branch secretary 孙丽 submits a story with a photo
from her phone; 何平, secretary of the 医学院党委 above her branch, passes it; 吴敏 of the
Organization Department publishes it; the student 李明 reads it, photo and all."""

import pytest

from bastion.accounts.roles import Role
from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import SINCE, build_world, log_in, wait_until
from bastion.partywork.models import ExemplaryStory, StoryReview, StoryState
from bastion.partywork.tests.conftest import _person
from bastion.partywork.tests.test_stories import png

TITLE = "抗疫一线的党员先锋李明"


def _review(page, base, number: str, note: str) -> None:
    log_in(page, base, number)
    page.goto(f"{base}/party/stories/review/")
    assert TITLE in page.inner_text("#queue")
    page.fill("#queue input[name=note]", note)
    page.screenshot(path=f"var/screens/party-story-review-{number}.png", full_page=True)
    with page.expect_navigation():
        page.click("#queue button[value=pass]")
    page.context.clear_cookies()


@pytest.mark.browser
def test_a_story_goes_from_the_branch_through_two_reviews_to_everyone(browser, live_server):
    world = build_world()
    campaign_create_from_preset(preset="covid19", starts_on=SINCE)
    committee_secretary = _person(
        world, "T3002", "何平", world.med, Role.PARTY_SECRETARY, world.med_committee
    )
    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 孙丽 submits the story with a photo and its caption.
    log_in(page, base, world.secretary.number)
    page.goto(f"{base}/party/stories/new/")
    page.fill("#id_title", TITLE)
    page.fill("#id_people", world.student.number)
    page.fill("#id_body", "疫情发生后，李明第一时间报名志愿服务。\n他每天在一号楼值守十余小时。")
    page.set_input_files(
        "#id_photos", files=[{"name": "duty.png", "mimeType": "image/png", "buffer": png(40, 30)}]
    )
    page.fill("#id_captions", "值守中的李明")
    with page.expect_navigation():
        page.click("#story-form button[type=submit]")
    assert TITLE in page.inner_text("main")
    story = ExemplaryStory.objects.get()
    assert story.state == StoryState.SUBMITTED and story.photos.count() == 1
    page.screenshot(path="var/screens/party-story-submitted.png", full_page=True)
    page.context.clear_cookies()

    # Before publication the student finds nothing.
    log_in(page, base, world.student.number)
    page.goto(f"{base}/party/stories/")
    assert TITLE not in page.inner_text("main")
    page.context.clear_cookies()

    _review(page, base, committee_secretary.number, "事迹真实感人，同意上报")
    assert ExemplaryStory.objects.get().state == StoryState.COMMITTEE_OK
    _review(page, base, world.org_officer.number, "")
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.published_at is not None
    assert list(story.reviews.values_list("stage", flat=True)) == [
        StoryReview.Stage.COMMITTEE,
        StoryReview.Stage.ORG_DEPARTMENT,
    ]

    # The student reads it, with the photo served from the database.
    log_in(page, base, world.student.number)
    page.goto(f"{base}/party/stories/")
    card = page.inner_text("#stories")
    assert TITLE in card and "临床医学系学生党支部" in card and "李明" in card
    wait_until(
        page,
        "[...document.querySelectorAll('#stories img')].every(i => i.complete && i.naturalWidth)",
    )
    assert page.eval_on_selector("#stories img", "img => img.naturalWidth") == 40
    page.screenshot(path="var/screens/party-stories.png", full_page=True)
    with page.expect_navigation():
        page.click(f"#stories a:has-text('{TITLE}')")
    assert "他每天在一号楼值守十余小时。" in page.inner_text("main")
    page.context.clear_cookies()

    # The evening's briefing counts it among the day's published stories.
    log_in(page, base, world.org_officer.number)
    page.goto(f"{base}/party/briefing/")
    assert f"《{TITLE}》" in page.inner_text("#briefing")
    page.screenshot(path="var/screens/party-briefing.png", full_page=True)
    with page.expect_download() as download:
        page.click("#briefing-download")
    assert download.value.suggested_filename.endswith(".docx")
    assert errors == []
