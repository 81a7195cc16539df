"""The corpus of bad and odd images, made here, with the outcome each must get."""

import io
import struct

import numpy as np
import pytest
from PIL import Image, ImageCms

import palettes
import palettes.loading
from palettes.loading import load_image
from tests.unit.images import encode, png_header_only, solid

RED = (200, 30, 40)


def _jpeg(size=(64, 48), rgb=RED) -> bytes:
    return encode(solid(rgb, size), "JPEG", quality=95)


@pytest.mark.parametrize(
    ("data", "error", "fragment"),
    [
        (b"", palettes.CorruptImageError, "empty"),
        (b"this is plain text, not a jpeg\n" * 4, palettes.UnsupportedFormatError, "supported format"),
        (b"<html><body>hello</body></html>", palettes.UnsupportedFormatError, "supported format"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', palettes.UnsupportedFormatError, "supported format"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", palettes.UnsupportedFormatError, "supported format"),
        (b"PK\x03\x04" + bytes(40), palettes.UnsupportedFormatError, "supported format"),
        (png_header_only(200_000, 200_000), palettes.ImageTooLargeError, "too large"),
        (png_header_only(20_000, 20_000), palettes.ImageTooLargeError, "limit"),
    ],
    ids=["zero-bytes", "text-named-jpg", "html", "svg", "pdf", "zip", "png-bomb", "png-over-limit"],
)
def test_bad_input_gets_a_typed_error(data, error, fragment) -> None:
    with pytest.raises(error, match=fragment) as caught:
        palettes.extract(data)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, palettes.PaletteError) and caught.value.code


