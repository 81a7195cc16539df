"""The hostile and odd uploads, made by code (nothing on disk): bombs, damaged files, impostors, odd keys.

Each case says what it may end as: ``DONE`` with a sane palette, or ``FAILED`` with one of a few
error codes. Bodies are built lazily, since a few are megabytes.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from tests.conftest import make_jpeg
from tests.unit.images import png_chunk, png_header_only

DONE = frozenset({"DONE"})
TOO_LARGE = frozenset({"image_too_large"})
CORRUPT = frozenset({"corrupt_image"})
UNSUPPORTED = frozenset({"unsupported_format"})
S3_MAX_KEY_BYTES = 1024
DYNAMODB_MAX_SORT_KEY_BYTES = 1024


@dataclass(frozen=True)
class HostileCase:
    name: str
    make: Callable[[], bytes]
    expect: frozenset[str]  # "DONE" or the error codes of a FAILED item it may end as
    key: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def object_key(self) -> str:
        return self.key or f"stills/hostile/{self.name}.jpg"


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def deflate_repeated(block: bytes, times: int) -> bytes:
    """A zlib stream of ``block`` repeated ``times`` times, made without compressing it ``times`` times.

    After a full flush the compressor starts afresh, so the same block always compresses to the same
    bytes: the stream is one compressed block repeated, an end block and the checksum of the whole.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()
    checksum = 1
    for _ in range(times):
        checksum = zlib.adler32(block, checksum)
    return b"\x78\xda" + segment * times + end + struct.pack(">I", checksum)


def png_of_zeros(
    width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2, extra: bytes = b""
) -> bytes:
    """A real PNG of ``width`` x ``height`` black pixels, compressed about 1000:1 (a decompression bomb)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = bytes(1 + width * channels * bit_depth // 8)
    rows_per_block = next(count for count in (64, 16, 4, 1) if height % count == 0)
    data = deflate_repeated(row * rows_per_block, height // rows_per_block)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + extra
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def gif_bomb() -> bytes:
    """A GIF whose logical screen and frame claim 65535 x 65535 pixels."""
    data = bytearray(encode(Image.new("P", (10, 10), 1), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)
    frame = data.index(b"\x2c")  # image descriptor: left, top, width, height
    data[frame + 5 : frame + 9] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def png_with_text_bomb(kind: bytes) -> bytes:
    """A tiny PNG with a compressed metadata chunk (zTXt, iCCP, iTXt) that inflates to 50 MB."""
    bomb = zlib.compress(bytes(50_000_000), 9)
    body = {b"zTXt": b"k\x00\x00", b"iCCP": b"p\x00\x00", b"iTXt": b"k\x00\x01\x00\x00\x00"}[kind] + bomb
    return png_of_zeros(8, 8, extra=png_chunk(kind, body))


def bmp_rle8(width: int, height: int, rle: bytes) -> bytes:
    """An 8-bit BMP compressed with RLE8 (BI_RLE8), of any claimed size, with the given RLE codes."""
    palette = b"".join(struct.pack("<BBBB", grey, grey, grey, 0) for grey in range(256))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(rle), 2835, 2835, 256, 0)
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(rle), 0, 0, offset) + info + palette + rle


def bmp_rle_cpu_bomb() -> bytes:
    """1.1 KB claiming 5,000,000 x 16 pixels (80 MP, under the limit): each row is one pixel and an
    end-of-line code, which Pillow's pure-Python RLE decoder pads one byte at a time."""
    return bmp_rle8(5_000_000, 16, b"\x01\x07\x00\x00" * 16 + b"\x00\x01")


def noisy_jpeg(width: int = 320, height: int = 180, *, seed: int = 1) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    return encode(Image.fromarray(pixels), "JPEG", quality=90)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flipped(data: bytes, *, seed: int = 3, count: int = 40) -> bytes:
    """``data`` with ``count`` random bytes of its second half overwritten (a damaged transfer)."""
    damaged = bytearray(data)
    rng = np.random.default_rng(seed)
    for position in rng.integers(len(data) // 2, len(data), count):
        damaged[position] = int(rng.integers(0, 256))
    return bytes(damaged)


def animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (48, 27), colour) for colour in ((200, 30, 40), (20, 160, 90), (30, 40, 200))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)


def sixteen_bit_rgb_png(width: int = 24, height: int = 16) -> bytes:
    row = b"\x00" + struct.pack(">HHH", 60000, 9000, 12000) * width
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(row * height))
        + png_chunk(b"IEND", b"")
    )


