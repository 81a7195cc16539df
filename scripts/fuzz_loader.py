"""Fuzz the palettes library's image loading (and the extraction behind it) for a bounded time.

    python scripts/fuzz_loader.py                     # 60 s, atheris when installed, else Hypothesis
    python scripts/fuzz_loader.py --seconds 20 --engine hypothesis
    python scripts/fuzz_loader.py --reproduce out/fuzz-artifacts/crash-0123abcd   # one saved input

Every input goes through ``palettes.extract`` as the extract function calls it. The only acceptable
failure is a ``palettes.PaletteError`` (the typed errors that become FAILED items); anything else, an
input slower than ``--max-input-seconds`` (default: half the extract function's timeout) or a process
above ``--max-rss-mb`` (default: the extract function's memory in template.yaml) is a finding: the
input is saved under ``--artifacts`` (default out/fuzz-artifacts) and the exit status is non-zero.

Seeds are small images of every supported format and of the odd modes the loader handles (16-bit,
CMYK, palette with transparency, animation, EXIF orientation, ICC profile), made here. atheris
(libFuzzer, coverage-guided over the Python code of Pillow's plugins and the loader) mutates them
when it is installed; otherwise a Hypothesis strategy does (bit flips, overwritten header fields,
truncation, insertion, splicing of two seeds).
"""

from __future__ import annotations

import argparse
import faulthandler
import hashlib
import io
import os
import resource
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]

FUNCTION_MEMORY_MB = 1769  # template.yaml, ExtractFunction.MemorySize
FUNCTION_TIMEOUT_SECONDS = 60  # template.yaml, ExtractFunction.Timeout
INTERESTING_INTEGERS = (
    0,
    1,
    2,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0xFFFFFFFF,
)
BYTE_ORDERS: tuple[Literal["big", "little"], ...] = ("big", "little")


class Finding(Exception):
    """An input the loader mishandled: an unexpected exception, or a time or memory bound exceeded."""


def make_seeds() -> dict[str, bytes]:
    """Small images of every supported format and the odd modes the loader converts."""
    import numpy as np
    from PIL import Image, ImageCms

    rng = np.random.default_rng(7)
    photo = Image.fromarray(rng.integers(0, 255, (16, 24, 3), dtype=np.uint8))
    alpha = photo.convert("RGBA")
    alpha.putalpha(Image.fromarray(rng.integers(0, 255, (16, 24), dtype=np.uint8)))
    frames = [Image.new("RGB", (12, 8), colour) for colour in ((200, 30, 40), (20, 160, 90))]
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6

    def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **options)
        return buffer.getvalue()

    palette = photo.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    palette.info["transparency"] = 0
    return {
        "jpeg": encode(photo, "JPEG", quality=80),
        "jpeg-progressive-exif-icc": encode(photo, "JPEG", progressive=True, exif=exif, icc_profile=srgb),
        "jpeg-cmyk": encode(photo.convert("CMYK"), "JPEG"),
        "jpeg-grey": encode(photo.convert("L"), "JPEG"),
        "png": encode(photo, "PNG"),
        "png-rgba": encode(alpha, "PNG"),
        "png-palette-transparent": encode(palette, "PNG"),
        "png-grey16": encode(Image.fromarray(rng.integers(0, 65535, (16, 24), dtype=np.uint16)), "PNG"),
        "png-1bit": encode(photo.convert("1"), "PNG"),
        "png-la": encode(alpha.convert("LA"), "PNG"),
        "gif": encode(palette, "GIF"),
        "gif-animated": encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50),
        "webp-lossy": encode(photo, "WEBP", quality=60),
        "webp-lossless-alpha": encode(alpha, "WEBP", lossless=True),
        "webp-animated": encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=50),
        "tiff": encode(photo, "TIFF"),
        "tiff-lzw-cmyk": encode(photo.convert("CMYK"), "TIFF", compression="tiff_lzw"),
        "tiff-float": encode(Image.fromarray(rng.random((16, 24), dtype=np.float32)), "TIFF"),
        "bmp": encode(photo, "BMP"),
        "bmp-palette": encode(palette.convert("RGB").convert("P"), "BMP"),
    }


