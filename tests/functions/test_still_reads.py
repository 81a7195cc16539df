"""Still records read together (``DynamoStillRepository.get_many``, a search page's hit checks) on moto.

Claims: every record asked for that exists comes back, as ``get`` reads it, and nothing else; a
still asked for twice is read once; more than BatchGetItem's 100 keys take one request per 100;
keys that DynamoDB leaves unprocessed (throttling, or the 16 MB response limit) are read one
GetItem each.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from palette_service.data.dynamodb import BATCH_GET_KEYS, DynamoStillRepository
from palette_service.domain.records import StillKey, StillRecord, StillStatus

_films = itertools.count()


def _saved(repository: DynamoStillRepository, film: str, count: int) -> list[StillRecord]:
    records = []
    for index in range(count):
        sequencer = f"{index + 1:032X}"
        record = StillRecord(
            still=StillKey(film, f"{index:03d}.jpg"),
            key=f"stills/{film}/{index:03d}.jpg",
            status=StillStatus.DONE,
            etag=sequencer[-8:],
            sequencer=sequencer,
            updated_at="2026-12-01T00:00:00.000000Z",
            document={"schema_version": 2, "colors": []},
        )
        assert repository.save(record)
        records.append(record)
    return records


def _calls(table: Any) -> Counter[str]:
    """Every DynamoDB request the table's client makes from now on, by operation."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    table.meta.client.meta.events.register("before-call.dynamodb", count)
    return calls


def test_the_records_that_exist_come_back_read_once_each(palettes_table: Any) -> None:
    repository = DynamoStillRepository(palettes_table)
    film = f"reads{next(_films)}"
    records = _saved(repository, film, 3)
    absent = StillKey(film, "absent.jpg")

    expected = {record.still: repository.get(record.still) for record in (records[0], records[2])}
    calls = _calls(palettes_table)

    found = repository.get_many([records[0].still, absent, records[2].still, records[0].still])

    assert found == expected
    assert calls == {"BatchGetItem": 1}
    assert repository.get_many([]) == {}


def test_more_than_a_batch_of_keys_takes_one_request_per_hundred(palettes_table: Any) -> None:
    repository = DynamoStillRepository(palettes_table)
    film = f"reads{next(_films)}"
    records = _saved(repository, film, BATCH_GET_KEYS + 30)
    expected = {record.still: repository.get(record.still) for record in records}
    calls = _calls(palettes_table)

    found = repository.get_many([record.still for record in records])

    assert found == expected
    assert calls == {"BatchGetItem": 2}


def test_unprocessed_keys_are_read_one_by_one(palettes_table: Any) -> None:
    repository = DynamoStillRepository(palettes_table)
    film = f"reads{next(_films)}"
    records = _saved(repository, film, 6)
    expected = {record.still: repository.get(record.still) for record in records}
    calls = _calls(palettes_table)

    def leave_half_unprocessed(parsed: dict[str, Any], **_: Any) -> None:
        # As a throttled BatchGetItem answers: some items read, the others' keys handed back.
        for table, items in parsed.get("Responses", {}).items():
            kept, left = items[:3], items[3:]
            parsed["Responses"][table] = kept
            keys = [{"pk": item["pk"], "sk": item["sk"]} for item in left]
            parsed.setdefault("UnprocessedKeys", {})[table] = {"Keys": keys, "ConsistentRead": True}

    palettes_table.meta.client.meta.events.register_first(
        "after-call.dynamodb.BatchGetItem", leave_half_unprocessed
    )

    found = repository.get_many([record.still for record in records])

    assert found == expected
    assert calls == {"BatchGetItem": 1, "GetItem": 3}
