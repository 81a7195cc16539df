"""The table's stream records (keys only) -> the films whose stills changed, in batch order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from palette_service.data.items import FILM_PREFIX, STILL_PREFIX
from palette_service.domain.films import FilmChange


def changed_films(records: Iterable[Mapping[str, Any]]) -> list[FilmChange]:
    """Each film named by a still item's record, once, with the sequence number of its first record.

    Records of other items (the event source's filter keeps them out, but a direct invocation may
    not) are ignored.
    """
    changes: dict[str, FilmChange] = {}
    for record in records:
        stream = record.get("dynamodb") or {}
        keys = stream.get("Keys") or {}
        pk = str((keys.get("pk") or {}).get("S", ""))
        sk = str((keys.get("sk") or {}).get("S", ""))
        if not pk.startswith(FILM_PREFIX) or not sk.startswith(STILL_PREFIX):
            continue
        film = pk[len(FILM_PREFIX) :]
        changes.setdefault(film, FilmChange(film, str(stream.get("SequenceNumber", "0"))))
    return list(changes.values())
