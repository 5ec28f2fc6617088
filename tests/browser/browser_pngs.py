"""Small PNG images made with the standard library (no imaging package needed by the tests)."""

from __future__ import annotations

import base64
import struct
import zlib


def png(
    width: int,
    height: int,
    rects: list[tuple[int, int, int, int, tuple[int, int, int]]] = (),
    background: tuple[int, int, int] = (200, 204, 210),
) -> bytes:
    """An RGB PNG of ``width`` × ``height`` with filled rectangles (x, y, w, h, colour)."""
    rows = []
    for y in range(height):
        row = bytearray(background * width)
        for rx, ry, rw, rh, colour in rects:
            if ry <= y < ry + rh:
                x0, x1 = max(0, rx), min(width, rx + rw)
                row[3 * x0 : 3 * x1] = bytes(colour) * (x1 - x0)
        rows.append(b"\x00" + bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def png_base64(*args, **kwargs) -> str:
    return base64.b64encode(png(*args, **kwargs)).decode()


def part_image(seed: int, width: int = 640, height: int = 480) -> bytes:
    """A stand-in for a photo of a manufactured part: a plate with a 'defect' whose place varies."""
    return png(
        width,
        height,
        [
            (40, 40, width - 80, height - 80, (150, 156, 166)),
            (
                60 + (seed * 37) % (width - 200),
                70 + (seed * 53) % (height - 200),
                90,
                24,
                (180, 40, 40),
            ),
        ],
    )
