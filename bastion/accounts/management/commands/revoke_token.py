from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.selectors import tokens_of
from bastion.accounts.services import token_revoke, tokens_revoke_all
from bastion.lib.lookup import by_uid


class Command(BaseCommand):
    help = (
        "List an account's API tokens, or revoke some (--uid) or all (--all) of them. "
        "Revocation is at once and for good."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="the person's number (学号/工号) or an account name")
        parser.add_argument(
            "--uid", action="append", default=[], help="a token's uid (as listed); repeatable"
        )
        parser.add_argument(
            "--all", dest="revoke_all", action="store_true", help="every token still in force"
        )

    def handle(self, *args, number: str, uid: list[str], revoke_all: bool, **options):
        user = User.objects.filter(username=number).first()
        if user is None:
            raise CommandError(f"没有账号 {number} (no account {number})")
        if revoke_all:
            count = tokens_revoke_all(user=user)
            self.stdout.write(f"revoked {count} token(s) of {user.username}")
            return
        tokens = tokens_of(user=user)
        if uid:
            for value in uid:
                token = by_uid(
                    tokens,
                    value,
                    missing=lambda v=value: CommandError(f"{number} 没有令牌 {v} (no such token)"),
                )
                token_revoke(token=token)
                self.stdout.write(f"revoked {token.uid} ({token.hint}…)")
            return
        now = timezone.now()
        for token in tokens:
            if token.revoked_at:
                state = f"revoked {timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}"
            elif token.expires_at <= now:
                state = "expired"
            else:
                state = f"in force until {timezone.localtime(token.expires_at):%Y-%m-%d}"
            self.stdout.write(f"{token.uid}  {token.hint}…  {token.name or '-'}  {state}")
