"""Refused: what every service raises when it will not do what it was asked.

A refusal carries a message a person understands (in the language active when it was made)
and the HTTP status the API answers with; nothing has been written when it is raised. Each
app names its own subclass (CheckInRefused, ReportRefused, …) and documents which statuses
it uses; the API turns any of them into `{"detail": message}` with that status, and pages
show the message beside the form.
"""


class Refused(Exception):
    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
