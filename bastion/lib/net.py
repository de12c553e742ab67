"""Where a request comes from."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    """The client's IP address, or None when there is no request or no valid address.

    Behind BASTION_PROXY_COUNT reverse proxies, each appends the address it saw to
    X-Forwarded-For: the client is the entry that many places from the end. Entries before
    it were written by the client itself and are not believed.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "BASTION_PROXY_COUNT", 0)
    if proxies > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [part for part in chain if part]
        if len(chain) >= proxies:
            address = chain[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
