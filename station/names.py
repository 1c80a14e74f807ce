"""File names the station makes from the names scans arrive with.

A scan may be named with a whole Vietnamese subject line: 180 characters are 247
bytes in UTF-8, and most file systems stop at 255 bytes per name. Names the station
writes (results, temporary parts, error notes, copies with a job number) must never
grow past that from the input's name, so they are cut to a fixed budget, with a short
hash of the full name to keep two long names apart. The full name stays in the
records as data."""

from __future__ import annotations

import hashlib

STEM_BYTES = 96  # results: <stem>.words.json, .<stem>.json.part, <stem>-r12.pdf, ... all fit easily
ORIGINAL_BYTES = 200  # an original keeps its name when it fits, leaving room for -job123 and .error.txt


def bounded(name: str, limit: int) -> str:
    """`name` if its UTF-8 form fits in `limit` bytes, else its start, a hash of the
    whole, and its extension (a suffix of up to 10 bytes is kept)."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode()) > 10 or not stem:
        stem, ext = name, ""
    tag = "~" + hashlib.sha256(name.encode()).hexdigest()[:8]
    room = limit - len(tag.encode()) - (len(ext.encode()) + 1 if ext else 0)
    cut = stem.encode()[:room].decode("utf-8", "ignore").rstrip()
    return f"{cut}{tag}" + (f".{ext}" if ext else "")


def stem_of(name: str) -> str:
    """A result stem for an input file name (without its extension), within STEM_BYTES."""
    stem = name.rpartition(".")[0] or name
    return bounded(stem, STEM_BYTES)
