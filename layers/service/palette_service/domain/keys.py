"""The stills bucket's key layout: ``<input prefix><film>/<name>`` -> :class:`StillKey`.

S3 keys (and DynamoDB sort keys) are limited to 1024 bytes of UTF-8; a name whose outputs would pass
that is refused up front, since S3 would refuse them on every retry.
"""

from __future__ import annotations

from palette_service.domain.records import StillKey
from palette_service.errors import PermanentStillError
from palette_service.settings import ServiceSettings

MAX_KEY_BYTES = 1024
# Path segments that URLs resolve away (RFC 3986), so no route could name a film or still called so.
DOT_SEGMENTS = frozenset({".", ".."})


class InvalidKeyLayoutError(PermanentStillError):
    """The object key is not ``<input prefix><film>/<name>``.

    ``still`` is the key the failure can be recorded under, or ``None`` when none can be formed.
    """

    code = "invalid_key"

    def __init__(self, message: str, *, still: StillKey | None = None) -> None:
        super().__init__(message)
        self.still = still


def is_input_key(key: str, input_prefix: str) -> bool:
    """Whether the extract function should look at ``key`` at all (outputs never are inputs)."""
    return key.startswith(input_prefix)


def parse_still_key(key: str, input_prefix: str, output_prefixes: tuple[str, str] = ("", "")) -> StillKey:
    """The still of an object key under ``input_prefix``.

    Raises :class:`InvalidKeyLayoutError` when the key is not ``<prefix><film>/<name>``; its
    ``still`` attribute is the record key to record the failure under when one can be formed
    (a non-empty film and a non-empty rest, e.g. ``stills/film/extra/name.jpg``), else ``None``.
    A name so long that its outputs (under the palette and swatch ``output_prefixes``) would pass
    S3's key limit is refused the same way.
    """
    if not is_input_key(key, input_prefix):
        raise ValueError(f"{key!r} is not under {input_prefix!r}")
    film, slash, name = key[len(input_prefix) :].partition("/")
    layout = f"expected {input_prefix}<film>/<name> with a non-empty film and file name and no deeper folders"
    if not film or not slash or not name or name.endswith("/"):
        raise InvalidKeyLayoutError(f"object key {key!r} has no film folder or no file name: {layout}")
    if {film, name} & DOT_SEGMENTS:
        # A URL cannot carry them: clients resolve /palettes/../x.jpg to /x.jpg before it is sent.
        raise InvalidKeyLayoutError(f"object key {key!r} has a film or file name of '.' or '..': {layout}")
    still = StillKey(film=film, name=name)
    if "/" in name:
        raise InvalidKeyLayoutError(f"object key {key!r} is nested too deeply: {layout}", still=still)
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


def still_of(key: str, settings: ServiceSettings) -> StillKey:
    """:func:`parse_still_key` with the prefixes of ``settings``."""
    return parse_still_key(key, settings.input_prefix, (settings.palette_prefix, settings.swatch_prefix))


def cut_to_key_limit(value: str) -> str:
    """``value`` cut to :data:`MAX_KEY_BYTES` of UTF-8, never inside a character."""
    return value.encode()[:MAX_KEY_BYTES].decode(errors="ignore")
