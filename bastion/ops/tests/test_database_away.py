"""With its database away Bastion answers 503 — a page in Chinese then English, JSON for the
API, Retry-After on both — and it serves as usual as soon as the database is back.

granian serves Bastion (DEBUG=0) against a database of the test's own. On PostgreSQL the
server reaches it through a TCP relay on loopback, which the test stops (every connection cut,
new ones refused) and starts again. On SQLite the database's folder is moved away and back;
the server opens the file for each request there (DB_CONN_MAX_AGE=0), since a connection kept
open would go on reading a moved file through its open handle.
"""

import http.client
import json
import os
from pathlib import Path

import pytest
from django.db import connection

from bastion.ops.testing import Server, TcpProxy, postgres_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GOOD = {"temperature": "36.5", "symptoms": [], "location": "110108", "on_campus": True}


class Away:
    """Takes the scratch database away from the server and brings it back."""

    def __init__(self, scratch) -> None:
        self.scratch = scratch
        self.proxy: TcpProxy | None = None
        if connection.vendor == "postgresql":
            settings = connection.settings_dict
            upstream = (settings.get("HOST") or "127.0.0.1", int(settings.get("PORT") or 5432))
            self.proxy = TcpProxy(upstream)
            self.proxy.start()
            name = scratch.url.rsplit("/", 1)[1]
            self.env = {"DATABASE_URL": postgres_url(settings, name, port=self.proxy.port)}
        else:
            self.folder = scratch.var / "db"
            self.env = {"DB_CONN_MAX_AGE": "0"}

    def go(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
        else:
            os.rename(self.folder, self.folder.with_name("db-away"))

    def come_back(self) -> None:
        if self.proxy is not None:
            self.proxy.start()
        else:
            os.rename(self.folder.with_name("db-away"), self.folder)


def _request(port: int, method: str, path: str, *, body: dict | None = None, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def test_the_database_away_gives_503_and_bastion_recovers_when_it_returns(
    scratch, tmp_path: Path, report
):
    away = Away(scratch)
    world = scratch.call("bastion.ops.tests.worlds:away_world")
    server = Server(scratch.env(**away.env), tmp_path / "server.log", workers=2, threads=4)
    server.start()
    page = {"Cookie": f"sessionid={world['session']}"}
    api = {"Authorization": f"Bearer {world['token']}"}
    try:
        status, _headers, _body = _request(server.port, "GET", "/", **page)
        assert status == 200
        assert _request(server.port, "GET", "/api/v1/checkins/today", **api)[0] == 404

        away.go()
        status, headers, body = _request(server.port, "GET", "/", **page)
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert headers["Content-Type"].startswith("text/html")
        assert 'lang="zh-hans"' in body and 'lang="en"' in body
        assert body.index('lang="zh-hans"', body.index("<main")) < body.index('lang="en"')
        assert "Bastion is briefly unavailable" in body or "暂时" in body
        status, headers, body = _request(
            server.port, "POST", "/api/v1/checkins", body={**GOOD, "client_id": "away-1"}, **api
        )
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body)["detail"]
        outage = [
            _request(server.port, "GET", "/api/v1/checkins/today", **api)[0] for _ in range(8)
        ]
        assert set(outage) == {503}

        away.come_back()
        # Every server thread, whether or not it met the outage, serves the next request.
        after = [_request(server.port, "GET", "/", **page)[0] for _ in range(16)]
        assert set(after) == {200}
        status, _headers, body = _request(
            server.port, "POST", "/api/v1/checkins", body={**GOOD, "client_id": "away-1"}, **api
        )
        assert status == 201  # the check-in refused during the outage was never written
        assert _request(server.port, "GET", "/api/v1/checkins/today", **api)[0] == 200
    finally:
        server.kill()
        if away.proxy is not None:
            away.proxy.stop()
    report(
        f"database away ({connection.vendor})",
        {
            "answers while away": f"{len(outage) + 2} × 503",
            "answers after it returned": f"{len(after)} × 200",
        },
    )
