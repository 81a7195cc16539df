"""Image loading a service can trust: format allow-list, pixel limit before decoding, reduced-size
decoding, EXIF orientation, ICC profiles to sRGB, every mode to RGB plus a mask of counted pixels."""

from __future__ import annotations

import io
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from palettes.errors import CorruptImageError, ImageTooLargeError, UnsupportedFormatError

ImageSource = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

SUPPORTED_FORMATS: Final = ("JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP")
# 100 MP: above any still camera in use; a bigger header is a decompression bomb.
DEFAULT_MAX_PIXELS: Final = 100_000_000
# About this many pixels are analysed (from half to twice as many). A 0.5% accent still keeps a
# few hundred pixels, and JPEG's DCT scaling gets there without an inverse DCT at full size.
ANALYSIS_PIXELS: Final = 50_000
# Pillow decodes run-length BMPs in pure Python, padding rows byte by byte: a 1 KB file claiming
# millions of pixels would cost seconds. Real RLE BMPs are small icons and scans.
MAX_RLE_BMP_PIXELS: Final = 4_000_000
# A pixel counts when it is at least half opaque; transparent pixels carry no colour of the still.
OPAQUE_THRESHOLD: Final = 128

_SRGB_PROFILE = ImageCms.createProfile("sRGB")
_EXIF_ORIENTATION_TAG: Final = 0x0112
_ORIENTATION_TRANSPOSE: Final = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True)
class LoadedImage:
    """Pixels ready for clustering.

    ``pixels`` is an (N, 3) uint8 sRGB array of the counted pixels only (transparent ones are
    already left out); ``width`` and ``height`` are those of the still as displayed (after EXIF
    orientation), not of the reduced copy that was analysed.
    """

    pixels: NDArray[np.uint8]
    width: int
    height: int
    format: str
    analysed_width: int
    analysed_height: int


def load_image(
    source: ImageSource,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    analysis_pixels: int = ANALYSIS_PIXELS,
) -> LoadedImage:
    """Decode ``source`` (a path, bytes or a binary file) into counted sRGB pixels.

    Raises :class:`UnsupportedFormatError`, :class:`CorruptImageError` or
    :class:`ImageTooLargeError`; never decodes more than ``max_pixels`` pixels. That limit is the
    only one on the pixel count: Pillow's own is set to it for the call, and restored after.
    """
    stream = _open_stream(source)
    try:
        with _pillow_pixel_limit(max_pixels), _open(stream) as image:
            return _decode(image, max_pixels=max_pixels, analysis_pixels=analysis_pixels)
    except Image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"image is too large to decode safely: {exc}") from None


# Pillow's limit is one global, read while opening and while loading; one decode at a time
# sets it, so that threads decoding with other limits never see each other's.
_PILLOW_LIMIT_LOCK: Final = threading.Lock()


