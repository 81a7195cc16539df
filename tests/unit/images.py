"""Small images made by the tests (no fixtures on disk): encoders and a film-like still with accents."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(rgb: tuple[int, int, int], size: tuple[int, int] = (32, 24), mode: str = "RGB") -> Image.Image:
    return Image.new(mode, size, rgb)


def graded_frame_with_accents(
    accents: list[tuple[tuple[int, int, int], float]], *, width: int = 640, height: int = 360, seed: int = 0
) -> np.ndarray:
    """A muted teal-to-orange graded frame, lightness ramping across, with square patches of
    the given colours covering the given shares of the frame."""
    from palettes.colorspace import lab_to_srgb

    y, x = np.mgrid[0:height, 0:width]
    angle = np.radians(200 - 150 * y / height)
    lab = np.stack([15 + 70 * x / width, 28 * np.cos(angle), 28 * np.sin(angle)], axis=-1)
    rng = np.random.default_rng(seed)
    pixels = np.clip(lab_to_srgb(lab) + rng.normal(0, 3, (height, width, 3)), 0, 255).astype(np.uint8)
    column = 40
    for rgb, share in accents:
        side = int((share * width * height) ** 0.5)
        row = int(rng.integers(10, height - side - 10))
        pixels[row : row + side, column : column + side] = rgb
        column += side + 30
    return pixels


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` over one tiny data chunk."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + png_chunk(b"IEND", b"")
    )
