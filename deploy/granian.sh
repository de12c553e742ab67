#!/bin/sh
# The app server as deployed: Granian serving Django's WSGI application.
# One process per core, each with a few threads for the database waits (as in `make bench`).
# Stateless: run as many of these as the load needs, on as many machines, behind nginx.
set -eu
exec "${VENV:-/opt/bastion/.venv}/bin/python" -m granian \
  --interface wsgi bastion.wsgi:application \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" \
  --workers "${WEB_WORKERS:-$(nproc)}" --blocking-threads "${WEB_THREADS:-4}" \
  --backlog 2048 --no-ws --log-level warning
