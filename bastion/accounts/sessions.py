"""The session engine: Django's database sessions, knowing when the loaded row expires."""

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """As Django's, plus `expire_date` of the row it loaded (None for a new session), so that
    SessionIdleMiddleware renews a session only when its last save is minutes old, without
    keeping a timestamp of its own in it."""

    expire_date: dt.datetime | None = None

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.expire_date = row.expire_date if row is not None else None
        return row
