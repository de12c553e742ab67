"""A CAS server stand-in on loopback, for testing single sign-on against a real HTTP server.

    with CasStandIn(user="2020001") as cas:
        settings.CAS_SERVER_URL = cas.url
        ...  # /cas/login/ → cas.url + "login?service=…" → the service URL with ?ticket=ST-…

It speaks the CAS 2.0 and 3.0 protocol as far as a client uses it: /login issues a
single-use service ticket for `user` and sends the browser back to the service; /serviceValidate
and /p3/serviceValidate answer the XML of success (with attributes) or INVALID_TICKET; /logout
sends the browser back to `service`.
"""

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

SUCCESS = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>{user}</cas:user>
    <cas:attributes><cas:name>{user}</cas:name></cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>"""

FAILURE = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationFailure code="INVALID_TICKET">
    Ticket {ticket} not recognized
  </cas:authenticationFailure>
</cas:serviceResponse>"""


class CasStandIn:
    def __init__(self, *, user: str | None = None) -> None:
        self.user = user  # who logs in at the stand-in's login page (no form: at once)
        self.lock = threading.Lock()
        self.tickets: dict[str, tuple[str, str]] = {}  # ticket → (service, user)
        self.validations: list[dict] = []  # each ticket check: ticket, service, answer
        self.logouts: list[str] = []  # each logout's service (where the browser goes next)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/cas/"

    def __enter__(self) -> "CasStandIn":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def issue(self, service: str) -> str:
        ticket = "ST-" + secrets.token_urlsafe(16)
        with self.lock:
            self.tickets[ticket] = (service, self.user)
        return ticket

    @staticmethod
    def logout_request(ticket: str) -> str:
        """What a CAS server posts to a service (as `logoutRequest`) when that ticket's
        person logs out at the CAS: single logout."""
        return (
            '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
            'IssueInstant="2020-02-03T09:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
            f"<samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex></samlp:LogoutRequest>"
        )

    def validate(self, ticket: str, service: str) -> str:
        with self.lock:
            issued = self.tickets.pop(ticket, None)  # a ticket is good once
            good = issued is not None and issued[0] == service
            self.validations.append({"ticket": ticket, "service": service, "ok": good})
        if good:
            return SUCCESS.format(user=escape(issued[1]))
        return FAILURE.format(ticket=escape(ticket))


def _handler(cas: CasStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            service = query.get("service", "")
            if url.path == "/cas/login" and service and cas.user:
                glue = "&" if "?" in service else "?"
                self._redirect(f"{service}{glue}ticket={cas.issue(service)}")
            elif url.path in ("/cas/serviceValidate", "/cas/p3/serviceValidate"):
                body = cas.validate(query.get("ticket", ""), service).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif url.path == "/cas/logout":
                with cas.lock:
                    cas.logouts.append(service)
                self._redirect(service or "/cas/login")
            else:
                self.send_error(404)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass  # a test's output is for its failures

    return Handler
