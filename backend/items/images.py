"""Checking and normalising uploaded images with Pillow.

Accepted: JPEG, PNG, WebP and BMP, stored byte for byte as uploaded; TIFF (common from industrial
line cameras, but not shown by browsers) is converted to PNG. GIF, SVG and anything else are
refused. The pixel count is read from the header and refused above ``max_image_pixels`` *before*
any pixel is decoded, so a small file claiming 20,000 × 20,000 pixels costs nothing, and the
full decodes at once in a process share a budget of twice that limit (``PixelBudget``). Images whose
EXIF orientation is not "upright" are rotated and re-encoded, so that stored pixels are displayed
pixels and boxes drawn in the browser are boxes on the stored image.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.items import storage

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF")
KEPT_AS_IS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
              "WEBP": ("image/webp", "webp"), "BMP": ("image/bmp", "bmp")}  # fmt: skip
ORIENTATION_TAG = 0x0112
ALLOWED_TEXT = "JPEG, PNG, WebP, BMP, TIFF"


class ImageRejected(ValueError):
    """An image that cannot be imported; ``too_large`` marks the limits (413 rather than 422);
    ``code`` says which case for clients: ``image_too_large``, ``image_format`` (not an image
    in an accepted format), ``image_frames`` (several frames or pages), ``image_corrupt``."""

    def __init__(self, message: str, *, too_large: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.too_large = too_large
        self.code = code or ("image_too_large" if too_large else "image_corrupt")


@dataclass(frozen=True)
class CheckedImage:
    """A staged image ready to store: its (possibly rewritten) file and what the item records."""

    staged: storage.StagedFile
    width: int
    height: int
    media_type: str
    ext: str


def _open(path: Path, max_pixels: int) -> Image.Image:
    try:
        return Image.open(path, formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as exc:  # Pillow's own guard, above ours by default
        raise ImageRejected(
            f"image over the limit of {max_pixels:,} pixels (decompression-bomb guard): {exc}",
            too_large=True,
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            f"not an image in an accepted format ({ALLOWED_TEXT}), or the file is corrupt",
            code="image_format",
        ) from None


def check_image(staged: storage.StagedFile, *, max_pixels: int) -> CheckedImage:
    """Verify a staged upload and return what to store; ``ImageRejected`` says why not.

    The staged file is replaced when the image has to be rewritten (rotation, TIFF); the caller
    owns whichever file ``CheckedImage.staged`` names.
    """
    try:
        return _check(staged, max_pixels=max_pixels)
    except ImageRejected:
        raise
    except (OSError, SyntaxError, ValueError, IndexError, TypeError, EOFError) as exc:
        # Pillow reports malformed files through many exception types; all mean "unreadable".
        raise ImageRejected(f"corrupt or truncated image: {exc}") from None


def _check(staged: storage.StagedFile, *, max_pixels: int) -> CheckedImage:
    with _open(staged.path, max_pixels) as probe:
        width, height = probe.size
        fmt = probe.format or ""
        if width * height > max_pixels:
            raise ImageRejected(
                f"image of {width} × {height} = {width * height:,} pixels is over the limit of "
                f"{max_pixels:,} pixels (decompression-bomb guard)",
                too_large=True,
            )
        if getattr(probe, "n_frames", 1) > 1:
            raise ImageRejected(
                f"{fmt} with several frames or pages; give one image per file", code="image_frames"
            )
        try:
            probe.verify()
        except Exception as exc:
            raise ImageRejected(f"corrupt {fmt} image: {exc}") from None
    with (
        DECODING.share(width * height, budget=2 * max_pixels),
        _open(staged.path, max_pixels) as image,
    ):
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected(f"corrupt or truncated {fmt} image: {exc}") from None
        orientation = image.getexif().get(ORIENTATION_TAG, 1)
        if fmt in KEPT_AS_IS and orientation in (0, 1):
            media_type, ext = KEPT_AS_IS[fmt]
            return CheckedImage(staged, width, height, media_type, ext)
        return _rewrite(staged, image, fmt)


class PixelBudget:
    """Pixels being decoded at once in this process, bounded: each full decode holds all of an
    image's pixels (a 64-megapixel RGBA image is 256 MB), so eight large uploads at once took
    2.3 GB. A decode waits until its pixels fit in the budget (one image alone always fits)."""

    def __init__(self) -> None:
        self._free_changed = threading.Condition()
        self._in_use = 0

    @contextmanager
    def share(self, pixels: int, *, budget: int) -> Iterator[None]:
        with self._free_changed:
            self._free_changed.wait_for(
                lambda: self._in_use == 0 or self._in_use + pixels <= budget
            )
            self._in_use += pixels
        try:
            yield
        finally:
            with self._free_changed:
                self._in_use -= pixels
                self._free_changed.notify_all()


DECODING = PixelBudget()


def _rewrite(staged: storage.StagedFile, image: Image.Image, fmt: str) -> CheckedImage:
    """Store the upright pixels: rotate by EXIF, keep JPEG/WebP/BMP/PNG, convert TIFF to PNG."""
    upright = ImageOps.exif_transpose(image)
    target_fmt = fmt if fmt in KEPT_AS_IS else "PNG"
    media_type, ext = KEPT_AS_IS[target_fmt]
    if target_fmt == "PNG" and upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    if target_fmt == "JPEG" and upright.mode not in ("L", "RGB", "CMYK"):
        upright = upright.convert("RGB")
    options: dict[str, object] = {}
    if target_fmt in ("JPEG", "WEBP"):
        options = {"quality": 95}
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    path = storage.new_staging_path()
    try:
        upright.save(path, format=target_fmt, **options)
        rewritten = storage.StagedFile(
            path=path, sha256=storage.hash_file(path), size=path.stat().st_size
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    staged.path.unlink(missing_ok=True)
    return CheckedImage(rewritten, upright.width, upright.height, media_type, ext)
