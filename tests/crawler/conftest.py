from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@pytest.fixture
def page_bytes():
    """Read a saved HTML fixture as the raw bytes a server would send."""

    def read(name: str) -> bytes:
        return (PAGES / name).read_bytes()

    return read
