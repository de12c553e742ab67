from django.core.management.base import BaseCommand, CommandError

from bastion.audit.context import acting_as, command_label
from bastion.province.services import ProvinceRefused, member_register


class Command(BaseCommand):
    help = (
        "On a province's instance: register a university as a member (or give it a new key) "
        "and print the settings its own instance needs; the key is shown only here."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the university's code at the province (学校代码)")
        parser.add_argument("name", nargs="?", default="", help="its name, for a new member")
        parser.add_argument("--parent", default="", help="the unit it belongs under")
        parser.add_argument("--key", default="", help="a key to use (default: a new random one)")
        parser.add_argument("--url", default="https://…", help="this instance's address")

    def handle(self, *args, code: str, name: str, parent: str, key: str, url: str, **options):
        try:
            with acting_as(command_label("province_member")):
                member, key = member_register(code=code, name=name, parent_code=parent, key=key)
        except ProvinceRefused as refused:
            raise CommandError(refused.message) from None
        self.stderr.write(f"{member.unit.name} ({member.unit.code}): set on its instance")
        self.stdout.write(f"BASTION_PROVINCE_URL={url}")
        self.stdout.write(f"BASTION_PROVINCE_MEMBER={member.unit.code}")
        self.stdout.write(f"BASTION_PROVINCE_KEY={key}")
