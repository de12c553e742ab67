"""Gate passes (校园出入管控): a QR code that changes every minute, signed by the server.

A pass is `BP1.<payload>.<signature>`: the payload is compact JSON (key id, number, name,
colour, reason, issued and expiry as Unix seconds, a random nonce) in base64url; the
signature is ECDSA P-256 with SHA-256 over the payload's text, as the 64 bytes r‖s that the
browser's WebCrypto verifies. So a screenshot expires within the minute, an edited colour
breaks the signature, and a gate device verifies offline with the public key alone.

The private key is derived from SECRET_KEY (HKDF): every server of the deployment signs with
the same key without storing one, and rotating SECRET_KEY rotates it.
"""

import base64
import datetime as dt
import functools
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from bastion.lib.refusals import Refused

PREFIX = "BP1"
LIFETIME = 60  # seconds a pass is good for: the phone fetches a fresh one twice a minute
SKEW = 5  # seconds of clock difference tolerated between the phone, the gate and the server
# P-256's group order: the private scalar must lie in [1, n - 1].
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class Colour:
    """A pass's colour: green enters; the others say why not."""

    GREEN = "green"  # may enter
    YELLOW = "yellow"  # abnormal: to the clinic, not to class
    RED = "red"  # isolated or ill: stays where they are
    GREY = "grey"  # not (yet) approved to be on campus


class PassRefused(Refused):
    """A pass that fails: malformed, forged or altered, expired, or already used."""


@dataclass(frozen=True)
class GatePass:
    kid: str
    number: str
    name: str
    colour: str
    reason: str
    issued: int
    expires: int
    nonce: str

    def payload(self) -> str:
        data = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        return _b64(data.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, str]:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=48, salt=b"bastion", info=b"gate pass P-256"
    ).derive(secret.encode())
    scalar = int.from_bytes(derived, "big") % (_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    public = private.public_key()
    numbers = public.public_numbers()
    kid = hashlib.sha256(numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big"))
    return private, public, kid.hexdigest()[:8]


def keys() -> tuple[ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, str]:
    return _keys(settings.SECRET_KEY)


def public_jwk() -> dict[str, str]:
    """The public key as a JWK, for the gate page's WebCrypto."""
    _private, public, kid = keys()
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
        "kid": kid,
    }


def pass_sign(*, number: str, name: str, colour: str, reason: str, now: dt.datetime) -> str:
    """A fresh pass's code, good for LIFETIME seconds from `now`."""
    private, _public, kid = keys()
    issued = int(now.timestamp())
    gate_pass = GatePass(
        kid=kid,
        number=number,
        name=name,
        colour=colour,
        reason=reason,
        issued=issued,
        expires=issued + LIFETIME,
        nonce=secrets.token_hex(8),
    )
    payload = gate_pass.payload()
    der = private.sign(payload.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{PREFIX}.{payload}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def pass_read(code: str, *, now: dt.datetime) -> GatePass:
    """The pass inside `code`, once its signature and time are checked; PassRefused with the
    reason otherwise (the gate keeper reads it)."""
    parts = (code or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise PassRefused(_("This is not a Bastion pass."))
    _prefix, payload, signature = parts
    try:
        raw = _unb64(signature)
        data = json.loads(_unb64(payload))
        gate_pass = GatePass(**data)
    except (ValueError, TypeError):
        raise PassRefused(_("The pass is damaged or altered.")) from None
    _private, public, kid = keys()
    if gate_pass.kid != kid:
        raise PassRefused(_("The pass was not signed by this university's key."))
    if len(raw) != 64:
        raise PassRefused(_("The pass is damaged or altered."))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, payload.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise PassRefused(
            _("The pass is forged or altered: its signature does not match.")
        ) from None
    moment = now.timestamp()
    if moment > gate_pass.expires + SKEW:
        raise PassRefused(
            _(
                "The pass expired %(s)d seconds ago: a screenshot or an old code. "
                "Ask for the live one."
            )
            % {"s": int(moment - gate_pass.expires)}
        )
    if moment < gate_pass.issued - SKEW:
        raise PassRefused(_("The pass is dated in the future: check the device's clock."))
    return gate_pass