@contextmanager
def _pillow_pixel_limit(max_pixels: int) -> Iterator[None]:
    """Pillow's decompression-bomb check made to refuse exactly above ``max_pixels`` for the
    duration, then restored.

    Pillow refuses an image above twice its ``MAX_IMAGE_PIXELS`` (checking headers, a WebP canvas
    before it is allocated, GIF frames, TIFF tiles) and only warns above it; the warning is
    silenced, and :func:`_decode` checks the exact size itself before decoding.
    """
    with _PILLOW_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = (max_pixels + 1) // 2
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _open(stream: IO[bytes]) -> Image.Image:
    """The image's header, read by the decoder of one of the supported formats."""
    try:
        return Image.open(stream, formats=SUPPORTED_FORMATS)
    except UnidentifiedImageError:
        raise UnsupportedFormatError(
            "not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImageError(f"image header is damaged: {exc}") from None


def _open_stream(source: ImageSource) -> IO[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) == 0:
            raise CorruptImageError("the file is empty (0 bytes)")
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CorruptImageError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise CorruptImageError(f"{path} is a directory, not an image") from None
        if not data:
            raise CorruptImageError("the file is empty (0 bytes)")
        return io.BytesIO(data)
    return source


def _decode(image: Image.Image, *, max_pixels: int, analysis_pixels: int) -> LoadedImage:
    width, height = image.size
    _check_size(image, max_pixels)
    orientation = _orientation(image)
    rgb, opaque = _reduced_rgb(image, analysis_pixels)
    for step in _ORIENTATION_TRANSPOSE.get(orientation, ()):
        rgb = rgb.transpose(step)
        opaque = opaque.transpose(step) if opaque is not None else None
    if orientation in (5, 6, 7, 8):
        width, height = height, width

    array = np.asarray(rgb, dtype=np.uint8).reshape(-1, 3)
    if opaque is not None:
        array = array[np.asarray(opaque).reshape(-1) >= OPAQUE_THRESHOLD]
    return LoadedImage(
        pixels=np.ascontiguousarray(array),
        width=width,
        height=height,
        format=image.format or "unknown",
        analysed_width=rgb.width,
        analysed_height=rgb.height,
    )


def _check_size(image: Image.Image, max_pixels: int) -> None:
    """Refuse, from the header alone, an empty size, more than ``max_pixels`` pixels, or a
    run-length BMP too large for its slow decoder."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImageError(f"image declares an empty size {width}x{height}")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"image is {width}x{height} ({width * height:,} pixels); the limit is {max_pixels:,}"
        )
    if image.format == "BMP" and width * height > MAX_RLE_BMP_PIXELS and _is_run_length(image):
        raise ImageTooLargeError(
            f"run-length BMP of {width}x{height}; above {MAX_RLE_BMP_PIXELS:,} pixels it is refused "
            "(its decoder is too slow); save the still as PNG or JPEG"
        )


def _reduced_rgb(image: Image.Image, analysis_pixels: int) -> tuple[Image.Image, Image.Image | None]:
    """The image decoded at about ``analysis_pixels`` pixels, as RGB, and its alpha if any."""
    width, height = image.size
    icc_profile = image.info.get("icc_profile")
    try:
        if image.format in ("JPEG", "MPO") and width * height > analysis_pixels:
            # DCT scaling: libjpeg decodes at 1/2, 1/4 or 1/8 size directly, the cheapest way
            # to keep a 24-megapixel still from ever becoming a 24-megapixel array.
            scale = (analysis_pixels / (width * height)) ** 0.5
            image.draft(image.mode, (max(1, int(width * scale)), max(1, int(height * scale))))
        image.load()
        sixteen_bit = image.mode.startswith("I;16")
        if sixteen_bit:
            image = image.convert("I")  # Pillow cannot reduce I;16; 32-bit integers it can
        reduced = _reduce(image, analysis_pixels)
        if reduced.mode in ("I", "F"):
            # Scaled after the reduction, so the full-size image is never held as floats.
            reduced = _high_bit_depth_to_l(reduced, sixteen_bit=sixteen_bit)
        return _to_rgb(reduced, icc_profile)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise CorruptImageError(f"image data is truncated or damaged: {exc}") from None


def _is_run_length(image: Image.Image) -> bool:
    tiles = image.tile if isinstance(image, ImageFile.ImageFile) else []
    return any(tile.codec_name.startswith("bmp_rle") for tile in tiles)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1  # a damaged EXIF block should not cost the palette
    return value if isinstance(value, int) else 1


def _reduce(image: Image.Image, analysis_pixels: int) -> Image.Image:
    factor = round((image.width * image.height / analysis_pixels) ** 0.5)
    if factor < 2:
        return image
    if image.mode in ("P", "PA", "1"):
        image = image.convert("RGBA" if _has_transparency(image) else "RGB")
    # Box reduction averages each block: grain goes, colours stay.
    return image.reduce(factor)


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _to_rgb(image: Image.Image, icc_profile: bytes | None) -> tuple[Image.Image, Image.Image | None]:
    """Return an RGB image and, when the source has transparency, its alpha channel."""
    mode = image.mode
    alpha: Image.Image | None = None
    if _has_transparency(image):
        rgba = image.convert("RGBA")
        alpha = rgba.getchannel("A")
        image = rgba.convert("RGB")
    elif mode == "CMYK" and icc_profile:
        pass  # the ICC transform below handles CMYK properly; a naive convert would not
    elif mode != "RGB":
        image = image.convert("RGB")
    if icc_profile:
        image = _to_srgb(image, icc_profile)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image, alpha


def _high_bit_depth_to_l(image: Image.Image, *, sixteen_bit: bool) -> Image.Image:
    # Pillow's convert("L") clips 16-bit values at 255 (a mostly white result); scale instead.
    values = np.asarray(image, dtype=np.float64)
    top = 65535.0 if sixteen_bit or values.max(initial=0) > 255 else 255.0
    if image.mode == "F" and values.max(initial=0) <= 1.0:
        top = 1.0
    scaled = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled)


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(image, source_profile, _SRGB_PROFILE, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # An unreadable or mismatched profile: fall back to treating the data as sRGB.
        return image.convert("RGB") if image.mode != "RGB" else image
    return converted if converted is not None else image
