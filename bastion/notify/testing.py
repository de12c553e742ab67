"""Loopback receivers for tests: a real SMTP server and a real group-robot HTTP endpoint.

Channels are tested against these on 127.0.0.1, not against mocks. Any app may use them:

    with LoopbackSMTP() as smtp, WebhookReceiver() as hook:
        settings.EMAIL_PORT = smtp.port; settings.BASTION_WEBHOOK_URL = hook.url
        ...
        smtp.wait_for(1); hook.wait_for(1)

(the `smtp_server` and `webhook_receiver` fixtures in notify/tests/conftest.py do the settings.)
"""

import asyncio
import email
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """A TCP port nobody listens on right now, on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@dataclass
class ReceivedMail:
    """One message as the SMTP server took it: envelope and parsed content."""

    sender: str
    recipients: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def subject(self) -> str:
        return str(make_header(decode_header(self.message["Subject"] or "")))

    @property
    def body(self) -> str:
        part = self.message
        if part.is_multipart():
            part = next(p for p in part.walk() if p.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True) or b""
        return payload.decode(part.get_content_charset() or "utf-8")

    @property
    def attachments(self) -> list[tuple[str, bytes]]:
        return [
            (str(make_header(decode_header(p.get_filename()))), p.get_payload(decode=True))
            for p in self.message.walk()
            if p.get_filename()
        ]


class _Handler:
    def __init__(self, inbox: "LoopbackSMTP") -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.inbox.rcpt_delay:
            self.inbox.holding_rcpt.set()
            await asyncio.sleep(self.inbox.rcpt_delay)
            self.inbox.holding_rcpt.clear()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.inbox.lock:
            self.inbox.messages.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        if self.inbox.ack_delay:
            self.inbox.holding_ack.set()
            await asyncio.sleep(self.inbox.ack_delay)
            self.inbox.holding_ack.clear()
        return "250 Message accepted for delivery"


class LoopbackSMTP:
    """An SMTP server on 127.0.0.1 in a thread (aiosmtpd) that keeps every message it takes.

    It can be slow, to stop a sender in the middle: `rcpt_delay` seconds before it answers
    each recipient (the message is not yet its own; `holding_rcpt` is set meanwhile), and
    `ack_delay` seconds between keeping a message and saying so (`holding_ack`).
    """

    def __init__(self, *, rcpt_delay: float = 0.0, ack_delay: float = 0.0) -> None:
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.rcpt_delay = rcpt_delay
        self.ack_delay = ack_delay
        self.holding_rcpt = threading.Event()
        self.holding_ack = threading.Event()
        self._controller = None

    def __enter__(self) -> "LoopbackSMTP":
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._controller is not None:
            self._controller.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Wait until `count` messages arrived (or the timeout) and return them all."""
        _wait(lambda: len(self.messages) >= count, timeout)
        with self.lock:
            return list(self.messages)


@dataclass
class ReceivedPost:
    path: str
    headers: dict[str, str]
    json: dict


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 in a thread recording the group-robot posts it receives.

    `answers` is a list of (status, body) to give in turn; when it runs out every post gets
    200 with `{"errcode": 0, "errmsg": "ok"}`, as WeCom and DingTalk answer.
    """

    answers: list[tuple[int, dict]] = field(default_factory=list)
    posts: list[ReceivedPost] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "use it as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}/robot/send?key=test"

    def __enter__(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with receiver.lock:
                    status, answer = (
                        receiver.answers.pop(0)
                        if receiver.answers
                        else (200, {"errcode": 0, "errmsg": "ok"})
                    )
                    if 200 <= status < 300 and answer.get("errcode", 0) == 0:
                        receiver.posts.append(
                            ReceivedPost(self.path, dict(self.headers), json.loads(raw))
                        )
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail_next(self, times: int = 1, status: int = 500) -> None:
        """Answer the next `times` posts with an error (500, or a 200 with errcode if 200)."""
        answer = {"errcode": 93000, "errmsg": "invalid webhook url"} if status == 200 else {}
        with self.lock:
            self.answers.extend([(status, answer)] * times)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedPost]:
        """Wait until `count` accepted posts arrived (or the timeout) and return them all."""
        _wait(lambda: len(self.posts) >= count, timeout)
        with self.lock:
            return list(self.posts)
