"""Regenerate samples/stills/ and samples/LICENSES.md from the images inside the installed scikit-image wheel.

Run with the project's venv: `.venv/bin/python samples/make_samples.py`. Each source file is checked against
the SHA-256 that scikit-image's own data registry records, so the provenance is the wheel's, not a download.
"""

from __future__ import annotations

import argparse
import hashlib
import io
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from PIL import Image

SAMPLES_DIR = Path(__file__).resolve().parent
STILLS_DIR = SAMPLES_DIR / "stills"
LICENSES_PATH = SAMPLES_DIR / "LICENSES.md"
LONG_SIDE_MAX = 1280
JPEG_QUALITY = 90


@dataclass(frozen=True)
class SampleSource:
    """One still: where it comes from inside skimage and under which terms it may be redistributed."""

    source: str  # path relative to the skimage package, as in skimage/data/_registry.py
    loader: str  # the skimage.data function whose docstring states the licence
    subject: str
    author: str
    licence: str


# The licence text of each entry is quoted from the docstring of its loader in skimage/data/_fetchers.py.
# Left out on purpose: motorcycle_left.png (Middlebury stereo set, no licence stated), ihc.png and coins.png
# ("no known copyright restrictions" without an owner or a dedication), and the grey or synthetic images.
SOURCES: tuple[SampleSource, ...] = (
    SampleSource(
        "data/astronaut.png",
        "skimage.data.astronaut",
        "Astronaut Eileen Collins, NASA portrait",
        "NASA (via the NASA Great Images database, https://flic.kr/p/r9qvLn)",
        'Public domain (NASA work). skimage: "No known copyright restrictions, released into the public '
        'domain."',
    ),
    SampleSource(
        "data/chelsea.png",
        "skimage.data.chelsea",
        "Chelsea the cat",
        "Stefan van der Walt",
        'CC0 1.0. skimage: "No copyright restrictions. CC0 by the photographer (Stefan van der Walt)."',
    ),
    SampleSource(
        "data/coffee.png",
        "skimage.data.coffee",
        "Coffee cup on a wooden table (courtesy of Pikolo Espresso Bar)",
        "Rachel Michetti",
        'CC0 1.0. skimage: "No copyright restrictions. CC0 by the photographer (Rachel Michetti)."',
    ),
    SampleSource(
        "data/rocket.jpg",
        "skimage.data.rocket",
        "Launch of DSCOVR on a Falcon 9, Cape Canaveral",
        "SpaceX (https://www.flickr.com/photos/spacexphotos/16511594820/)",
        'Public domain. skimage: "The image was captured by SpaceX and released in the public domain."',
    ),
    SampleSource(
        "data/hubble_deep_field.jpg",
        "skimage.data.hubble_deep_field",
        "Hubble eXtreme Deep Field",
        "NASA / HubbleSite (release 2012-37)",
        'Public domain (NASA work). skimage: "captured by NASA and may be freely used in the public domain."',
    ),
    SampleSource(
        "data/retina.jpg",
        "skimage.data.retina",
        "Fundus photograph of a normal left eye",
        "Mikael Häggström (Wikimedia Commons, File:Fundus_photograph_of_normal_left_eye.jpg)",
        'CC0 1.0. skimage: "made available under the Creative Commons CC0 1.0 Universal Public Domain '
        'Dedication."',
    ),
)


def skimage_root() -> Path:
    """The installed skimage package directory (imports only the package, not its data fetchers)."""
    import skimage

    return Path(skimage.__file__).resolve().parent


def registry_hashes() -> dict[str, str]:
    from skimage.data._registry import registry

    return dict(registry)


def still_name(source: str) -> str:
    return Path(source).stem.replace("_", "-") + ".jpg"


def render_still(source_path: Path) -> bytes:
    """Decode, flatten to sRGB, cap the long side and encode as a quality-90 baseline JPEG."""
    with Image.open(source_path) as opened:
        image = opened.convert("RGB")
    scale = LONG_SIDE_MAX / max(image.size)
    if scale < 1:
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No EXIF/ICC: the sources carry none worth keeping, and it keeps the bytes reproducible.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, subsampling="4:2:0")
    return buffer.getvalue()


def licences_markdown(rows: list[tuple[SampleSource, str, str, tuple[int, int]]]) -> str:
    lines = [
        "# Sample stills: sources and licences",
        "",
        "Every file in `stills/` is a photograph shipped inside the scikit-image wheel "
        f"(checked with scikit-image {version('scikit-image')}), re-encoded by "
        "`samples/make_samples.py` as a "
        f"quality-{JPEG_QUALITY} JPEG with its long side at most {LONG_SIDE_MAX} px. The licence of each is "
        "the one stated in the docstring of its loader in `skimage/data/_fetchers.py`; only images that are "
        "public domain or dedicated to it under CC0 are shipped, so they may be redistributed and modified "
        "without conditions. The source SHA-256 is the one scikit-image's `skimage/data/_registry.py` "
        "records.",
        "",
        "| file | size | source in skimage | loader | subject | author / original source | licence "
        "| source SHA-256 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for sample, name, digest, (width, height) in rows:
        lines.append(
            f"| `stills/{name}` | {width}x{height} | `skimage/{sample.source}` | `{sample.loader}` "
            f"| {sample.subject} | {sample.author} | {sample.licence} | `{digest[:16]}…` |"
        )
    lines += [
        "",
        "Not shipped: `motorcycle_left.png` / `motorcycle_right.png` (Middlebury 2014 stereo set; no licence "
        'is stated), `ihc.png` and `coins.png` ("no known copyright restrictions", with no owner\'s '
        "dedication), and the grey-level, texture or synthetic images.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=STILLS_DIR, help="directory for the JPEG stills")
    args = parser.parse_args()

    root = skimage_root()
    hashes = registry_hashes()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    total = 0
    for sample in SOURCES:
        source_path = root / sample.source
        digest = hashlib.sha256(source_path.read_bytes()).hexdigest()
        expected = hashes.get(sample.source)
        if expected is not None and digest != expected:
            raise SystemExit(f"{source_path}: SHA-256 {digest} differs from skimage's registry {expected}")
        jpeg = render_still(source_path)
        name = still_name(sample.source)
        (args.out / name).write_bytes(jpeg)
        with Image.open(io.BytesIO(jpeg)) as written:
            size = written.size
        rows.append((sample, name, digest, size))
        total += len(jpeg)
        kib = len(jpeg) / 1024
        print(f"{name:24s} {size[0]:5d}x{size[1]:<5d} {kib:7.1f} KiB  from skimage/{sample.source}")
    print(f"total {total / 1024 / 1024:.2f} MiB in {args.out}")
    if args.out == STILLS_DIR:
        LICENSES_PATH.write_text(licences_markdown(rows), encoding="utf-8")
        print(f"wrote {LICENSES_PATH}")


if __name__ == "__main__":
    main()
