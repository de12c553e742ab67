"""API of the reports app, mounted under /api/v1/."""

from ninja import Router

router = Router(tags=["reports"])
