"""Object keys and item keys: ``stills/<film>/<name>`` <-> ``FILM#<film>`` / ``STILL#<name>``.

A still's outputs are ``<palette prefix><film>/<name>.json`` and ``<swatch prefix><film>/<name>.png``:
one pair per still key, so a retry or a newer version overwrites them rather than adding more.
"""

from __future__ import annotations

from dataclasses import dataclass

from palette_service.errors import InvalidKeyLayoutError

FILM_PREFIX = "FILM#"
STILL_PREFIX = "STILL#"
# S3 keys and DynamoDB sort keys are limited to 1024 bytes of UTF-8.
MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class StillKey:
    """A still's identity: its film folder and its file name (which normally has no ``/``)."""

    film: str
    name: str

    @property
    def pk(self) -> str:
        return f"{FILM_PREFIX}{self.film}"

    @property
    def sk(self) -> str:
        return f"{STILL_PREFIX}{self.name}"

    def object_key(self, input_prefix: str) -> str:
        return f"{input_prefix}{self.film}/{self.name}"

    def palette_key(self, palette_prefix: str) -> str:
        return f"{palette_prefix}{self.film}/{self.name}.json"

    def swatch_key(self, swatch_prefix: str) -> str:
        return f"{swatch_prefix}{self.film}/{self.name}.png"


def is_input_key(key: str, input_prefix: str) -> bool:
    """Whether the extract function should look at ``key`` at all (outputs never are inputs)."""
    return key.startswith(input_prefix)


def parse_still_key(key: str, input_prefix: str, output_prefixes: tuple[str, str] = ("", "")) -> StillKey:
    """The still of an object key under ``input_prefix``.

    Raises :class:`InvalidKeyLayoutError` when the key is not ``<prefix><film>/<name>``; its
    ``still`` attribute is the item key to record the failure under when one can be formed
    (a non-empty film and a non-empty rest, e.g. ``stills/film/extra/name.jpg``), else ``None``.
    A name so long that its outputs (under the palette and swatch ``output_prefixes``) would pass
    S3's key limit is refused the same way, since S3 would refuse them on every retry.
    """
    if not is_input_key(key, input_prefix):
        raise ValueError(f"{key!r} is not under {input_prefix!r}")
    rest = key[len(input_prefix) :]
    film, slash, name = rest.partition("/")
    layout = f"expected {input_prefix}<film>/<name> with a non-empty film and file name and no deeper folders"
    if not film or not slash or not name or name.endswith("/"):
        raise InvalidKeyLayoutError(f"object key {key!r} has no film folder or no file name: {layout}")
    if "/" in name:
        still = StillKey(film=film, name=name)
        raise InvalidKeyLayoutError(f"object key {key!r} is nested too deeply: {layout}", still=still)
    still = StillKey(film=film, name=name)
    palette_prefix, swatch_prefix = output_prefixes
    longest = max(
        len(still.palette_key(palette_prefix).encode()), len(still.swatch_key(swatch_prefix).encode())
    )
    if longest > MAX_KEY_BYTES:
        raise InvalidKeyLayoutError(
            f"object key is too long: its palette and swatch keys would be {longest} bytes, "
            f"over S3's {MAX_KEY_BYTES}; shorten the file name",
            still=still,
        )
    return still


def cut_to_key_limit(value: str) -> str:
    """``value`` cut to :data:`MAX_KEY_BYTES` of UTF-8, never inside a character."""
    return value.encode()[:MAX_KEY_BYTES].decode(errors="ignore")
