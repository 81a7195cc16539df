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


# A shard that is still open answers GetRecords with empty pages at its end: give up after these.
MAX_EMPTY_READS = 5


def given_up_records(streams: Any, batch: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The records of a batch the event source mapping gave up on, read from the stream again (it keeps
    them 24 hours). ``batch`` is the ``DDBStreamBatchInfo`` of Lambda's on-failure record (its stream,
    shard and sequence range); ``streams`` a DynamoDB Streams client."""
    iterator = streams.get_shard_iterator(
        StreamArn=batch["streamArn"],
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    ).get("ShardIterator")
    last, empty_reads = int(batch["endSequenceNumber"]), 0
    records: list[dict[str, Any]] = []
    while iterator is not None and empty_reads < MAX_EMPTY_READS:
        page = streams.get_records(ShardIterator=iterator)
        iterator, read = page.get("NextShardIterator"), page.get("Records", [])
        empty_reads = 0 if read else empty_reads + 1
        for record in read:
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return records
            records.append(record)
            if int(record["dynamodb"]["SequenceNumber"]) == last:
                return records
    return records
