"""URLs of the exemplary stories and the daily briefing (included by partywork/urls.py)."""

from django.urls import path

from bastion.partywork import views_stories

urlpatterns = [
    path("stories/", views_stories.published, name="stories"),
    path("stories/new/", views_stories.new, name="story_new"),
    path("stories/mine/", views_stories.mine, name="stories_mine"),
    path("stories/review/", views_stories.review_queue, name="stories_review"),
    path("stories/collection/", views_stories.collection, name="stories_docx"),
    path("stories/<uuid:uid>/", views_stories.detail, name="story"),
    path("stories/<uuid:uid>/review/", views_stories.review, name="story_review"),
    path("stories/<uuid:uid>/resubmit/", views_stories.resubmit, name="story_resubmit"),
    path("stories/<uuid:uid>/photos/<int:n>/", views_stories.photo, name="story_photo"),
    path("briefing/", views_stories.briefing_page, name="briefing"),
    path("briefing/docx/", views_stories.briefing_download, name="briefing_docx"),
]
