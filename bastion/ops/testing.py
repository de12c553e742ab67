"""Real processes for the operations tests: scratch databases, the server, the worker, a proxy.

The crash, outage and backup tests run Bastion as it is deployed — granian serving
bastion.wsgi, `bastion run_huey` — as processes of their own against a database of their own
(a SQLite file, or a PostgreSQL database named after the suite's), so that they can be killed,
cut off and restored without touching the test database. Code that must run against such a
database (building a world, reading facts back) runs in a subprocess too: `Scratch.call`.
"""

import hashlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bastion.notify.testing import free_port

ROOT = Path(__file__).resolve().parents[2]

# Runs "module:function" with JSON arguments against the environment's database and prints
# its result as JSON on the last line.
_CALL = """
import json, sys
import django
django.setup()
from importlib import import_module
module, name = sys.argv[1].split(":")
result = getattr(import_module(module), name)(*json.loads(sys.argv[2]))
sys.stdout.write("\\n" + json.dumps(result, default=str) + "\\n")
"""


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.02)


@dataclass
class Scratch:
    """A database of one test's own and the environment of the processes that use it."""

    url: str
    var: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def env(self, **extra: str) -> dict[str, str]:
        """Production settings (DEBUG=0) against this database, on loopback, with no Redis
        and no mail unless `extra` says otherwise."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bastion.settings",
            "DATABASE_URL": self.url,
            "BASTION_VAR_DIR": str(self.var),
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "REDIS_URL": "",
            "EMAIL_HOST": "",
            "LOG_LEVEL": "ERROR",
        }
        env.update(extra)
        return env

    def call(self, function: str, *args: Any, **env: str) -> Any:
        """Run `module:function(*args)` in a subprocess against this database; its result."""
        done = subprocess.run(  # noqa: S603 (our interpreter, our code)
            [sys.executable, "-c", _CALL, function, json.dumps(args)],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{function} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def bastion(self, *argv: str, **env: str) -> subprocess.CompletedProcess:
        """`bastion ARGV…` against this database (not checked: the test reads the outcome)."""
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bastion", *argv],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            check=False,
        )


def postgres_url(settings_dict: dict, name: str, *, host: str = "", port: int = 0) -> str:
    """A DATABASE_URL for database `name` with the credentials of `settings_dict`."""
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = host or settings_dict.get("HOST") or "127.0.0.1"
    port = port or int(settings_dict.get("PORT") or 5432)
    return f"postgres://{auth}{host}:{port}/{name}"


def _connect(url: str):
    """A driver connection to the database at `url` (None: a SQLite file not made yet)."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True) if Path(path).exists() else None
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1))


def query(url: str, sql: str) -> list[tuple]:
    """The rows of `sql` in the database at `url`, read through the driver, not Django."""
    db = _connect(url)
    if db is None:
        return []
    try:
        return [tuple(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the database at `url`: (rows, sha256 of its rows in a stable order).

    Read through the driver, not Django, so that one process compares two databases."""
    db = _connect(url)
    if db is None:
        return {}
    if url.startswith("sqlite:///"):
        tables_sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        # A partitioned table (the check-ins, by month) is read through its parent once; its
        # partitions, which PostgreSQL lists as tables too, would count its rows twice.
        tables_sql = (
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
    try:
        digests = {}
        for (table,) in db.execute(tables_sql).fetchall():
            # The table names are the database's own, read just above.
            rows = db.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
            lines = sorted(repr(tuple(row)) for row in rows)
            digests[table] = (len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest())
        return dict(sorted(digests.items()))
    finally:
        db.close()


class _Process:
    """A process group of our own, so that a SIGKILL reaches every process of it."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command = command
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def _spawn(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the master and every worker, with no goodbye."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to the group, SIGKILL after `grace` seconds."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Server(_Process):
    """granian serving bastion.wsgi as in production (a process per core, threads in each),
    on a port that stays the same across restarts."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2, threads: int = 4):
        self.port = free_port()
        super().__init__(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface=wsgi",
                "bastion.wsgi:application",
                "--host=127.0.0.1",
                f"--port={self.port}",
                f"--workers={workers}",
                f"--blocking-threads={threads}",
                "--log-level=warning",
                "--no-ws",
            ],
            env,
            log,
        )

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until it answers the ping (which needs no database)."""
        self._spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"granian stopped:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(b"GET /api/v1/checkins/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"granian did not start:\n{self.output()}")


class Worker(_Process):
    """`bastion run_huey`: the background worker, with `workers` threads."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2) -> None:
        super().__init__(
            [sys.executable, "-m", "bastion", "run_huey"],
            {**env, "HUEY_WORKERS": str(workers)},
            log,
        )

    def start(self) -> None:
        self._spawn()


class TcpProxy:
    """A TCP relay on loopback to `upstream`: stop() cuts every connection and refuses new ones
    (the database gone, as the application sees it); start() serves again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        for sock in [listener, *sockets]:
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # stopped
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
                with self._lock:
                    self._sockets.discard(sock)
