from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from bastion.accounts.roles_doc import render


class Command(BaseCommand):
    help = "Write docs/roles.md from the role table in bastion/accounts/roles.py."

    def handle(self, *args, **options):
        path = Path(settings.PROJECT_DIR) / "docs" / "roles.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(render(), encoding="utf-8")
        self.stdout.write(str(path))
