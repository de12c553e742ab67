"""URLs of the public-sentiment pages (included by notices/urls.py under sentiment/)."""

from django.urls import path

from bastion.notices import views_sentiment

urlpatterns = [
    path("", views_sentiment.report_new, name="sentiment_new"),
    path("queue/", views_sentiment.queue, name="sentiment_queue"),
    path("<uuid:uid>/", views_sentiment.detail, name="sentiment_detail"),
    path("<uuid:uid>/shots/<int:n>/", views_sentiment.screenshot, name="sentiment_screenshot"),
    path("<uuid:uid>/escalate/", views_sentiment.escalate, name="sentiment_escalate"),
    path("<uuid:uid>/handle/", views_sentiment.handle, name="sentiment_handle"),
    path("<uuid:uid>/clarify/", views_sentiment.clarify, name="sentiment_clarify"),
    path("<uuid:uid>/close/", views_sentiment.close, name="sentiment_close"),
]
