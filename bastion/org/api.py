"""API of the organization: /api/v1/me, people, units."""

from ninja import Router, Schema

from bastion.accounts.scoping import scope_of

router = Router(tags=["organization"])


class MeOut(Schema):
    username: str
    number: str | None
    name: str | None


@router.get("/me", response=MeOut, summary="Who the token or session belongs to")
def me(request):
    person = request.user.person
    scope_of(request.user)
    return {"username": request.user.username, "number": person.number if person else None,
            "name": person.name if person else None}
