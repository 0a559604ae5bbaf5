"""RFC 3161 time-stamps: a trusted authority's signed statement that a package's signature existed
at a time (optional; off unless a time-stamping authority URL is configured).

What is stamped is the SHA-256 of the Ed25519 signature bytes (the signature covers the
package, so the stamp dates all of it).  The token is kept whole in ``datapackage-digest.json``;
``openssl ts -verify`` checks it against the authority's certificate chain, and
``verify_token`` below checks the imprint and the token's own signature.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import httpx
from asn1crypto import algos, cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.errors import WildwatchError

__all__ = ["TimestampError", "TimestampInfo", "request_token", "verify_token"]

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512 | hashes.SHA1]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}
#: A time-stamp response is a few kilobytes; anything far larger is not one.
MAX_RESPONSE_BYTES = 1_000_000


class TimestampError(WildwatchError, ValueError):
    """No token could be had, or a token does not hold."""


@dataclass(frozen=True, slots=True)
class TimestampInfo:
    """What a verified token says: when, and who said so."""

    time: datetime
    authority: str


def request_token(url: str, data: bytes, *, timeout: float = 10.0) -> bytes:
    """A time-stamp token (DER) from the authority at ``url`` for the SHA-256 of ``data``."""
    digest = hashlib.sha256(data).digest()
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq({
        "version": 1,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    })
    try:
        response = httpx.post(url, content=request.dump(), timeout=timeout,
                              headers={"Content-Type": "application/timestamp-query"})
    except httpx.HTTPError as exc:
        raise TimestampError(f"time-stamping authority {url} unreachable: {exc.__class__.__name__}") from exc
    if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
        raise TimestampError(f"time-stamping authority {url} answered HTTP {response.status_code}")
    try:
        answer = tsp.TimeStampResp.load(response.content)
        status = answer["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            raise TimestampError(f"time-stamping authority {url} refused: {status}")
        token = answer["time_stamp_token"]
        tst_info = token["content"]["encap_content_info"]["content"].parsed
        if tst_info["nonce"].native != nonce:
            raise TimestampError(f"time-stamping authority {url} answered another request (nonce)")
        token_der = bytes(token.dump())
    except TimestampError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise TimestampError(f"time-stamping authority {url} sent no valid token: {exc}") from exc
    verify_token(token_der, data)
    return token_der


def _verify_signature(certificate: x509.Certificate, signature: bytes, data: bytes, hash_name: str) -> None:
    key = certificate.public_key()
    algorithm = _HASHES[hash_name]()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(algorithm))
    elif isinstance(key, Ed25519PublicKey):
        key.verify(signature, data)
    else:
        raise TimestampError("the time-stamp is signed with an unsupported key type")


def verify_token(token_der: bytes, data: bytes) -> TimestampInfo:
    """Check that a token stamps the SHA-256 of ``data`` and is signed by the certificate it carries."""
    try:
        signed = cms.ContentInfo.load(token_der)["content"]
        content = signed["encap_content_info"]["content"]
        tst_bytes = content.contents
        tst_info = content.parsed
        imprint = tst_info["message_imprint"]
        imprint_hash = imprint["hash_algorithm"]["algorithm"].native
        if imprint_hash not in _HASHES or imprint["hashed_message"].native != hashlib.new(imprint_hash, data).digest():
            raise TimestampError("the time-stamp is for other data")
        signer = signed["signer_infos"][0]
        hash_name = signer["digest_algorithm"]["algorithm"].native
        if hash_name not in _HASHES:
            raise TimestampError(f"the time-stamp uses an unsupported digest ({hash_name})")
        attributes = signer["signed_attrs"]
        digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
        if digests != [hashlib.new(hash_name, tst_bytes).digest()]:
            raise TimestampError("the time-stamp token was altered")
        serial = signer["sid"].chosen["serial_number"].native
        certificates = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
        match = [c for c in certificates if c.serial_number == serial]
        if not match:
            raise TimestampError("the time-stamp token carries no certificate for its signer")
        certificate = x509.load_der_x509_certificate(match[0].dump())
        signed_attributes = b"\x31" + attributes.dump()[1:]  # signed over as a SET OF, not [0] IMPLICIT
        _verify_signature(certificate, signer["signature"].native, signed_attributes, hash_name)
        return TimestampInfo(time=tst_info["gen_time"].native, authority=certificate.subject.rfc4514_string())
    except TimestampError:
        raise
    except InvalidSignature as exc:
        raise TimestampError("the time-stamp signature does not verify") from exc
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise TimestampError(f"not a valid time-stamp token ({exc.__class__.__name__})") from exc
