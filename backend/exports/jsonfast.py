"""JSON for builds: orjson when it is installed, the standard library otherwise — same bytes.

A 100,000-item COCO build writes half a million JSON objects and hashes 100,000 more; orjson
encodes them several times faster than ``json``. It is optional: the output must not depend on
whether it is installed (a version's zip is byte-identical for the same inputs wherever it is
built), so every orjson answer is checked for the few places where its bytes differ from the
standard library's, and redone with ``json`` when it might:

* numbers below 1e-4 or in exponent form (Python writes ``1e-05`` and ``1.5e-07`` where orjson
  writes ``0.00001`` and ``1.5e-7``): any ``e-``, ``+`` or number starting ``0.0000`` and a
  non-zero digit in orjson's answer sends the value back (also inside strings: harmless, only
  slower). A sweep of every float exponent found no other difference;
* NaN and infinities, which orjson writes as ``null`` — any ``null`` sends the value back;
* integers beyond 64 bits, non-string keys, lone surrogates — orjson raises, ``json`` decides.

Everywhere else both write the shortest round-trip ``repr`` of floats, UTF-8 as is (our
``ensure_ascii=False``), the same escapes for quotes, backslashes and control characters, and keys
sorted by code point (``tests/api/test_exports_building.py`` compares both on awkward values).
"""

from __future__ import annotations

import json
import json.scanner
import re
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by forcing ``orjson = None`` in a test
    orjson = None  # type: ignore[assignment]

_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_PLAIN = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_SCAN = json.scanner.make_scanner(json.JSONDecoder())
_SMALL_NUMBER = re.compile(rb"0\.0000[1-9]").search
_SMALL_NUMBER_START = re.compile(rb"(?<![0-9])0\.0000[1-9]").search


def _differs(out: bytes) -> bool:
    """Whether orjson's bytes may differ from ``json``'s. orjson writes exponents as ``e-7`` and
    ``e+16`` and numbers in [1e-5, 1e-4) as ``0.0000d…``; a one-byte search (memchr) for ``+``,
    ``-`` and ``u`` settles most batches before any longer search runs."""
    if b"+" in out:
        return True
    if b"-" in out and b"e-" in out:
        return True
    if b"u" in out and b"null" in out:
        return True
    # A literal search first; the exact one (a number that starts so) only when it finds some.
    return _SMALL_NUMBER(out) is not None and _SMALL_NUMBER_START(out) is not None


def dumps(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, UTF-8 kept readable (Chinese stays Chinese)."""
    if orjson is not None:
        try:
            out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return _SORTED(value)
        if not _differs(out):
            return out.decode()
    return _SORTED(value)


def dumps_bytes(value: Any) -> bytes:
    """``dumps(value).encode()``, without the round trip through ``str`` when orjson is there."""
    if orjson is not None:
        try:
            out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return _SORTED(value).encode()
        if not _differs(out):
            return out
    return _SORTED(value).encode()


def dumps_ordered(value: list[dict[str, Any]]) -> str:
    """Compact JSON of dicts whose keys are already in the wanted order (COCO annotations, built
    that way): no key sorting."""
    if orjson is not None:
        try:
            out = orjson.dumps(value)
        except TypeError:
            return _PLAIN(value)
        if not _differs(out):
            return out.decode()
    return _PLAIN(value)


def loads(text: str) -> Any:
    """``json.loads``, calling its C scanner directly (the two Python layers above it cost half as
    much as the parsing, for 100,000 small results). Not orjson's: it turns integers beyond 64
    bits into floats, and checking the text for them cost as much as orjson saved."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:  # leading whitespace, or not JSON: ``json`` says which
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return value
