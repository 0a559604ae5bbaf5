"""bench/score_instructions.py: its one-line refusals and how it files instructions by library (the
counting itself needs valgrind and minutes: run by hand, see bench/results.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import score_instructions


@pytest.mark.parametrize(
    ("obj", "function", "library"),
    [
        ("/usr/lib/libpython3.11.so.1.0", "sre_ucs2_match", "Python: regex engine"),
        ("/usr/lib/libpython3.11.so.1.0", "ucs2lib_utf8_encoder", "Python: str encode, decode, lower, join, split"),
        ("/usr/lib/libpython3.11.so.1.0", "_PyEval_EvalFrameDefault", "Python: interpreter, objects, dicts, allocation"),
        ("/x/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so", "mapiter_get", "numpy"),
        ("/x/opencc/clib/opencc_clib.cpython-311-x86_64-linux-gnu.so", "convert", "OpenCC"),
        ("/x/rjieba/rjieba.abi3.so", "calc", "jieba-rs"),
        ("/lib/x86_64-linux-gnu/libc.so.6", "memcpy", "libc, libstdc++"),
        ("/x/pandas/_libs/algos.cpython-311-x86_64-linux-gnu.so", "take", "other"),
    ],
)
def test_instructions_are_filed_by_library(obj: str, function: str, library: str) -> None:
    assert score_instructions._library(obj, function) == library


def test_a_base_that_is_not_a_checkout_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not score_instructions.shutil.which("valgrind"):
        assert score_instructions.main(["--base", str(tmp_path)]) == 2
        assert "valgrind is not installed" in capsys.readouterr().err
        return
    assert score_instructions.main(["--base", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a WildWatch checkout" in err
