"""The installation key: made once (0600), shared by concurrent first uses, named by its fingerprint."""

from __future__ import annotations

import hashlib
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from core.evidence.keys import (
    SignatureError,
    load_or_create_key,
    parse_public_key,
    public_key_pem,
    sign_digest,
    verify_signed_data,
)


def test_key_is_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys" / "k.pem"
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path).fingerprint == first.fingerprint
    raw = first.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert first.fingerprint == hashlib.sha256(raw).hexdigest() and first.key_id == first.fingerprint[:16]


def test_concurrent_first_uses_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    with ThreadPoolExecutor(8) as pool:
        prints = set(pool.map(lambda _: load_or_create_key(path).fingerprint, range(16)))
    assert len(prints) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["k.pem"]


def test_public_key_forms_parse_to_the_same_key(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k.pem")
    signed = sign_digest(key, "sha256:" + "0" * 64, created=datetime.now(UTC), software="test")
    forms = [public_key_pem(key.public), signed["publicKey"]]
    assert {parse_public_key(form).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            for form in forms} == {key.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)}
    with pytest.raises(SignatureError):
        parse_public_key("not a key")


def test_signature_is_the_wacz_anonymous_form_and_checks(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k.pem")
    digest = "sha256:" + "ab" * 32
    signed = sign_digest(key, digest, created=datetime(2026, 12, 6, tzinfo=UTC), software="WildWatch test")
    assert set(signed) == {"hash", "created", "software", "version", "signature", "publicKey"}
    verify_signed_data(signed, digest)
    with pytest.raises(SignatureError):
        verify_signed_data(signed, "sha256:" + "cd" * 32)
    with pytest.raises(SignatureError):
        verify_signed_data({**signed, "hash": "sha256:" + "cd" * 32}, "sha256:" + "cd" * 32)
    with pytest.raises(SignatureError):
        verify_signed_data({**signed, "keyId": "x"}, digest)