def test_truncated_jpeg_is_corrupt() -> None:
    noisy = Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    data = encode(noisy, "JPEG", quality=90)
    with pytest.raises(palettes.CorruptImageError, match=r"truncated|damaged"):
        palettes.extract(data[: len(data) // 3])


def test_truncated_png_is_corrupt() -> None:
    noisy = Image.fromarray(np.random.default_rng(2).integers(0, 255, (200, 200, 3), dtype=np.uint8))
    data = encode(noisy, "PNG")
    with pytest.raises(palettes.CorruptImageError):
        palettes.extract(data[: len(data) // 2])


def test_gif_bomb_header_is_refused_before_decoding() -> None:
    data = bytearray(encode(solid(RED, (10, 10), "RGB").convert("P"), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen
    with pytest.raises((palettes.ImageTooLargeError, palettes.CorruptImageError)):
        palettes.extract(bytes(data), max_pixels=1_000_000)


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(palettes.ImageTooLargeError):
        palettes.extract(_jpeg((100, 100)), max_pixels=5_000)


# A header-only PNG passes the pixel limit or not, then fails to decode for want of data: a
# CorruptImageError shows that the size was accepted (Pillow reserves the pixels lazily).
@pytest.mark.parametrize(
    ("size", "max_pixels"),
    [
        ((10_000, 9_000), palettes.loading.DEFAULT_MAX_PIXELS),  # 90 MP: above Pillow's own 89.5 MP
        ((10_000, 10_000), palettes.loading.DEFAULT_MAX_PIXELS),  # exactly the limit
        ((15_000, 14_000), 250_000_000),  # 210 MP: above twice Pillow's limit, where it refuses outright
        ((2_501, 2), 5_002),
    ],
)
def test_an_image_within_the_pixel_limit_is_accepted(size, max_pixels) -> None:
    with pytest.raises(palettes.CorruptImageError, match="truncated"):
        palettes.extract(png_header_only(*size), max_pixels=max_pixels)


@pytest.mark.parametrize(
    ("size", "max_pixels"),
    [
        ((10_000, 9_000), 80_000_000),
        ((10_000, 10_001), palettes.loading.DEFAULT_MAX_PIXELS),
        ((15_000, 14_000), 200_000_000),
        ((2_501, 2), 5_001),  # an odd limit: one pixel over it
    ],
)
def test_an_image_above_the_pixel_limit_is_refused(size, max_pixels) -> None:
    with pytest.raises(palettes.ImageTooLargeError, match=f"{max_pixels:,}|{max_pixels}"):
        palettes.extract(png_header_only(*size), max_pixels=max_pixels)


def test_threads_decoding_with_other_limits_each_get_their_own() -> None:
    from concurrent.futures import ThreadPoolExecutor

    data = png_header_only(10_000, 9_000)

    def outcome(max_pixels: int) -> str:
        try:
            palettes.extract(data, max_pixels=max_pixels)
        except palettes.PaletteError as error:
            return error.code
        return "done"

    limits = [80_000_000, 100_000_000] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(outcome, limits))
    assert outcomes == ["image_too_large", "corrupt_image"] * 8


def test_pillows_own_limit_is_left_as_it_was() -> None:
    before = Image.MAX_IMAGE_PIXELS
    for data in (png_header_only(10_000, 9_000), png_header_only(200_000, 200_000), _jpeg()):
        try:
            palettes.extract(data)
        except palettes.PaletteError:
            pass
        assert Image.MAX_IMAGE_PIXELS == before


def test_one_pixel_image() -> None:
    palette = palettes.extract(encode(solid(RED, (1, 1)), "PNG"))
    assert [color.rgb for color in palette.colors] == [RED]
    assert palette.colors[0].proportion == 1.0


def test_very_thin_image() -> None:
    palette = palettes.extract(encode(solid((10, 120, 200), (100_000, 1)), "PNG"))
    assert palette.source.width == 100_000
    assert [color.hex for color in palette.colors] == ["#0a78c8"]


def test_single_colour_gives_one_colour() -> None:
    palette = palettes.extract(encode(solid(RED, (120, 80)), "PNG"), k=8)
    assert len(palette.colors) == 1
    assert palette.colors[0].rgb == RED


def test_fully_transparent_has_no_usable_pixels() -> None:
    with pytest.raises(palettes.NoUsablePixelsError, match="opaque"):
        palettes.extract(encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG"))


def test_transparent_pixels_are_left_out_not_black() -> None:
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((30, 160, 90, 255), (0, 0, 10, 40))
    palette = palettes.extract(encode(image, "PNG"))
    assert [color.rgb for color in palette.colors] == [(30, 160, 90)]
    assert palette.source.counted_pixels == 400


def test_palette_mode_with_transparency() -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 0, 250, 200, 20] + [0] * 762)
    image.paste(1, (0, 0, 20, 5))
    data = encode(image, "PNG", transparency=0)
    palette = palettes.extract(data)
    assert [color.rgb for color in palette.colors] == [(250, 200, 20)]


def test_greyscale_with_alpha() -> None:
    image = Image.new("LA", (10, 10), (90, 255))
    assert palettes.extract(encode(image, "PNG")).colors[0].rgb == (90, 90, 90)


def test_cmyk_jpeg() -> None:
    image = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # pure red ink
    palette = palettes.extract(encode(image, "JPEG", quality=95))
    red, green, blue = palette.colors[0].rgb
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    values = np.full((32, 32), 32768, dtype=np.uint16)  # mid grey in 16 bits
    image = Image.fromarray(values)
    assert image.mode.startswith("I;16")
    palette = palettes.extract(encode(image, "PNG"))
    assert palette.colors[0].rgb == (128, 128, 128)


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [solid((0, 0, 255), (16, 16)).convert("P"), solid((255, 0, 0), (16, 16)).convert("P")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    palette = palettes.extract(buffer.getvalue())
    assert [color.rgb for color in palette.colors] == [(0, 0, 255)]


def test_exif_rotation_swaps_the_reported_size() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = encode(solid(RED, (80, 20)), "JPEG", exif=exif.tobytes())
    palette = palettes.extract(data)
    assert (palette.source.width, palette.source.height) == (20, 80)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "TIFF", "BMP"])
def test_every_supported_format(fmt) -> None:
    image = solid((20, 90, 200), (48, 32))
    if fmt == "GIF":
        image = image.convert("P")
    palette = palettes.extract(encode(image, fmt), k=3)
    assert palette.source.format == fmt
    tolerance = 24 if fmt == "GIF" else 8  # GIF quantises to a 256-colour web palette
    red, green, blue = palette.colors[0].rgb
    assert abs(red - 20) < tolerance and abs(green - 90) < tolerance and abs(blue - 200) < tolerance


def test_sources_path_bytes_and_file(tmp_path) -> None:
    data = _jpeg()
    path = tmp_path / "still.jpg"
    path.write_bytes(data)
    from_path = palettes.extract(path).to_dict()["colors"]
    assert palettes.extract(str(path)).to_dict()["colors"] == from_path
    assert palettes.extract(data).to_dict()["colors"] == from_path
    assert palettes.extract(io.BytesIO(data)).to_dict()["colors"] == from_path


def test_missing_path_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(palettes.CorruptImageError, match="no such file"):
        palettes.extract(tmp_path / "nope.jpg")


def test_big_jpeg_is_decoded_at_reduced_size() -> None:
    data = _jpeg((4000, 3000))
    loaded = load_image(data)
    assert (loaded.width, loaded.height) == (4000, 3000)
    assert loaded.analysed_width * loaded.analysed_height <= 4 * 100_000
    assert len(loaded.pixels) == loaded.analysed_width * loaded.analysed_height


def test_embedded_icc_profile_is_converted_to_srgb() -> None:
    # The same code values tagged as CIE Lab-ish wide gamut would shift; a profile that is sRGB
    # itself must leave colours where they are.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = palettes.extract(encode(solid(RED, (30, 30)), "PNG", icc_profile=srgb))
    assert tagged.colors[0].rgb == RED


def test_damaged_icc_profile_falls_back_to_srgb() -> None:
    palette = palettes.extract(encode(solid(RED, (30, 30)), "PNG", icc_profile=b"not a profile"))
    assert palette.colors[0].rgb == RED