class Target:
    """Runs one input and keeps score; raises :class:`Finding` when the input is mishandled."""

    def __init__(self, *, max_input_seconds: float, max_rss_mb: int, artifacts: Path) -> None:
        import palettes

        self._extract: Callable[..., Any] = palettes.extract
        self._palette_error = palettes.PaletteError
        self.max_input_seconds = max_input_seconds
        self.max_rss_mb = max_rss_mb
        self.artifacts = artifacts
        self.outcomes: Counter[str] = Counter()
        self.slowest = 0.0
        self.started = time.monotonic()
        self._last_report = self.started

    def run(self, data: bytes) -> None:
        begun = time.perf_counter()
        # A hang inside a C decoder never returns to Python: the watchdog thread ends the process.
        faulthandler.dump_traceback_later(self.max_input_seconds * 3, exit=True)
        try:
            with _quiet_stderr():  # libtiff and libjpeg print their warnings on stderr
                self._extract(data, k=4)
        except self._palette_error as error:
            self.outcomes[str(getattr(error, "code", "palette_error"))] += 1
        except Exception as error:  # noqa: BLE001 - anything but a PaletteError is what we look for
            detail = "".join(traceback.format_exception(error))
            self._found(data, f"unexpected {type(error).__name__}: {error}\n{detail}")
        else:
            self.outcomes["done"] += 1
        finally:
            faulthandler.cancel_dump_traceback_later()
        elapsed = time.perf_counter() - begun
        self.slowest = max(self.slowest, elapsed)
        if elapsed > self.max_input_seconds:
            self._found(data, f"took {elapsed:.1f} s, more than {self.max_input_seconds} s")
        if (rss := peak_rss_mb()) > self.max_rss_mb:
            self._found(data, f"peak RSS {rss:.0f} MB is above {self.max_rss_mb} MB")
        if time.monotonic() - self._last_report > 10:
            self._last_report = time.monotonic()
            print(self.summary(), flush=True)

    def _found(self, data: bytes, reason: str) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"crash-{hashlib.sha256(data).hexdigest()[:16]}"
        path.write_bytes(data)
        raise Finding(f"{reason}\ninput saved to {path} ({len(data)} bytes)")

    def summary(self) -> str:
        runs = sum(self.outcomes.values())
        elapsed = time.monotonic() - self.started
        counts = ", ".join(f"{name} {count}" for name, count in self.outcomes.most_common())
        return (
            f"fuzz_loader: {runs} inputs in {elapsed:.0f} s ({runs / max(elapsed, 1e-9):.0f}/s); "
            f"slowest {self.slowest:.2f} s; peak RSS {peak_rss_mb():.0f} MB; {counts}"
        )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def instrument_for_atheris() -> None:
    """Load Pillow's plugins and the loader with coverage instrumentation (before anything imports them)."""
    import atheris

    with atheris.instrument_imports(include=["PIL", "palettes"]):
        from PIL import (  # noqa: F401 - imported here to be instrumented
            BmpImagePlugin,
            GifImagePlugin,
            Image,
            ImageFile,
            JpegImagePlugin,
            PngImagePlugin,
            TiffImagePlugin,
            WebPImagePlugin,
        )

        import palettes.extraction
        import palettes.loading  # noqa: F401


def run_atheris(target: Target, seeds: dict[str, bytes], options: argparse.Namespace) -> int:
    import atheris

    corpus = options.corpus or Path(tempfile.mkdtemp(prefix="fuzz-loader-corpus-"))
    corpus.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    print(f"fuzz_loader: atheris, corpus in {corpus}", flush=True)

    def test_one_input(data: bytes) -> None:
        try:
            target.run(data)
        except Finding as finding:
            print(f"fuzz_loader: FINDING: {finding}", file=sys.stderr, flush=True)
            print(target.summary(), flush=True)
            os._exit(1)
        if time.monotonic() - target.started > options.seconds:
            print(target.summary(), flush=True)
            os._exit(0)

    arguments = [
        sys.argv[0],
        f"-max_total_time={options.seconds}",
        # libFuzzer's own bounds are looser than ours: ours report with the outcome counts. Its
        # timeout catches a hang in C (and saves the input) before the watchdog's would.
        f"-timeout={int(options.max_input_seconds * 2) + 1}",
        f"-rss_limit_mb={options.max_rss_mb + 512}",
        f"-artifact_prefix={options.artifacts}/",
        f"-seed={options.seed}",
        "-max_len=65536",
        str(corpus),
    ]
    atheris.Setup(arguments, test_one_input)
    atheris.Fuzz()
    return 0  # not reached: libFuzzer exits the process


