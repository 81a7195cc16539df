"""A still's colour index manifest names every entry that may exist, so a reindex cut off part-way
leaves nothing behind (``DynamoColorIndex.replace`` on moto).

A still with many colours is filed in more than one BatchWriteItem (25 items each). Claims: when a
reindex is cut off after its first or second batch, the next reindex (or the still's removal)
leaves exactly the entries it files, and none of the cut-off one's; a reindex that changes no
entry writes no manifest.
"""

from __future__ import annotations

import itertools
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from palette_service.data.color_index import COLOR_PREFIX, MANIFEST_PREFIX, DynamoColorIndex
from palette_service.domain.ports import IndexedColor
from palette_service.domain.records import StillKey
from tests.conftest import REGION

_films = itertools.count()
# More entries than one BatchWriteItem takes (25), so a reindex makes at least two.
MANY = 30


def _colors(still: StillKey, partition: str, count: int, sequencer: str) -> list[IndexedColor]:
    palette = ({"hex": "#1abc9c", "lab": [70.0, -45.0, 5.0], "proportion": 1.0, "basic": "green"},)
    return [
        IndexedColor(f"{partition}{slot:02d}", still.film, still.name, slot, sequencer, palette)
        for slot in range(count)
    ]


def _stored(table: Any, still: StillKey) -> set[tuple[str, str]]:
    """The still's entries and manifest in the table (the test's view; the service never scans)."""
    prefix = f"{still.film}/{still.name}/"
    return {
        (str(item["pk"]), str(item["sk"]))
        for item in table.scan()["Items"]
        if (str(item["pk"]).startswith(COLOR_PREFIX) and str(item["sk"]).startswith(prefix))
        or str(item["sk"]) == MANIFEST_PREFIX + still.name
    }


def _cut_off_after(table: Any, batches: int) -> None:
    """Every BatchWriteItem after the next ``batches`` fails, as a timeout during the SDK's retries would."""
    calls = itertools.count()

    def fail_past_the_first(**_: Any) -> None:
        if next(calls) >= batches:
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "cut off"}}, "BatchWriteItem"
            )

    table.meta.client.meta.events.register("before-call.dynamodb.BatchWriteItem", fail_past_the_first)


@pytest.mark.parametrize("batches", [1, 2])
@pytest.mark.parametrize("then", ["overwritten", "removed"])
def test_a_reindex_cut_off_part_way_leaves_nothing_the_next_one_cannot_remove(
    palettes_table: Any, then: str, batches: int
) -> None:
    still = StillKey(f"manifest{next(_films)}", "a.png")
    DynamoColorIndex(palettes_table).replace(still, _colors(still, "L5C1H", MANY, "01"))
    before = _stored(palettes_table, still)
    failing = boto3.resource("dynamodb", region_name=REGION).Table(palettes_table.name)  # a client of its own
    _cut_off_after(failing, batches)
    with pytest.raises(ClientError):
        DynamoColorIndex(failing).replace(still, _colors(still, "L2C3H", MANY, "02"))
    cut_off = _stored(palettes_table, still)
    assert cut_off != before  # some of it was done
    if batches == 2:  # the old entries deleted, some of the new ones written
        assert any(pk.startswith(COLOR_PREFIX + "L2C3H") for pk, _ in cut_off)

    last = _colors(still, "L8C2H", 3, "03") if then == "overwritten" else []
    DynamoColorIndex(palettes_table).replace(still, last)

    expected = {(COLOR_PREFIX + color.partition, f"{still.film}/{still.name}/{color.slot}") for color in last}
    manifest = {(f"FILM#{still.film}", MANIFEST_PREFIX + still.name)} if last else set()
    assert _stored(palettes_table, still) == expected | manifest


def test_a_reindex_with_the_same_entries_writes_no_manifest(palettes_table: Any) -> None:
    still = StillKey(f"manifest{next(_films)}", "a.png")
    index = DynamoColorIndex(palettes_table)
    assert index.replace(still, _colors(still, "L5C1H", 3, "01")) == 3 + 1
    assert index.replace(still, _colors(still, "L5C1H", 3, "02")) == 3  # a new version, the same colours
    assert index.replace(still, []) == 3 + 1
    assert _stored(palettes_table, still) == set()
