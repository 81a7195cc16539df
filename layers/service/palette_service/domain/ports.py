"""The domain's view of storage: small Protocols and the values that cross them.

:class:`StillRepository` is the table of still records (DynamoDB, :mod:`palette_service.data.dynamodb`);
:class:`FilmRepository` the films' aggregates in the same table (:mod:`palette_service.data.films`);
:class:`StillStore` is the bucket of stills and outputs (S3, :mod:`palette_service.data.s3`). The
domain types against these, so a test or a new backend supplies its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from palette_service.domain.films import FilmPage, FilmRecord, FilmStill
from palette_service.domain.records import PendingVersion, StillKey, StillRecord


@dataclass(frozen=True)
class Claim:
    """A claim that was granted. ``contended``: another version had claimed the record and had not been
    recorded; it may still be running and write its outputs after ours (see ``extraction``)."""

    contended: bool


@dataclass(frozen=True)
class IndexPage:
    """One page of a film's records, newest first: each with its opaque index key, and where to resume."""

    entries: list[tuple[StillRecord, dict[str, str]]]
    last_evaluated_key: dict[str, str] | None


@dataclass(frozen=True)
class ObjectVersion:
    """Which version of an object to read: by version id when the bucket has one, else by ETag."""

    key: str
    etag: str
    version_id: str | None = None


@dataclass(frozen=True)
class ObjectHead:
    size: int
    etag: str
    version_id: str | None
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StillObject:
    """One GET of a still: its headers, and its bytes unless it was larger than the reader's limit."""

    head: ObjectHead
    body: bytes | None


class StillRepository(Protocol):
    """Still records, every write ordered by the S3 sequencer: a record only moves to a newer version."""

    def get(self, still: StillKey) -> StillRecord | None: ...

    def get_many(self, stills: Collection[StillKey]) -> dict[StillKey, StillRecord]:
        """The records of those of ``stills`` that have one, read together: what one search page
        checks its hits against, in one round trip rather than one each."""
        ...

    def save(self, record: StillRecord) -> bool:
        """Write ``record`` unless a newer version is recorded; ``False`` when one is."""
        ...

    def save_given_up(self, record: StillRecord) -> bool:
        """Write ``record`` of a version given up on, unless it or a newer one is recorded or claimed."""
        ...

    def claim(self, still: StillKey, key: str, version: PendingVersion) -> Claim | None:
        """Name ``version`` as being processed unless a newer one is recorded or claimed (``None``)."""
        ...

    def query_newest(
        self, film: str, *, page_size: int, name_prefix: str = "", start_key: dict[str, str] | None = None
    ) -> IndexPage: ...


class FilmRepository(Protocol):
    """Films' aggregates, each rebuild ordered by its generation: a stored one only moves to a newer one."""

    def next_generation(self, film: str) -> int:
        """A generation number larger than any handed out before for ``film`` (an atomic counter)."""
        ...

    def film_stills(self, film: str) -> Iterator[FilmStill]:
        """Every still item of ``film`` (removed ones included), read strongly consistently."""
        ...

    def save_film(self, record: FilmRecord) -> tuple[str, ...] | None:
        """Store ``record`` unless a newer generation is stored (``None``); else the output keys the
        aggregate it replaced named (now unused)."""
        ...

    def get_film(self, film: str) -> FilmRecord | None: ...

    def query_films(self, *, page_size: int, start_key: dict[str, str] | None = None) -> FilmPage:
        """Films that have stills, newest change first."""
        ...


@dataclass(frozen=True)
class IndexedColor:
    """One palette colour of a still as the colour index files it, under ``partition`` (a cell of
    colour space or a basic colour term's key); ``slot`` is its place in ``palette``, the still's
    palette colours (``hex``, ``lab``, ``proportion``, ``basic``) as ranking reads them, and
    ``sequencer`` names the still version it came from."""

    partition: str
    film: str
    name: str
    slot: int
    sequencer: str
    palette: tuple[dict[str, Any], ...]


class ColorIndex(Protocol):
    """Still palette colours filed by partition, so a colour search reads only what can match."""

    def replace(self, still: StillKey, colors: list[IndexedColor]) -> int:
        """File ``colors`` as the still's whole index (none: the still leaves it); the writes made."""
        ...

    def colors_in(self, partition: str, film: str | None = None) -> Iterator[IndexedColor]:
        """Every colour filed under ``partition`` (of ``film`` only, when given)."""
        ...

    def film_partitions(self, film: str) -> dict[str, frozenset[str]]:
        """Each indexed still of ``film`` (by name) and the partitions its colours are filed under."""
        ...


class StillStore(Protocol):
    """Stills and their outputs in one bucket; reads of a still are pinned to one object version."""

    def fetch(self, version: ObjectVersion, *, max_bytes: int) -> StillObject:
        """The version's headers and bytes in one request; the body is left unread (``None``) when the
        object is larger than ``max_bytes``."""
        ...

    def current(self, key: str) -> ObjectHead | None:
        """The head of the current version of ``key``, or ``None`` when it has none (never uploaded,
        or removed: a delete marker is current)."""
        ...

    def put(
        self, key: str, body: bytes, *, content_type: str, metadata: dict[str, str] | None = None
    ) -> str | None: ...

    def metadata(self, key: str) -> dict[str, str] | None: ...

    def keys_under(self, prefix: str) -> Iterator[str]:
        """The keys that start with ``prefix`` and have a current object (a removed key, whose current
        version is a delete marker, has none), in key order."""
        ...

    def read(self, key: str, version_id: str | None = None) -> bytes | None: ...

    def delete(self, key: str, *, if_match: str | None = None) -> bool:
        """Remove the current object at ``key`` (a delete marker in a versioned bucket); no error if none.

        With ``if_match`` (an ETag), only while the current object still has that ETag: ``False`` when
        another object replaced it meanwhile (it is left as it is), else ``True`` (deleted, or gone).
        """
        ...


class ReplayQueue(Protocol):
    """Where events the extraction gave up on are kept, to replay once their cause is fixed."""

    def keep(self, message: str) -> None: ...


class UploadSigner(Protocol):
    """Short-lived grants on the stills bucket, signed with the function's own credentials."""

    def presigned_post(
        self, key: str, fields: dict[str, str], conditions: list[Any], expires_in: int
    ) -> tuple[str, dict[str, str]]:
        """The URL and form fields of a browser upload of exactly ``key`` to this bucket (both always in
        the policy), bound by ``conditions`` as well."""
        ...

    def presigned_get(self, key: str, version_id: str | None, expires_in: int) -> str:
        """A URL that reads ``key`` (that version, when given) until ``expires_in`` seconds from now."""
        ...
