"""Signing the requests a university sends its province: HMAC-SHA256 with the shared key.

The signature covers the method, the path, the time and the body, so a captured request can
be neither altered nor sent again later: the province refuses a time more than `SKEW` off its
own clock, and within that window a repeat is only a repeat (the Idempotency-Key answers it
once). The key never travels.
"""

import datetime as dt
import hashlib
import hmac

MEMBER = "X-Bastion-Member"
TIMESTAMP = "X-Bastion-Timestamp"
SIGNATURE = "X-Bastion-Signature"
IDEMPOTENCY_KEY = "Idempotency-Key"
SKEW = dt.timedelta(minutes=5)
SCHEME = "v1="  # the signature's version, so that a second scheme can be told apart


def signature(*, key: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    """The signature of one request: SCHEME and the hex HMAC-SHA256 of its parts."""
    message = b"\n".join([method.upper().encode(), path.encode(), timestamp.encode(), body])
    return SCHEME + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    *, member: str, key: str, method: str, path: str, body: bytes, idempotency_key: str, now: float
) -> dict[str, str]:
    """The headers a university sends with a request to its province."""
    timestamp = str(int(now))
    return {
        MEMBER: member,
        TIMESTAMP: timestamp,
        SIGNATURE: signature(key=key, method=method, path=path, timestamp=timestamp, body=body),
        IDEMPOTENCY_KEY: idempotency_key,
    }


def signature_matches(
    *, key: str, method: str, path: str, timestamp: str, body: bytes, given: str
) -> bool:
    """Whether `given` is the request's signature (compared in constant time)."""
    expected = signature(key=key, method=method, path=path, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def timestamp_fresh(timestamp: str, *, now: dt.datetime) -> bool:
    """Whether `timestamp` (Unix seconds) is within SKEW of `now`, either way."""
    try:
        moment = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return False
    return abs(moment - now) <= SKEW
