"""The benchmark's image sets, written to a work folder: the sample stills, the seeded film-like stills
(bench/filmlike.py) and their downscales, the seeded synthetic accent set (with its ground truth) and a
24-megapixel frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from bench.filmlike import FILM_SIZES, downscales, generate_film_set
from bench.methods import Rgb
from bench.plan import Plan
from bench.synthetic import generate_accent_set

STILLS = Path(__file__).resolve().parents[1] / "samples" / "stills"
BIG_SIZE = (6000, 4000)
JPEG_QUALITY = 90


@dataclass
class ImageSets:
    """Paths by set name (stills, film-WxH..., synthetic), the accents planted in each synthetic still,
    the downscales of each film-like still (its 1/2 and 1/4 copies at least 480 px wide), the 24 MP
    frame, the still each worker warms up on, and the one the cold starts extract."""

    sets: dict[str, list[str]]
    synthetic_truth: dict[str, list[Rgb]]
    downscaled: dict[str, list[str]]
    big: str
    warmup: str
    cold_image: str


def evenly_spaced[T](items: Sequence[T], count: int) -> list[T]:
    """`count` items spread evenly over `items`, first and last included (all of them if too few)."""
    if count >= len(items):
        return list(items)
    if count <= 0:
        return []
    if count == 1:
        return [items[len(items) // 2]]
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def film_set(count: int, size: tuple[int, int], workdir: Path) -> tuple[list[str], dict[str, list[str]]]:
    """bench/filmlike.py's stills at `size`, seed 0: their paths, and the paths of each one's downscales."""
    width, height = size
    folder = workdir / f"film-{width}x{height}"
    folder.mkdir()
    paths: list[str] = []
    copies: dict[str, list[str]] = {}
    for still in generate_film_set(count, size, seed=0):
        target = folder / f"{still.name}.jpg"
        target.write_bytes(still.jpeg)
        paths.append(str(target))
        copies[str(target)] = []
        for divisor, jpeg in downscales(still.jpeg):
            copy = folder / f"{still.name}-1of{divisor}.jpg"
            copy.write_bytes(jpeg)
            copies[str(target)].append(str(copy))
    return paths, copies


def synthetic_set(count: int, workdir: Path) -> tuple[list[str], dict[str, list[Rgb]]]:
    """bench/synthetic.py's accent set, seed 0: the paths, and the accents planted in each."""
    folder = workdir / "synthetic"
    folder.mkdir()
    paths: list[str] = []
    truth: dict[str, list[Rgb]] = {}
    for case in generate_accent_set(count, seed=0):
        target = folder / f"{case.name}.jpg"
        target.write_bytes(case.jpeg)
        paths.append(str(target))
        truth[str(target)] = list(case.accents)
    return paths, truth


def big_image(stills: Sequence[Path], workdir: Path) -> Path:
    """A sample upscaled to 6000x4000 plus luminance grain, so the JPEG holds real detail to decode."""
    source = next((path for path in stills if path.stem == "coffee"), stills[0])
    with Image.open(source) as opened:
        big = np.asarray(ImageOps.fit(opened.convert("RGB"), BIG_SIZE, Image.Resampling.BICUBIC)).copy()
    rng = np.random.default_rng(0)
    for row in range(0, big.shape[0], 500):  # in bands, to keep the parent's memory flat
        chunk = big[row : row + 500].astype(np.int16)
        chunk += np.rint(rng.normal(0.0, 4.0, size=(*chunk.shape[:2], 1))).astype(np.int16)
        big[row : row + 500] = np.clip(chunk, 0, 255).astype(np.uint8)
    path = workdir / f"{source.stem}-6000x4000.jpg"
    Image.fromarray(big).save(path, "JPEG", quality=JPEG_QUALITY)
    return path


def prepare_images(plan: Plan, workdir: Path) -> ImageSets:
    """Write every set of `plan` under `workdir` (an empty folder)."""
    stills = evenly_spaced(sorted(STILLS.glob("*.jpg")), plan.stills)
    if not stills:
        raise SystemExit(f"no sample stills in {STILLS}: run samples/make_samples.py")
    sets: dict[str, list[str]] = {"stills": [str(path) for path in stills]}
    downscaled: dict[str, list[str]] = {}
    for width, height in FILM_SIZES:
        sets[f"film-{width}x{height}"], copies = film_set(plan.film_stills, (width, height), workdir)
        downscaled.update(copies)
    sets["synthetic"], truth = synthetic_set(plan.synthetic, workdir)
    big = big_image(stills, workdir)
    warmup = str(min(STILLS.glob("*.jpg"), key=lambda path: path.stat().st_size))
    return ImageSets(sets, truth, downscaled, str(big), warmup, sets["film-1920x1080"][0])
