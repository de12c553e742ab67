from django.core.management.base import BaseCommand, CommandError

from bastion.accounts.models import User
from bastion.accounts.services import account_ensure, token_issue
from bastion.org.models import Person


class Command(BaseCommand):
    help = "Print a new API bearer token for a person's account (the token is the last line)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the person's number (学号/工号) or an account name")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--days", type=int, default=None, help="days until it expires")

    def handle(self, *args, number: str, name: str, days: int | None, **options):
        person = Person.objects.filter(number=number).first()
        if person is not None:
            user = account_ensure(person=person)
        else:
            user = User.objects.filter(username=number).first()
        if user is None:
            raise CommandError(f"没有编号为 {number} 的人员或账号 (no person or account {number})")
        token, raw = token_issue(user=user, name=name, days=days)
        self.stderr.write(f"token for {user.username}, expires {token.expires_at:%Y-%m-%d}")
        self.stdout.write(raw)
