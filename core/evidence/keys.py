"""The installation's Ed25519 signing key, and signatures in the WACZ anonymous-signature form.

The key is made once, on first use, as a PKCS#8 PEM file readable by its owner only (0600); a
file that appears meanwhile (another process made it first) wins, so an installation never has
two keys.  Its fingerprint, the SHA-256 of the raw 32-byte public key in hex, is what an analyst
reads out to an agency; the key id written in packages is the fingerprint's first 16 digits.

Signature form (Webrecorder's "WACZ Signing and Verification", anonymous signature): the
``signedData`` object holds ``hash`` (of ``datapackage.json``), ``created``, ``software``,
``version``, ``signature`` (base64 of the signature over the UTF-8 bytes of ``hash``) and
``publicKey`` (base64 of the DER SubjectPublicKeyInfo, which names the algorithm: Ed25519 here,
where the draft's examples use ECDSA).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.errors import ConfigError

__all__ = [
    "SignatureError",
    "SigningKey",
    "fingerprint",
    "key_id",
    "load_or_create_key",
    "parse_public_key",
    "public_key_pem",
    "sign_digest",
    "verify_signed_data",
]

logger = logging.getLogger(__name__)

#: The properties an anonymous signature may carry (the spec forbids any other).
SIGNED_DATA_FIELDS = frozenset({"hash", "created", "software", "version", "signature", "publicKey"})
SIGNATURE_VERSION = "0.1.0"  # of the WACZ signing draft we follow


class SignatureError(ValueError):
    """A signature, or a public key, that does not hold."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, lowercase hex (64 digits)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def key_id(public_key: Ed25519PublicKey) -> str:
    """The short name of a key written in every package: the fingerprint's first 16 digits."""
    return fingerprint(public_key)[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """The public key as PEM (what ``openssl`` and ``wildwatch evidence verify --key`` read)."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _spki_b64(public_key: Ed25519PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The installation's private key and the names of its public half."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    @property
    def key_id(self) -> str:
        return key_id(self.public)


def _load(path: Path) -> SigningKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("evidence signing key %s is readable by others (mode %o); chmod 600 it", path, mode)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"evidence signing key {path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(f"evidence signing key {path} is not an Ed25519 key")
    return SigningKey(private, path)


def load_or_create_key(path: Path) -> SigningKey:
    """The key at ``path``, made there (0600) the first time; concurrent first uses agree on one key."""
    path = Path(path)
    if path.exists():
        return _load(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if another process made the key first: theirs is kept
            logger.info("created the evidence signing key %s", path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
    return _load(path)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as PEM, as base64 DER (a package's ``publicKey``) or as 32 raw bytes in base64."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key: Any = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            raw = base64.b64decode(text, validate=True)
            key = Ed25519PublicKey.from_public_bytes(raw) if len(raw) == 32 else serialization.load_der_public_key(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise SignatureError(f"not a public key ({exc.__class__.__name__})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not an Ed25519 key")
    return key


def sign_digest(key: SigningKey, digest: str, *, created: datetime, software: str) -> dict[str, str]:
    """The ``signedData`` object for ``digest`` (``"sha256:<hex>"`` of datapackage.json)."""
    signature = key.private.sign(digest.encode("utf-8"))
    return {
        "hash": digest,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": software,
        "version": SIGNATURE_VERSION,
        "signature": base64.b64encode(signature).decode("ascii"),
        "publicKey": _spki_b64(key.public),
    }


def verify_signed_data(signed: Any, digest: str) -> tuple[Ed25519PublicKey, bytes]:
    """Check a ``signedData`` object against the digest of datapackage.json: (its key, the signature bytes)."""
    if not isinstance(signed, dict):
        raise SignatureError("signedData is not an object")
    unknown = set(signed) - SIGNED_DATA_FIELDS
    if unknown:
        raise SignatureError(f"signedData has properties an anonymous signature may not have: {sorted(unknown)}")
    for name in ("hash", "signature", "publicKey", "created"):
        if not isinstance(signed.get(name), str):
            raise SignatureError(f"signedData.{name} is missing")
    if signed["hash"] != digest:
        raise SignatureError("the signature is for another datapackage.json")
    public_key = parse_public_key(signed["publicKey"])
    try:
        signature = base64.b64decode(signed["signature"], validate=True)
        public_key.verify(signature, digest.encode("utf-8"))
    except (binascii.Error, InvalidSignature) as exc:
        raise SignatureError("the signature does not verify") from exc
    return public_key, signature
