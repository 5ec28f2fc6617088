"""A trained model as bytes, so that the database or the media store can keep it.

Any worker can load a model another worker trained: nothing refers to a local path. The blob is
``MAGIC``, one JSON header line and a zlib-compressed pickle. The header carries the format
version, the model's kind and class, the scikit-learn version and a digest of the payload, so
that a blob from an older format, another scikit-learn, a truncated upload or a wrong key is
refused with :class:`ModelLoadError` before anything is unpickled; the platform then retrains
(issue 21: "a model file that cannot be loaded → retrain, never a crashed worker").

Unpickling runs code chosen by whoever wrote the blob (Python documentation, "pickle — Python
object serialization", warning). Blobs are only ever written by the platform; pass ``key`` (the
platform's secret) to :func:`dump_model` and :func:`load_model` so that a blob not signed with it
(HMAC-SHA256, RFC 2104, https://doi.org/10.17487/RFC2104) is refused unread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import zlib
from typing import Any

import sklearn

MAGIC = b"JINBIAO-MODEL\n"
FORMAT_VERSION = 1


class ModelLoadError(Exception):
    """The bytes are not a model this code can load; the caller should train a new one."""


def _digest(payload: bytes, key: bytes | None) -> str:
    if key is None:
        return "sha256:" + hashlib.sha256(payload).hexdigest()
    return "hmac-sha256:" + hmac.new(key, payload, hashlib.sha256).hexdigest()


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def dump_model(model: Any, *, key: bytes | None = None) -> bytes:
    """The model as bytes: header (format, kind, class, scikit-learn version, digest) + pickle.

    Example:
        >>> from quality.models import TextClassifier, load_model
        >>> model = TextClassifier().fit(["oil leak", "gear noise"] * 3, ["leak", "wear"] * 3)
        >>> load_model(dump_model(model)).predict(["oil leak"])
        ['leak']
    """
    payload = zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6)
    header = {
        "format": FORMAT_VERSION,
        "kind": getattr(model, "kind", None),
        "class": f"{type(model).__module__}.{type(model).__qualname__}",
        "sklearn": sklearn.__version__,
        "digest": _digest(payload, key),
    }
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def read_header(blob: bytes) -> dict[str, Any]:
    """The JSON header of a model blob, without unpickling anything (ModelLoadError if none)."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise ModelLoadError(f"a model blob is bytes, not {type(blob).__name__}")
    data = bytes(blob)
    if not data.startswith(MAGIC):
        raise ModelLoadError("not a Jinbiao model (the blob does not start with the format mark)")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise ModelLoadError("the model header is cut off")
    try:
        header = json.loads(data[len(MAGIC) : end])
    except ValueError as exc:
        raise ModelLoadError(f"the model header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise ModelLoadError("the model header is not a JSON object")
    return header


def load_model(blob: bytes, *, kind: str | None = None, key: bytes | None = None) -> Any:
    """The model written by :func:`dump_model`; :class:`ModelLoadError` for anything else.

    Refused: another format version, a scikit-learn of another minor version (its pickles are
    not promised to load), a digest that does not match (truncated, altered, or signed with
    another key), a payload that fails to unpickle, or a model of another ``kind``.
    """
    header = read_header(blob)
    data = bytes(blob)
    if header.get("format") != FORMAT_VERSION:
        raise ModelLoadError(
            f"model format {header.get('format')!r}, this code reads format {FORMAT_VERSION}"
        )
    written_with = str(header.get("sklearn", "?"))
    if _minor(written_with) != _minor(sklearn.__version__):
        raise ModelLoadError(
            f"model written with scikit-learn {written_with}, this worker has {sklearn.__version__}"
        )
    payload = data[data.index(b"\n", len(MAGIC)) + 1 :]
    if not hmac.compare_digest(str(header.get("digest", "")), _digest(payload, key)):
        raise ModelLoadError("the model bytes do not match their digest (damaged or wrong key)")
    try:
        model = pickle.loads(zlib.decompress(payload))  # noqa: S301 - digest checked above
    except Exception as exc:  # any failure to rebuild the object means "retrain"
        raise ModelLoadError(f"the model cannot be unpickled: {exc}") from exc
    if kind is not None and getattr(model, "kind", None) != kind:
        raise ModelLoadError(f"a {getattr(model, 'kind', None)!r} model, not {kind!r}")
    return model
