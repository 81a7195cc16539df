"""Where `palettes extract --out` writes each image's files, checked before any image is read.

An image's files are named after its stem: ``<stem>.<format>`` (or ``<stem>.roles.<format>``) and,
with a swatch, ``<stem>.swatch.png``. Two images with one stem (``a/x.jpg``, ``b/x.jpg``) would
write the same files, and an output can land on an input (``x.png`` beside ``x.swatch.png``), so a
plan with either is refused whole: nothing is written rather than something silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from palettes.exports import FILE_EXTENSIONS

SWATCH_SUFFIX = ".swatch.png"


class OutputConflictError(ValueError):
    """Two images would write the same file, or an image's file would overwrite an input."""


@dataclass(frozen=True)
class ImageOutputs:
    """The files one image's results go to: its document (or roles) and, if asked, its swatch."""

    image: Path
    document: Path
    swatch: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.document,) if self.swatch is None else (self.document, self.swatch)


def plan_outputs(
    images: Sequence[Path], out: Path, fmt: str, *, roles: bool, swatch: bool
) -> list[ImageOutputs]:
    """Each image's output files under ``out``; raises :class:`OutputConflictError` on any clash."""
    kind = ".roles" if roles else ""
    plan = [
        ImageOutputs(
            image,
            out / f"{image.stem}{kind}.{FILE_EXTENSIONS[fmt]}",
            out / f"{image.stem}{SWATCH_SUFFIX}" if swatch else None,
        )
        for image in images
    ]
    _refuse_conflicts(plan)
    return plan


def _refuse_conflicts(plan: Sequence[ImageOutputs]) -> None:
    # Resolved paths, so "out/x.json" and "./out/../out/x.json" are seen to be one file.
    inputs = {outputs.image.resolve(): outputs.image for outputs in plan}
    writer: dict[Path, int] = {}
    for index, outputs in enumerate(plan):
        for path in outputs.paths:
            target = path.resolve()
            if target in inputs:
                raise OutputConflictError(
                    f"{outputs.image} would write {path}, which is the input {inputs[target]}; "
                    "choose another --out"
                )
            if (earlier := writer.setdefault(target, index)) != index:
                raise OutputConflictError(
                    f"{plan[earlier].image} and {outputs.image} would both write {path} (the files are named "
                    "after the image's stem); give images with the same stem separate --out folders"
                )
