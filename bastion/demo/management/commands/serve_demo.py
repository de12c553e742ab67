"""`bastion serve_demo HOST:PORT`: the web server and the Huey worker side by side.

`make demo` runs this so reminders, escalations, count ticks and report checks happen while
someone clicks around. Ctrl-C (or SIGTERM) stops both; if either stops, the other is stopped.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

GRACE_SECONDS = 10


HELP = gettext_lazy("Run the development web server and the Huey worker together (the demo).")


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants a str, read once the locale is active
        return str(HELP)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, address: str, **options) -> None:
        python = [sys.executable, "-m", "bastion"]
        # Our own interpreter and commands; the address is the operator's own argument.
        worker = subprocess.Popen([*python, "run_huey", "--quiet"])  # noqa: S603
        server = subprocess.Popen([*python, "runserver", address, "--noreload"])  # noqa: S603
        children = (server, worker)
        self.stdout.write(
            _("Web server (pid %(server)d) and worker (pid %(worker)d) started.")
            % {"server": server.pid, "worker": worker.pid}
        )
        stopping = False

        def stop(signum=None, frame=None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            # SIGTERM, not SIGINT: a child started from a background shell ignores SIGINT.
            # Huey's consumer finishes its running tasks on SIGTERM; runserver just ends.
            for child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + GRACE_SECONDS
            for child in children:
                try:
                    child.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        self.stdout.write(_("Web server and worker stopped."))
