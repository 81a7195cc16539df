"""The methods the benchmark compares: ours, the notebook's, the peer libraries and the decode floor.

Each is a factory that does its imports (outside the timed calls) and returns `path -> palette colours`.
Only the standard library is imported at module level: the worker imports this before it measures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Rgb = tuple[int, int, int]
PaletteFunction = Callable[[str], list[Rgb]]

K = 6


def _ours() -> PaletteFunction:
    import palettes

    def ours(path: str) -> list[Rgb]:
        return [color.rgb for color in palettes.extract(path, k=K).colors]

    return ours


def _notebook() -> PaletteFunction:
    import numpy as np
    from PIL import Image
    from sklearn.cluster import KMeans

    def notebook(path: str) -> list[Rgb]:
        # The original notebook: every full-resolution pixel, RGB, scikit-learn KMeans.
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
        model = KMeans(n_clusters=K, n_init=10, random_state=0).fit(pixels)
        centres = np.clip(np.rint(model.cluster_centers_), 0, 255).astype(int)
        return [(int(r), int(g), int(b)) for r, g, b in centres]

    return notebook


def _ours_accents() -> PaletteFunction:
    import palettes

    def ours_accents(path: str) -> list[Rgb]:
        return [color.rgb for color in palettes.extract(path, k=K).colors if color.accent]

    return ours_accents


def _material() -> PaletteFunction:
    from materialyoucolor.quantize import ImageQuantizeCelebi

    def material(path: str) -> list[Rgb]:
        # Material Color Utilities' quantizer (Wu, then weighted k-means in CIELAB), as Android 12+
        # runs it for wallpaper colours; quality 1 reads every pixel. Keys are ARGB integers.
        colours = ImageQuantizeCelebi(path, 1, K)
        return [((argb >> 16) & 255, (argb >> 8) & 255, argb & 255) for argb in colours]

    return material


def _fast_colorthief() -> PaletteFunction:
    import fast_colorthief

    def colorthief(path: str) -> list[Rgb]:
        return [(int(r), int(g), int(b)) for r, g, b in fast_colorthief.get_palette(path, color_count=K)]

    return colorthief


def _pylette() -> PaletteFunction:
    import pylette

    def pylette_km(path: str) -> list[Rgb]:
        palette = pylette.extract_colors(path, palette_size=K, mode="KM")  # default resize (256x256)
        return [(int(c.rgb[0]), int(c.rgb[1]), int(c.rgb[2])) for c in palette.colors]

    return pylette_km


def _extcolors() -> PaletteFunction:
    import extcolors

    def extcolors_top(path: str) -> list[Rgb]:
        colors, _ = extcolors.extract_from_path(path, limit=K)
        return [(int(r), int(g), int(b)) for (r, g, b), _count in colors]

    return extcolors_top


def _decode() -> PaletteFunction:
    from PIL import Image

    def decode(path: str) -> list[Rgb]:
        with Image.open(path) as image:
            image.convert("RGB").load()
        return []

    return decode


def _reduced_decode() -> PaletteFunction:
    from palettes.loading import load_image

    def reduced_decode(path: str) -> list[Rgb]:
        load_image(path)  # the first step of ours: DCT-scaled decode to about 50,000 pixels
        return []

    return reduced_decode


@dataclass(frozen=True)
class Method:
    """A method's name in the tables and the factory that makes its palette function."""

    label: str
    factory: Callable[[], PaletteFunction]


REGISTRY: dict[str, Method] = {
    "ours": Method("palettes (ours, defaults)", _ours),
    "notebook": Method("notebook (KMeans all pixels RGB)", _notebook),
    "fast-colorthief": Method("fast-colorthief", _fast_colorthief),
    "pylette": Method("Pylette", _pylette),
    "material": Method("Material (QuantizeCelebi)", _material),
    "extcolors": Method("extcolors", _extcolors),
    "decode": Method("JPEG decode (floor)", _decode),
    "reduced-decode": Method("our reduced decode alone", _reduced_decode),
}
METHOD_LABELS = {name: method.label for name, method in REGISTRY.items()}
METHODS = tuple(REGISTRY)
# The decodes time what a palette costs at least; they make no palette.
DECODES = ("decode", "reduced-decode")
PALETTE_METHODS = tuple(method for method in METHODS if method not in DECODES)
# The peers our reconstruction is held against on the film-like set.
RECONSTRUCTION_PEERS = ("notebook", "pylette", "material")
# notebook and extcolors take minutes at 24 MP
BIG_METHODS = ("ours", "decode", "reduced-decode", "fast-colorthief", "pylette", "material")
# Not timed: the colours our palette flags as accents, for the stability of accents across sizes.
ACCENTS_METHOD = "ours-accents"
_UNTIMED = {ACCENTS_METHOD: Method("palettes accents (flagged colours only)", _ours_accents)}


def palette_function(method: str) -> PaletteFunction:
    """The method as `path -> palette colours`, imports done here (outside the timed calls)."""
    known = REGISTRY.get(method) or _UNTIMED.get(method)
    if known is None:
        raise ValueError(f"unknown method {method!r}")
    return known.factory()