def mutated_inputs(seeds: dict[str, bytes]) -> Any:
    """A Hypothesis strategy: a seed image with a few byte-level mutations."""
    from hypothesis import strategies as st

    seed_list = list(seeds.values())

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seed_list)))
        for _ in range(draw(st.integers(1, 8))):
            kind = draw(
                st.sampled_from(["flip", "byte", "integer", "truncate", "insert", "delete", "splice"])
            )
            if not data:
                break
            position = draw(st.integers(0, len(data) - 1))
            if kind == "flip":
                data[position] ^= 1 << draw(st.integers(0, 7))
            elif kind == "byte":
                data[position] = draw(st.integers(0, 255))
            elif kind == "integer":
                value = draw(st.sampled_from(INTERESTING_INTEGERS))
                width = draw(st.sampled_from([2, 4]))
                order = draw(st.sampled_from(BYTE_ORDERS))
                data[position : position + width] = (value % (1 << (8 * width))).to_bytes(width, order)
            elif kind == "truncate":
                del data[position:]
            elif kind == "insert":
                data[position:position] = draw(st.binary(min_size=1, max_size=64))
            elif kind == "delete":
                del data[position : position + draw(st.integers(1, 64))]
            else:
                other = draw(st.sampled_from(seed_list))
                data[position:] = other[draw(st.integers(0, len(other) - 1)) :]
        return bytes(data)

    return mutate()


def run_hypothesis(target: Target, seeds: dict[str, bytes], options: argparse.Namespace) -> int:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    print("fuzz_loader: Hypothesis byte mutations", flush=True)
    strategy = mutated_inputs(seeds)
    batch = 0
    while time.monotonic() - target.started < options.seconds:

        @hypothesis_seed(options.seed + batch)
        @settings(
            max_examples=200,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=strategy)
        def one_batch(data: bytes) -> None:
            target.run(data)

        try:
            one_batch()
        except Finding as finding:
            print(f"fuzz_loader: FINDING: {finding}", file=sys.stderr, flush=True)
            print(target.summary(), flush=True)
            return 1
        batch += 1
    print(target.summary(), flush=True)
    return 0


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="how long to fuzz (default 60)")
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument(
        "--max-input-seconds",
        type=float,
        default=FUNCTION_TIMEOUT_SECONDS / 2,
        help="bound for one input (default 30: half the extract function's timeout)",
    )
    parser.add_argument(
        "--max-rss-mb",
        type=int,
        default=FUNCTION_MEMORY_MB,
        help="bound for the process's peak RSS (default 1769)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--artifacts",
        type=Path,
        default=ROOT / "out" / "fuzz-artifacts",
        help="where findings go (out/fuzz-artifacts)",
    )
    parser.add_argument(
        "--corpus", type=Path, help="atheris: where the growing corpus goes (default: a temp dir)"
    )
    parser.add_argument("--reproduce", type=Path, help="run one saved input and report what it does")
    options = parser.parse_args(argv)
    options.artifacts = options.artifacts.resolve()
    return options


def choose_engine(engine: str) -> str:
    """`auto` is atheris when it is installed, else Hypothesis."""
    if engine != "auto":
        return engine
    try:
        import atheris  # noqa: F401
    except ImportError:
        return "hypothesis"
    return "atheris"


def reproduce(target: Target, path: Path) -> int:
    """Run one saved input: a finding again (exit 1), or the outcome it now gets."""
    try:
        target.run(path.read_bytes())
    except Finding as finding:
        print(f"fuzz_loader: FINDING: {finding}", file=sys.stderr)
        return 1
    print(target.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    # Pillow warns about odd but harmless files; the loader sets Pillow's decompression-bomb limit to
    # its own for each call.
    warnings.simplefilter("ignore")
    options.artifacts.mkdir(parents=True, exist_ok=True)
    engine = choose_engine(options.engine)
    if engine == "atheris":
        instrument_for_atheris()
    target = Target(
        max_input_seconds=options.max_input_seconds,
        max_rss_mb=options.max_rss_mb,
        artifacts=options.artifacts,
    )
    if options.reproduce:
        return reproduce(target, options.reproduce)
    seeds = make_seeds()
    if engine == "atheris":
        return run_atheris(target, seeds, options)
    return run_hypothesis(target, seeds, options)


if __name__ == "__main__":
    sys.exit(main())
