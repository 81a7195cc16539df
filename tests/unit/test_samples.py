"""The shipped sample stills: small real JPEGs, each with a stated licence, reproducible from skimage."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
STILLS = sorted((SAMPLES / "stills").glob("*"))


def test_between_six_and_eight_stills_under_the_size_budget() -> None:
    assert 6 <= len(STILLS) <= 8
    assert sum(path.stat().st_size for path in STILLS) < 2.5 * 1024 * 1024


@pytest.mark.parametrize("path", STILLS, ids=lambda path: path.name)
def test_each_still_is_a_colour_jpeg_of_bounded_size(path: Path) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.jpg", path.name), "kebab-case .jpg names"
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert max(image.size) <= 1280
        pixels = np.asarray(image, dtype=np.int16)
    # A colour photograph, not a grey image stored as RGB.
    assert np.abs(pixels[..., 0] - pixels[..., 2]).mean() > 2


@pytest.mark.parametrize("path", STILLS, ids=lambda path: path.name)
def test_each_still_has_a_licence_entry(path: Path) -> None:
    licences = (SAMPLES / "LICENSES.md").read_text(encoding="utf-8")
    rows = [line for line in licences.splitlines() if f"`stills/{path.name}`" in line]
    assert len(rows) == 1
    assert "CC0" in rows[0] or "Public domain" in rows[0]


def _make_samples_module():
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_stills_are_regenerated_from_the_installed_skimage_wheel(tmp_path: Path) -> None:
    pytest.importorskip("skimage")
    make_samples = _make_samples_module()
    shipped = {path.name for path in STILLS}
    assert {make_samples.still_name(sample.source) for sample in make_samples.SOURCES} == shipped
    root = make_samples.skimage_root()
    for sample in make_samples.SOURCES:
        regenerated = tmp_path / make_samples.still_name(sample.source)
        regenerated.write_bytes(make_samples.render_still(root / sample.source))
        with Image.open(regenerated) as fresh, Image.open(SAMPLES / "stills" / regenerated.name) as kept:
            assert fresh.size == kept.size
            # Another libjpeg build may round differently; the pictures must still be the same.
            difference = np.abs(np.asarray(fresh, dtype=np.int16) - np.asarray(kept, dtype=np.int16))
            assert difference.mean() < 1.0
