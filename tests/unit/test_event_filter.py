"""Lambda's event filter patterns (palettes_stack.event_filter): the matchers, how keys and lists
combine, what a malformed pattern is, and properties over generated records."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palettes_stack.event_filter import (
    FilterPatternError,
    check_pattern,
    matches,
    matches_any,
    parse_pattern,
)

# A record of the aggregate function's stream (keys only), as Lambda filters it.
STILL: dict[str, Any] = {
    "eventName": "INSERT",
    "eventSource": "aws:dynamodb",
    "dynamodb": {
        "Keys": {"pk": {"S": "FILM#heat"}, "sk": {"S": "STILL#0001.jpg"}},
        "SizeBytes": 120,
        "StreamViewType": "KEYS_ONLY",
    },
    "tags": ["night", "city"],
    "nothing": None,
    "empty": "",
}
AGGREGATE = {
    **STILL,
    "dynamodb": {**STILL["dynamodb"], "Keys": {"pk": {"S": "FILM#heat"}, "sk": {"S": "AGGREGATE"}}},
}
STILL_KEYS = parse_pattern('{"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "STILL#"}]}}}}')


def test_the_templates_pattern_keeps_stills_and_drops_aggregates() -> None:
    assert matches(STILL_KEYS, STILL)
    assert not matches(STILL_KEYS, AGGREGATE)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # exact values: any of the list
        ({"eventName": ["INSERT"]}, True),
        ({"eventName": ["MODIFY", "INSERT"]}, True),
        ({"eventName": ["MODIFY", "REMOVE"]}, False),
        ({"eventName": ["insert"]}, False),
        ({"dynamodb": {"SizeBytes": [120]}}, True),
        ({"dynamodb": {"SizeBytes": [120.0]}}, True),
        ({"dynamodb": {"SizeBytes": ["120"]}}, False),
        ({"nothing": [None]}, True),
        ({"empty": [""]}, True),
        ({"empty": [None]}, False),
        # every key must match
        ({"eventName": ["INSERT"], "eventSource": ["aws:sqs"]}, False),
        ({"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]}, True),
        # prefix, suffix, equals-ignore-case
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "FILM#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "film#"}]}}}}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"suffix": ".jpg"}]}}}}, True),
        ({"eventName": [{"equals-ignore-case": "insert"}]}, True),
        ({"dynamodb": {"SizeBytes": [{"prefix": "1"}]}}, False),
        # anything-but: a value, a list, a prefix; never a missing field
        ({"eventName": [{"anything-but": "REMOVE"}]}, True),
        ({"eventName": [{"anything-but": ["REMOVE", "INSERT"]}]}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"anything-but": {"prefix": "STILL#"}}]}}}}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"anything-but": {"suffix": ".png"}}]}}}}, True),
        ({"missing": [{"anything-but": "x"}]}, False),
        # exists
        ({"eventName": [{"exists": True}]}, True),
        ({"missing": [{"exists": True}]}, False),
        ({"missing": [{"exists": False}]}, True),
        ({"eventName": [{"exists": False}]}, False),
        ({"nothing": [{"exists": True}]}, True),
        ({"dynamodb": {"NewImage": {"status": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"status": [{"exists": True}]}}}, False),
        # a pattern leaf never matches an object
        ({"dynamodb": [{"exists": True}]}, False),
        ({"dynamodb": {"Keys": ["x"]}}, False),
        # numbers, and DynamoDB's numeric strings
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["<", 100]}]}}, False),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["=", 120]}]}}, True),
        ({"eventName": [{"numeric": [">", 0]}]}, False),
        # a list in the record: any element
        ({"tags": ["city"]}, True),
        ({"tags": [{"prefix": "ni"}]}, True),
        ({"tags": ["day"]}, False),
        # a nested pattern where the record holds a scalar
        ({"eventName": {"S": ["INSERT"]}}, False),
        # $or: alternatives
        ({"$or": [{"eventName": ["REMOVE"]}, {"tags": ["night"]}]}, True),
        ({"$or": [{"eventName": ["REMOVE"]}, {"tags": ["day"]}]}, False),
    ],
)
def test_matchers(pattern: dict[str, Any], expected: bool) -> None:
    check_pattern(pattern)
    assert matches(pattern, STILL) is expected


def test_numeric_strings_compare_as_numbers() -> None:
    record = {"dynamodb": {"NewImage": {"count": {"N": "12"}}}}
    assert matches({"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">=", 12]}]}}}}, record)
    assert not matches({"dynamodb": {"NewImage": {"count": {"N": [{"numeric": [">", 12]}]}}}}, record)


def test_booleans_are_not_numbers() -> None:
    assert matches({"flag": [True]}, {"flag": True})
    assert not matches({"flag": [1]}, {"flag": True})
    assert not matches({"flag": [True]}, {"flag": 1})
    assert not matches({"flag": [{"numeric": [">", 0]}]}, {"flag": True})


def test_filter_criteria_keep_a_record_any_pattern_matches() -> None:
    removals = parse_pattern('{"eventName": ["REMOVE"]}')
    assert matches_any([], AGGREGATE)
    assert matches_any([removals, STILL_KEYS], STILL)
    assert not matches_any([removals], STILL)
    assert not matches_any([STILL_KEYS], AGGREGATE)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        "{}",
        '{"eventName": "INSERT"}',
        '{"eventName": []}',
        '{"eventName": [{"prefix": 1}]}',
        '{"eventName": [{"prefix": "a", "suffix": "b"}]}',
        '{"eventName": [{"wildcard": "a*"}]}',
        '{"eventName": [{"exists": "yes"}]}',
        '{"eventName": [{"anything-but": []}]}',
        '{"eventName": [{"anything-but": {"equals-ignore-case": "a"}}]}',
        '{"eventName": [{"anything-but": [{"a": 1}]}]}',
        '{"size": [{"numeric": [">"]}]}',
        '{"size": [{"numeric": ["~", 1]}]}',
        '{"size": [{"numeric": [">", "1"]}]}',
        '{"size": [{"numeric": [">", 1, "<", 2, ">", 0]}]}',
        '{"$or": [{"a": ["b"]}]}',
        '{"a": [["b"]]}',
    ],
)
def test_malformed_patterns_are_refused(text: str) -> None:
    with pytest.raises(FilterPatternError):
        parse_pattern(text)


def test_a_refused_pattern_is_a_value_error() -> None:
    assert issubclass(FilterPatternError, ValueError)


# ------------------------------------------------------------------ properties
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8), st.floats(allow_nan=False)
)
NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
RECORDS = st.recursive(
    st.dictionaries(NAMES, SCALARS, min_size=1, max_size=4),
    lambda children: st.dictionaries(NAMES, st.one_of(SCALARS, children), min_size=1, max_size=4),
    max_leaves=12,
)


def own_values(record: dict[str, Any]) -> dict[str, Any]:
    """A pattern that asks for each of ``record``'s leaves to be what it is."""
    return {
        key: own_values(value) if isinstance(value, dict) else [value]
        for key, value in record.items()
        if not isinstance(value, dict) or value
    }


def excluding_values(record: dict[str, Any]) -> dict[str, Any]:
    """A pattern that asks for each string or number leaf to be anything but what it is."""
    pattern: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            if nested := excluding_values(value):
                pattern[key] = nested
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            pattern[key] = [{"anything-but": value}]
    return pattern


@given(RECORDS)
def test_a_record_matches_the_pattern_of_its_own_values(record: dict[str, Any]) -> None:
    pattern = own_values(record)
    if pattern:
        check_pattern(pattern)
        assert matches(pattern, record)


@given(RECORDS)
def test_a_record_never_matches_anything_but_its_own_values(record: dict[str, Any]) -> None:
    pattern = excluding_values(record)
    if pattern:
        check_pattern(pattern)
        assert not matches(pattern, record)


@given(
    RECORDS, st.sampled_from([STILL_KEYS, {"a": [{"exists": False}]}, {"a": {"b": [{"numeric": [">", 0]}]}}])
)
def test_matching_never_raises_and_exists_is_the_complement(record: dict[str, Any], pattern: Any) -> None:
    matches(pattern, record)
    present = {"a": [{"exists": True}]}
    absent = {"a": [{"exists": False}]}
    if not isinstance(record.get("a"), dict):
        assert matches(present, record) != matches(absent, record)
