"""Browser uploads: a presigned POST per still, bound to the exact key and to what the extract function reads.

Guarantees of :func:`plan_uploads`, written into each POST policy (S3 refuses any upload that
breaks one):

* the object key is exactly ``<input prefix><film>/<name>``, with the film and name checked by the
  extract function's own key rules (:func:`palette_service.domain.keys.still_of`);
* the body is 1 byte to ``max_object_bytes`` long and its ``Content-Type`` starts with ``image/``;
* the extraction options travel as the user metadata the extract function reads
  (:func:`palette_service.domain.extraction.params_from_metadata`), each pinned to its value;
* the grant expires after :data:`UPLOAD_EXPIRES_SECONDS`.

:func:`still_image_url` is the read side: a presigned GET of the exact version a still's record
names, for the page that shows it (the bucket itself stays private).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from palette_service.domain.keys import InvalidKeyLayoutError, still_of
from palette_service.domain.ports import StillRepository, UploadSigner
from palette_service.domain.reads import get_record
from palette_service.domain.records import StillKey
from palette_service.errors import InvalidQueryError
from palette_service.settings import ServiceSettings
from palettes import ExtractParams, InvalidParameterError

MAX_FILES = 100
# What a film or file name may not consist of alone: the whitespace of ECMA-262's \s (what the API
# document's pattern means) and of Python's str.isspace() both, spelled out so that the document's
# pattern and the check here are one rule (the two sets differ in \x1c-\x1f, \x85 and \ufeff).
BLANK = r"\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# A film or file name in the API document: one path segment, not blank, not "." or ".." (the key
# rules refuse those: domain/keys.DOT_SEGMENTS). Without lookahead, which not every generator of
# examples from the document reads: a character that is neither blank nor a dot; or a non-blank one
# with two more characters around it; or a dot beside a blank.
_ANY, _SOLID = "[^/]", f"[^/{BLANK}]"
ONE_SEGMENT = (
    f"^(?:{_ANY}*[^/.{BLANK}]{_ANY}*|{_ANY}{{2,}}{_SOLID}{_ANY}*|{_ANY}*{_SOLID}{_ANY}{{2,}}"
    f"|{_ANY}+{_SOLID}{_ANY}+|\\.[{BLANK}]|[{BLANK}]\\.)$"
)
UPLOAD_EXPIRES_SECONDS = 300
IMAGE_EXPIRES_SECONDS = 300
# S3 stores a form field or header named so as user metadata, without the prefix.
USER_METADATA_PREFIX = "x-amz-meta-"
# The extraction options a browser upload may set: options of ExtractParams, as the extract function
# reads them from the object's user metadata.
UPLOAD_OPTIONS = ("k", "method", "space", "accents")
IMAGE_CONTENT_TYPE_PREFIX = "image/"
_PARAMETER_NAMES = frozenset(field.name for field in fields(ExtractParams))
assert set(UPLOAD_OPTIONS) <= _PARAMETER_NAMES, "an upload option the extract function does not read"


class InvalidUploadError(InvalidQueryError):
    """An upload request the service refuses before granting anything: bad names, too many files,
    bad options."""


@dataclass(frozen=True)
class UploadGrant:
    """Where and how the browser posts one still: ``url`` and the form ``fields`` to send before the file."""

    still: StillKey
    key: str
    url: str
    fields: dict[str, str]


def upload_metadata(options: Mapping[str, str]) -> dict[str, str]:
    """The options as the form fields of their user metadata, after checking them as the extract
    function will (:class:`InvalidUploadError` for an unknown option or a bad value)."""
    unknown = sorted(set(options) - set(UPLOAD_OPTIONS))
    if unknown:
        raise InvalidUploadError(
            f"unknown upload option {', '.join(unknown)}; options are {', '.join(UPLOAD_OPTIONS)}"
        )
    try:
        ExtractParams.from_strings(options)
    except InvalidParameterError as error:
        raise InvalidUploadError(str(error)) from None
    return {f"{USER_METADATA_PREFIX}{name}": value for name, value in sorted(options.items())}


def upload_key(film: str, name: str, settings: ServiceSettings) -> tuple[StillKey, str]:
    """The still and object key an upload of ``name`` to ``film`` makes, by the extract function's rules."""
    if "/" in film or _blank(film) or _blank(name):
        raise InvalidUploadError(
            f"film {film!r} and file name {name!r} must be non-empty, and the film must have no '/'"
        )
    key = f"{settings.input_prefix}{film}/{name}"
    try:
        return still_of(key, settings), key
    except InvalidKeyLayoutError as error:
        raise InvalidUploadError(str(error)) from None


def _blank(text: str) -> bool:
    return re.fullmatch(f"[{BLANK}]*", text) is not None


def plan_uploads(
    film: str,
    names: Sequence[str],
    options: Mapping[str, str],
    settings: ServiceSettings,
    signer: UploadSigner,
) -> list[UploadGrant]:
    """One presigned POST per name (at most :data:`MAX_FILES`, no name twice); see the module docstring."""
    if not names:
        raise InvalidUploadError("no file to upload: name at least one")
    if len(names) > MAX_FILES:
        raise InvalidUploadError(f"{len(names)} files in one request; at most {MAX_FILES}")
    if len(set(names)) != len(names):
        raise InvalidUploadError("a file name appears twice; each still of a film needs its own name")
    metadata = upload_metadata(options)
    keys = [upload_key(film, name, settings) for name in names]
    grants = []
    for still, key in keys:
        url, form = signer.presigned_post(
            key, dict(metadata), upload_conditions(metadata, settings), UPLOAD_EXPIRES_SECONDS
        )
        grants.append(UploadGrant(still=still, key=key, url=url, fields=form))
    return grants


def upload_conditions(metadata: Mapping[str, str], settings: ServiceSettings) -> list[object]:
    """The POST policy's conditions beside the bucket and exact key (which the signer always pins): the
    size range, an image type, each metadata value."""
    return [
        ["content-length-range", 1, settings.max_object_bytes],
        ["starts-with", "$Content-Type", IMAGE_CONTENT_TYPE_PREFIX],
        *({name: value} for name, value in metadata.items()),
    ]


def still_image_url(repository: StillRepository, signer: UploadSigner, film: str, name: str) -> str:
    """A presigned GET of the still's recorded object version (:class:`StillNotFoundError` if none)."""
    record = get_record(repository, film, name)
    return signer.presigned_get(record.key, record.version_id, IMAGE_EXPIRES_SECONDS)