def long_key(total_bytes: int, *, film: str = "f", char: str = "a", suffix: str = ".jpg") -> str:
    """A key of exactly ``total_bytes`` UTF-8 bytes (S3 allows 1024) under ``stills/<film>/``."""
    head = f"stills/{film}/"
    budget = total_bytes - len(head.encode()) - len(suffix.encode())
    width = len(char.encode())
    name = char * (budget // width) + "x" * (budget % width)
    key = head + name + suffix
    assert len(key.encode()) == total_bytes
    return key


# Bombs and pixel floods, also measured for memory in a fresh process (see test_hostile.py).
BOMBS = [
    HostileCase("png-header-200000x200000", lambda: png_header_only(200_000, 200_000), TOO_LARGE),
    HostileCase("png-zeros-12000x12000", lambda: png_of_zeros(12_000, 12_000), TOO_LARGE),
    HostileCase("gif-65535x65535", gif_bomb, TOO_LARGE | CORRUPT),
    HostileCase("png-ztxt-50MB", lambda: png_with_text_bomb(b"zTXt"), CORRUPT),
    HostileCase("png-iccp-50MB", lambda: png_with_text_bomb(b"iCCP"), CORRUPT),
]
# A kilobyte that would cost seconds of CPU to decode: refused before decoding (see test_hostile.py).
CPU_BOMBS = [HostileCase("bmp-rle8-5000000x16", bmp_rle_cpu_bomb, TOO_LARGE)]
# Within the pixel limit (100 MP, palettes.loading.DEFAULT_MAX_PIXELS) but decoded in full: memory grows
# with pixels.
PIXEL_FLOODS = [
    HostileCase("png-rgb-zeros-9000x9000", lambda: png_of_zeros(9000, 9000), DONE),
    HostileCase(
        "png-grey16-zeros-9000x9000", lambda: png_of_zeros(9000, 9000, bit_depth=16, colour_type=0), DONE
    ),
]

CORPUS = [
    *BOMBS,
    HostileCase("truncated-jpeg", lambda: noisy_jpeg()[:3000], CORRUPT),
    HostileCase(
        "truncated-png",
        lambda: truncated(encode(Image.new("RGB", (200, 200), (9, 9, 9)).effect_spread(3), "PNG")),
        CORRUPT,
    ),
    HostileCase("header-only-jpeg", lambda: noisy_jpeg()[:200], CORRUPT),
    # Damaged data may still decode (to odd colours): either outcome is fine, a crash or a retry is not.
    HostileCase("bit-flipped-jpeg", lambda: flipped(noisy_jpeg()), DONE | CORRUPT),
    HostileCase(
        "bit-flipped-png",
        lambda: flipped(encode(Image.new("RGB", (64, 64), (90, 20, 20)), "PNG")),
        DONE | CORRUPT,
    ),
    HostileCase("zero-bytes", lambda: b"", CORRUPT),
    HostileCase("text", lambda: b"just some notes about the shot\n" * 20, UNSUPPORTED),
    HostileCase(
        "html", lambda: b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>", UNSUPPORTED
    ),
    HostileCase(
        "svg",
        lambda: (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>'
        ),
        UNSUPPORTED,
        key="stills/hostile/vector.png",
    ),
    HostileCase("pdf", lambda: b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", UNSUPPORTED),
    HostileCase(
        "zip",
        lambda: b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(64),
        UNSUPPORTED,
        key="stills/hostile/archive.png",
    ),
    HostileCase("one-pixel", lambda: encode(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"), DONE),
    HostileCase("1x100000", lambda: encode(Image.new("RGB", (1, 100_000), (200, 120, 30)), "PNG"), DONE),
    HostileCase("100000x1-jpeg", lambda: encode(Image.new("RGB", (60_000, 1), (30, 60, 200)), "JPEG"), DONE),
    HostileCase("animated-gif", lambda: animated("GIF"), DONE, key="stills/hostile/loop.gif"),
    HostileCase("animated-webp", lambda: animated("WEBP"), DONE, key="stills/hostile/loop.webp"),
    HostileCase("png-16-bit-rgb", sixteen_bit_rgb_png, DONE, key="stills/hostile/deep.png"),
    HostileCase("png-16-bit-grey", lambda: encode(Image.new("I;16", (40, 30), 40000), "PNG"), DONE),
    HostileCase("cmyk-jpeg", lambda: encode(Image.new("CMYK", (40, 30), (0, 200, 200, 0)), "JPEG"), DONE),
    HostileCase(
        "fully-transparent-png",
        lambda: encode(Image.new("RGBA", (20, 20), (0, 0, 0, 0)), "PNG"),
        frozenset({"no_usable_pixels"}),
    ),
    HostileCase("bad-option", make_jpeg, frozenset({"invalid_parameter"}), metadata={"k": "100000"}),
    HostileCase(
        "option-injection",
        make_jpeg,
        frozenset({"invalid_parameter"}),
        metadata={"method": "../../etc/passwd"},
    ),
]

ODD_KEYS = [
    HostileCase(
        "dot-dot-name", make_jpeg, frozenset({"invalid_key"}), key="stills/hostile/../../palettes/x.jpg"
    ),
    HostileCase("dot-name", make_jpeg, DONE, key="stills/hostile/..jpg"),
    HostileCase("percent-00-text", make_jpeg, DONE, key="stills/hostile/a%00b%2F..%2Fc.jpg"),
    HostileCase("nul-character", make_jpeg, DONE, key="stills/hostile/a\x00b.jpg"),
    HostileCase("newline", make_jpeg, DONE, key="stills/hostile/line\nbreak\r.jpg"),
    HostileCase("non-ascii-nfc", make_jpeg, DONE, key="stills/Amélie/plan ñ 東京 🎬.jpg"),
    HostileCase("non-ascii-nfd", make_jpeg, DONE, key="stills/Ame\u0301lie/plan n\u0303.jpg"),
    HostileCase("right-to-left", make_jpeg, DONE, key="stills/hostile/\u202egpj.exe"),
    HostileCase("plus-and-spaces", make_jpeg, DONE, key="stills/hostile/a + b  c.jpg"),
    HostileCase("long-900-bytes-non-ascii", make_jpeg, DONE, key=long_key(900, char="é")),
    HostileCase("long-1000-bytes", make_jpeg, DONE, key=long_key(1000)),
]
# Keys whose outputs or index key would exceed a service limit: S3 keys are at most 1024 bytes and the
# ByFilmNewest sort key (``<updated_at>#<name>``) at most 1024 bytes.
# Either is fine (outputs under shortened keys, or a FAILED item saying why); a retried error is not.
OVERLONG_KEYS = [
    HostileCase("long-1010-bytes", make_jpeg, DONE | {"invalid_key"}, key=long_key(1010)),
    HostileCase("long-1024-bytes", make_jpeg, DONE | {"invalid_key"}, key=long_key(S3_MAX_KEY_BYTES)),
]
