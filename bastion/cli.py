"""The `bastion` console script: Django's manage.py under the project's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    from django.core.management import execute_from_command_line

    from bastion.audit.context import acting_as, command_label

    # What a command writes is in the audit trail under its name and the system account.
    with acting_as(command_label(sys.argv[1] if len(sys.argv) > 1 else "help")):
        execute_from_command_line(["bastion", *sys.argv[1:]])


if __name__ == "__main__":
    main()
