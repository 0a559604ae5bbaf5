"""RFC 3161 time-stamps from a stand-in authority on loopback: kept in the package and checked by verify."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.evidence.keys import load_or_create_key
from core.evidence.package import PackageWriter, TimestampConfig
from core.evidence.timestamp import TimestampError, request_token, verify_token
from core.evidence.verify import PackageInvalid, verify_package
from tests.evidence.tamper import rewrite
from tests.evidence.tsa import StandInTSA


@pytest.fixture
def tsa() -> Iterator[StandInTSA]:
    authority = StandInTSA().start()
    yield authority
    authority.stop()


def _package(tmp_path: Path, stamp: TimestampConfig | None) -> Path:
    key = load_or_create_key(tmp_path / "k.pem")
    with PackageWriter(tmp_path / "case.wacz", created=datetime.now(UTC)) as writer:
        writer.add("case/case.json", [b"{}"])
        writer.finish(key=key, software="test", title="t", timestamp=stamp)
    return tmp_path / "case.wacz"


def test_token_stamps_the_data_and_is_checked(tsa: StandInTSA) -> None:
    token = request_token(tsa.url, b"signature bytes")
    info = verify_token(token, b"signature bytes")
    assert "WildWatch test TSA" in info.authority and abs((datetime.now(UTC) - info.time).total_seconds()) < 60
    with pytest.raises(TimestampError, match="other data"):
        verify_token(token, b"other bytes")


def test_package_keeps_the_token_and_verify_reports_it(tsa: StandInTSA, tmp_path: Path) -> None:
    package = _package(tmp_path, TimestampConfig(tsa.url))
    result = verify_package(package)
    assert result.timestamp is not None and "; time-stamped " in result.summary()

    def forged(data: bytes) -> bytes:
        envelope = json.loads(data)
        token = bytearray(base64.b64decode(envelope["timestamp"]["token"]))
        token[-5] ^= 0x01
        envelope["timestamp"]["token"] = base64.b64encode(bytes(token)).decode()
        return json.dumps(envelope).encode()

    with pytest.raises(PackageInvalid, match="time-stamp does not hold"):
        verify_package(rewrite(package, "datapackage-digest.json", forged))


def test_off_by_default_and_an_unreachable_authority_leaves_no_package(tmp_path: Path) -> None:
    assert verify_package(_package(tmp_path, None)).timestamp is None
    (tmp_path / "case.wacz").unlink()
    with pytest.raises(TimestampError, match="unreachable"):
        _package(tmp_path, TimestampConfig("http://127.0.0.1:9/tsa", timeout=2))
    assert list(tmp_path.glob("*.wacz*")) == [] and list(tmp_path.glob(".case.wacz*")) == []
