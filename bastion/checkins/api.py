"""API of the checkins app, mounted under /api/v1/."""

from ninja import Router

router = Router(tags=["checkins"])
