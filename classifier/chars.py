"""Text as arrays of code points: the classifier's batch passes work on many texts at once in numpy.

Numpy alone (no other part of the classifier), so every module may use it, the lexicon and the
hashed n-grams included.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["TABLE_SIZE", "char_mask", "char_table", "code_points", "from_code_points"]

#: Lookup tables over characters cover the Basic Multilingual Plane; code points beyond it are rare
#: (emoji) and handled on their own.
TABLE_SIZE = 0x10000


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as a uint32 array (lone surrogates kept), for work on a whole batch."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def from_code_points(codes: np.ndarray) -> str:
    """The text of uint32 code points (the inverse of :func:`code_points`)."""
    return str(codes.astype(np.uint32, copy=False).tobytes().decode("utf-32-le", "surrogatepass"))


def char_table(pattern: re.Pattern[str]) -> np.ndarray:
    """Which characters of the Basic Multilingual Plane ``pattern`` (one character class, repeated or
    not) matches, for :func:`char_mask`: a pass of numpy over a batch instead of the regex over each
    text.  Built at model load: the matches' bounds are collected and marked in one numpy pass, since
    a slice assignment per match cost twice as much for a class matched one character at a time
    (8 against 15 ms for the separators' 15,799 characters)."""
    every_char = from_code_points(np.arange(TABLE_SIZE, dtype=np.uint32))
    starts: list[int] = []
    ends: list[int] = []
    for match in pattern.finditer(every_char):
        start, end = match.span()
        starts.append(start)
        ends.append(end)
    edges = np.bincount(starts, minlength=TABLE_SIZE + 1) - np.bincount(ends, minlength=TABLE_SIZE + 1)
    return np.asarray(np.cumsum(edges[:TABLE_SIZE]) > 0)


def char_mask(codes: np.ndarray, table: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """Which of ``codes`` ``pattern`` matches as one character: the table made by :func:`char_table`,
    and the regex itself for the rare characters beyond it (emoji)."""
    mask = table[np.minimum(codes, TABLE_SIZE - 1)]
    astral = codes >= TABLE_SIZE
    if astral.any():
        for code in np.unique(codes[astral]).tolist():
            mask[codes == code] = pattern.fullmatch(chr(code)) is not None
    return np.asarray(mask)
