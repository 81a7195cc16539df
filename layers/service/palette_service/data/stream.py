"""The table's stream records (keys only) -> the stills that changed and their films, in batch order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from palette_service.data.items import FILM_PREFIX, STILL_PREFIX
from palette_service.domain.films import FilmChange, StillChange
from palette_service.domain.records import StillKey


def changed_stills(records: Iterable[Mapping[str, Any]]) -> list[StillChange]:
    """Each still named by a still item's record, once, with the sequence number of its first record.

    Records of other items (the event source's filter keeps them out, but a direct invocation may
    not) are ignored.
    """
    changes: dict[StillKey, StillChange] = {}
    for record in records:
        stream = record.get("dynamodb") or {}
        keys = stream.get("Keys") or {}
        pk = str((keys.get("pk") or {}).get("S", ""))
        sk = str((keys.get("sk") or {}).get("S", ""))
        if not pk.startswith(FILM_PREFIX) or not sk.startswith(STILL_PREFIX):
            continue
        still = StillKey(film=pk[len(FILM_PREFIX) :], name=sk[len(STILL_PREFIX) :])
        changes.setdefault(still, StillChange(still, str(stream.get("SequenceNumber", "0"))))
    return list(changes.values())


def changed_films(records: Iterable[Mapping[str, Any]]) -> list[FilmChange]:
    """Each film named by a still item's record, once, with the sequence number of its first record."""
    changes: dict[str, FilmChange] = {}
    for change in changed_stills(records):
        changes.setdefault(change.still.film, FilmChange(change.still.film, change.first_sequence_number))
    return list(changes.values())
