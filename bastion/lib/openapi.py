"""The answers any API operation may give beside its own, written into the OpenAPI document.

Each router declares what its handler answers (200, and 400/404/409 for its refusals); these
come from the layers around every handler, and are declared once here rather than on each of
them: 401 without a valid token or session, 403 for a person who has not agreed to the privacy
notice, 422 for input the operation's schemas refuse (django-ninja's validation, whose
`detail` is a list of errors), 503 while the database is away.
"""

from typing import Any

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_ERRORS = {
    "type": "object",
    "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
    "required": ["detail"],
}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


UNAUTHORIZED = _answer("No valid bearer token, and no logged-in session.", _DETAIL)
CONSENT_REQUIRED = _answer(
    "Refused: the privacy notice not yet agreed to (`code`: privacy_consent_required), or a "
    "right the caller does not hold.",
    _DETAIL,
)
INVALID = _answer("The input does not match the operation's schema.", _ERRORS)
UNAVAILABLE = _answer("The database cannot be reached; try again after Retry-After.", _DETAIL)

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def with_common_answers(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the common answers added to each operation that lacks them."""
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            # Ninja keys its answers by int; JSON keys are strings: one key per status.
            answers = {str(code): a for code, a in operation.get("responses", {}).items()}
            operation["responses"] = answers
            if operation.get("security"):
                answers.setdefault("401", UNAUTHORIZED)
                answers.setdefault("403", CONSENT_REQUIRED)
            if operation.get("parameters") or operation.get("requestBody"):
                answers.setdefault("422", INVALID)
            answers.setdefault("503", UNAVAILABLE)
    return document
