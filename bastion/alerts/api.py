"""API of the alerts app, mounted under /api/v1/."""

from ninja import Router

router = Router(tags=["alerts"])
