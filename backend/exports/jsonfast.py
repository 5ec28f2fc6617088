"""JSON for builds: orjson when it is installed, the standard library otherwise — same bytes.

A 100,000-item COCO build writes half a million JSON objects and hashes 100,000 more; orjson
encodes them several times faster than ``json``. It is optional: the output must not depend on
whether it is installed (a version's zip is byte-identical for the same inputs wherever it is
built), so every orjson answer is checked for the few places where its bytes differ from the
standard library's, and redone with ``json`` when it might:

* numbers below 1e-4 or in exponent form (Python writes ``1e-05`` and ``1.5e-07`` where orjson
  writes ``0.00001`` and ``1.5e-7``): any ``e-``, ``e+`` or number starting ``0.0000`` in
  orjson's answer sends the value back (also inside strings: harmless, only slower). A sweep of
  every float exponent found no other difference;
* NaN and infinities, which orjson writes as ``null`` — any ``null`` sends the value back;
* integers beyond 64 bits, non-string keys, lone surrogates — orjson raises, ``json`` decides.

Everywhere else both write the shortest round-trip ``repr`` of floats, UTF-8 as is (our
``ensure_ascii=False``), the same escapes for quotes, backslashes and control characters, and keys
sorted by code point (``tests/api/test_exports_jsonfast.py`` compares both on awkward values).
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by forcing ``orjson = None`` in a test
    orjson = None  # type: ignore[assignment]

_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_PLAIN = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _differs(out: bytes) -> bool:
    """Whether orjson's bytes may differ from ``json``'s (substring tests: a regex was slower).
    ``0.0000`` counts only where a number starts (``100.00000000000001`` is common and fine)."""
    return (
        b"e-" in out
        or b"e+" in out
        or b"null" in out
        or (
            b"0.0000" in out
            and (
                b":0.0000" in out
                or b",0.0000" in out
                or b"[0.0000" in out
                or b"-0.0000" in out
                or out.startswith(b"0.0000")
            )
        )
    )


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
    """``json.loads``. Not orjson's: it turns integers beyond 64 bits into floats, and checking
    the text for them (a regex) cost as much as orjson saved."""
    return json.loads(text)
