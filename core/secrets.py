"""The install's secret key: where it comes from, how strong it must be, and what it seals.

One key (``WILDWATCH_SECRET_KEY``) signs review-UI sessions and, through a derived key,
encrypts the webhook secrets kept in the database.  No value printed anywhere (code, docs,
tests) may ever sign anything:

* production (any ``env`` but ``development``) requires a key that passes :func:`secret_problem`;
* development without a key uses a random one generated once per install, kept in
  ``<var_dir>/secret_key`` with mode 0600 (never a built-in value);
* the values this project has published are refused everywhere.
"""

from __future__ import annotations

import base64
import logging
import math
import os
import secrets
import stat
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError

# cryptography loads when a secret is sealed or opened: the settings import this module, and most
# commands (score, crawl, export) never seal anything.
if TYPE_CHECKING:
    from cryptography.fernet import Fernet, MultiFernet

    from core.settings import Settings

__all__ = [
    "MIN_SECRET_BITS",
    "MIN_SECRET_LENGTH",
    "PUBLISHED_SECRETS",
    "SECRET_FILE",
    "SealedSecretError",
    "SecretBox",
    "install_secret",
    "secret_box",
    "secret_key",
    "secret_problem",
]

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
#: Estimated bits (Shannon entropy of the characters x length): 32 random hex digits give ~112.
MIN_SECRET_BITS = 100
SECRET_FILE = "secret_key"
#: Values that appeared in this project's code or docs as a secret key: refused in every environment.
PUBLISHED_SECRETS = frozenset({"dev-only-insecure-secret-key", "change-me", "changeme", "secret"})


def _estimated_bits(value: str) -> float:
    """Shannon entropy of the character frequencies times the length: a rough upper bound."""
    shares = [n / len(value) for n in Counter(value).values()]
    return max(0.0, -sum(p * math.log2(p) for p in shares)) * len(value)


def _repeats_a_unit(value: str) -> bool:
    """True for ``abcabcabc``-style values: one short unit repeated."""
    return any(len(value) % size == 0 and value[:size] * (len(value) // size) == value
               for size in range(1, len(value) // 2 + 1))


def secret_problem(value: str) -> str | None:
    """Why ``value`` is not a strong secret key, or None when it is."""
    if value.strip() in PUBLISHED_SECRETS or value in PUBLISHED_SECRETS:
        return "is a value published with WildWatch"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is too short ({len(value)} characters; at least {MIN_SECRET_LENGTH})"
    if _repeats_a_unit(value):
        return "repeats one short pattern"
    bits = _estimated_bits(value)
    if bits < MIN_SECRET_BITS:
        return f"is too predictable (about {bits:.0f} bits of entropy; at least {MIN_SECRET_BITS} needed)"
    return None


def install_secret(var_dir: Path) -> str:
    """The development key of this install: read ``<var_dir>/secret_key``, creating it (0600) once.

    Created under a temporary name and linked into place, so processes starting together (uvicorn
    workers) never read a half-written file: the first link wins and everyone reads that one.
    """
    path = Path(var_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(draft, path)
            logger.info("generated a per-install secret key in %s", path)
        except FileExistsError:
            pass  # another process got there first: use its key
        finally:
            draft.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
        logger.warning("%s was readable by others (mode %o); now 0600", path, mode)
    value = path.read_text(encoding="ascii").strip()
    problem = secret_problem(value)
    if problem:
        raise ConfigError(f"the secret key in {path} {problem}; delete the file to generate a new one")
    return value


class SealedSecretError(ConfigError):
    """A stored secret cannot be decrypted with the current (or previous) secret key."""


def _fernet_key(secret_key: str) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    derived = HKDF(algorithm=SHA256(), length=32, salt=b"wildwatch", info=b"stored secrets v1").derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(derived)


class SecretBox:
    """Encrypts secrets for storage (Fernet, keyed by HKDF of the secret key).

    ``previous`` keys only decrypt: they let a rotation re-encrypt what the old key sealed.
    A stored value without the ``enc1:`` prefix is a plaintext secret from before sealing
    existed; :meth:`open` returns it as it is and :meth:`needs_sealing` tells it apart.
    """

    PREFIX = "enc1:"

    def __init__(self, secret_key: str, previous: Sequence[str] = ()) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        self._current: Fernet = Fernet(_fernet_key(secret_key))
        self._fernet: MultiFernet = MultiFernet([self._current, *(Fernet(_fernet_key(key)) for key in previous)])

    def seal(self, plaintext: str) -> str:
        """The stored form of ``plaintext``."""
        return self.PREFIX + self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The plaintext of a stored value (SealedSecretError when no known key opens it)."""
        if not stored.startswith(self.PREFIX):
            return stored
        from cryptography.fernet import InvalidToken  # loaded already: a SecretBox imported cryptography

        try:
            return self._fernet.decrypt(stored[len(self.PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SealedSecretError(
                "a stored secret was sealed with another WILDWATCH_SECRET_KEY; set the old one as "
                "WILDWATCH_PREVIOUS_SECRET_KEY and run `wildwatch alerts rotate-secrets`"
            ) from exc

    def needs_sealing(self, stored: str) -> bool:
        """True for a plaintext value, or one sealed under a previous key."""
        if not stored.startswith(self.PREFIX):
            return True
        from cryptography.fernet import InvalidToken

        try:
            self._current.decrypt(stored[len(self.PREFIX):].encode("ascii"))
        except InvalidToken:
            return True
        return False

    def reseal(self, stored: str) -> str:
        """``stored`` encrypted under the current key (rotation and plaintext upgrade)."""
        return self.seal(self.open(stored))


def secret_key(settings: Settings) -> str:
    """The key that signs sessions: the configured one, else (development only) the install's own."""
    if settings.secret_key:
        problem = secret_problem(settings.secret_key)
        if problem:  # only development gets this far with a weak key (Settings refuses it elsewhere)
            logger.warning("WILDWATCH_SECRET_KEY %s: fine for a laptop, refused in production", problem)
        return settings.secret_key
    if settings.env != "development":  # Settings refuses this already; kept for callers that bypass it
        raise ConfigError("WILDWATCH_SECRET_KEY must be set outside development")
    return install_secret(settings.var_dir)


def secret_box(settings: Settings) -> SecretBox:
    """The box that seals stored secrets under ``settings``' key (and opens the previous key's)."""
    previous = (settings.previous_secret_key,) if settings.previous_secret_key else ()
    return SecretBox(secret_key(settings), previous)
