"""Short-lived signed links to an item's media, for an outside model that has no account.

The link carries the item id, an expiry (Unix seconds) and an HMAC-SHA256 of both under the
platform's secret (RFC 2104, https://doi.org/10.17487/RFC2104), the scheme of S3's presigned
URLs: whoever holds the link may fetch that one file until it expires, nothing else. Anything
wrong — a bad signature, an expired link, an item without media — is a 404, as for a missing
item, so a link says nothing about other items.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from backend.settings import get_settings

LINK_SECONDS = 15 * 60
PATH = "/api/v1/models/media/{item_id}"


def _signature(item_id: int, expires: int) -> str:
    key = get_settings().secret_key.encode()
    message = f"jinbiao-media:{item_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_path(item_id: int, *, seconds: int = LINK_SECONDS, now: float | None = None) -> str:
    """The path (under the API's address) of a link valid for ``seconds``."""
    expires = int((time.time() if now is None else now) + seconds)
    return f"{PATH.format(item_id=item_id)}?expires={expires}&sig={_signature(item_id, expires)}"


def link_is_valid(item_id: int, *, expires: int, sig: str, now: float | None = None) -> bool:
    """Whether the signature is the platform's and the link has not expired."""
    if expires < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(sig, _signature(item_id, expires))
