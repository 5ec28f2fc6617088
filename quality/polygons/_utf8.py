"""Text in and out of the compiled reader and writer without extra copies: the answers' JSON
texts as one run of UTF-8 bytes (``joined_utf8``), and a ``bytes`` object the writer fills in
place (``new_bytes``).

Why: the 60,000 answer texts of a 20,000-image recompute are about 60 MB. Joining them into one
``str`` and then encoding that wrote the 60 MB twice into fresh memory (about 15,000 page faults
each); a stored answer's text is nearly always ASCII, and an ASCII ``str`` (CPython's compact
form, PEP 393) already holds exactly its UTF-8 bytes. ``PyUnicode_AsUTF8AndSize`` (CPython's
stable C API) returns a pointer to those bytes — for an ASCII string its own data, no copy — and
NumPy reads them through ``__array_interface__``; the view holds a reference to the ``str``, so
the bytes live as long as the array. Other texts (bytes, non-ASCII) are encoded one by one, as
before.

Out: the consensus store's COPY text (85 MB at 20,000 images) was written into a NumPy buffer
and copied into ``bytes`` (``tobytes``, 0.05 CPU s). ``PyBytes_FromStringAndSize(NULL, size)``
makes a ``bytes`` object whose contents may be written until it is shared — the C API's
documented way to build one in place (``PyBytes_AsString``: "The data must not be modified in
any way, unless the object was just created using ``PyBytes_FromStringAndSize(NULL, size)``") —
so the writer fills it through a NumPy view, given the exact size beforehand.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_AS_UTF8 = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.POINTER(ctypes.c_ssize_t))(
    ("PyUnicode_AsUTF8AndSize", ctypes.pythonapi)
)

_NEW_BYTES = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.c_ssize_t)(
    ("PyBytes_FromStringAndSize", ctypes.pythonapi)
)
_BYTES_DATA = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object)(
    ("PyBytes_AsString", ctypes.pythonapi)
)


class _AsciiBytes:
    """An ASCII ``str``'s bytes for ``np.asarray``, read-only, kept alive by the array."""

    def __init__(self, text: str) -> None:
        size = ctypes.c_ssize_t()
        address = _AS_UTF8(text, ctypes.byref(size))
        if address is None or size.value != len(text):  # pragma: no cover - not ASCII
            raise ValueError("expected an ASCII str")
        self.text = text
        self.__array_interface__ = {
            "data": (address, True),
            "shape": (size.value,),
            "typestr": "|u1",
            "version": 3,
        }


def joined_utf8(texts: Sequence[str | bytes]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """The texts' UTF-8 bytes side by side (read-only) and each one's size in bytes. All ``str``
    and ASCII (the usual case): one join, viewed in place, the sizes in characters being the
    sizes in bytes; otherwise one ``encode`` per text."""
    try:
        joined = "".join(texts)  # type: ignore[arg-type]
    except TypeError:  # some are bytes
        pass
    else:
        if joined.isascii():
            sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            return np.asarray(_AsciiBytes(joined)), sizes
    encoded = [t.encode() if isinstance(t, str) else bytes(t) for t in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), sizes


class _FreshBytes:
    """A new ``bytes`` object's contents for ``np.asarray``, writable, kept alive by the array."""

    def __init__(self, size: int) -> None:
        self.data: bytes = _NEW_BYTES(None, size)
        self.__array_interface__ = {
            "data": (_BYTES_DATA(self.data), False),
            "shape": (size,),
            "typestr": "|u1",
            "version": 3,
        }


def new_bytes(size: int) -> tuple[bytes, NDArray[np.uint8]]:
    """A new ``bytes`` object of ``size`` bytes, not yet written, and a writable view of them:
    fill the view before the bytes are read, hashed or shared."""
    if size <= 0:  # CPython shares its empty bytes object: never write into it
        return b"", np.zeros(0, dtype=np.uint8)
    fresh = _FreshBytes(size)
    return fresh.data, np.asarray(fresh)
