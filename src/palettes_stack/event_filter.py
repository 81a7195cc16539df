"""Lambda's event filtering: whether a record matches an event source mapping's filter patterns.

A pattern is JSON: an object whose keys name fields of the record. A key maps either to an object
(the pattern for that nested object) or to a list of matchers, any of which may match (OR); every
key of an object must match (AND). ``$or`` lists alternative patterns for its object. A matcher is
an exact value (string, number, boolean, null) or one of ``{"prefix": s}``, ``{"suffix": s}``,
``{"equals-ignore-case": s}``, ``{"anything-but": value, [values] or {"prefix"|"suffix": s}}``,
``{"numeric": [op, n, ...]}`` and ``{"exists": bool}``. Where the record holds a list, the matchers
match if any element does. A field the record lacks matches only ``{"exists": false}``; a record
field that is an object matches no matcher. Filter criteria keep a record that matches any of their
patterns (and every record when they have none).

Guarantees (tests/unit/test_event_filter.py): a malformed pattern raises :class:`FilterPatternError`
before any record is matched; a pattern made of a record's own leaf values matches it; matching
never raises on any JSON record.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_MISSING = object()
_NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_STRING_MATCHERS = ("prefix", "suffix", "equals-ignore-case")


class FilterPatternError(ValueError):
    """A filter pattern Lambda would refuse (CreateEventSourceMapping answers InvalidParameterValue)."""


def parse_pattern(text: str) -> dict[str, Any]:
    """A ``FilterCriteria.Filters[].Pattern`` string as a checked pattern."""
    try:
        pattern = json.loads(text)
    except json.JSONDecodeError as error:
        raise FilterPatternError(f"a filter pattern is not JSON: {error}") from None
    check_pattern(pattern)
    assert isinstance(pattern, dict)
    return pattern


def check_pattern(pattern: Any) -> None:
    """Raise :class:`FilterPatternError` unless ``pattern`` is a pattern Lambda accepts."""
    if not isinstance(pattern, Mapping) or not pattern:
        raise FilterPatternError(f"a pattern is a non-empty JSON object, not {pattern!r}")
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise FilterPatternError("$or takes a list of at least two patterns")
            for alternative in value:
                check_pattern(alternative)
        elif isinstance(value, Mapping):
            check_pattern(value)
        elif isinstance(value, list) and value:
            for matcher in value:
                _check_matcher(matcher)
        else:
            raise FilterPatternError(f"{key!r}: a pattern's leaf is a non-empty list of matchers")


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Any) -> bool:
    """Whether filter criteria with ``patterns`` keep ``record`` (no pattern keeps everything)."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """Whether ``record`` matches ``pattern`` (a checked one: see :func:`check_pattern`)."""
    if not isinstance(record, Mapping):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(alternative, record) for alternative in expected):
                return False
            continue
        value = record.get(key, _MISSING)
        if isinstance(expected, Mapping):
            if not matches(expected, value if value is not _MISSING else {}):
                return False
        elif not any(_matcher_matches(matcher, value) for matcher in expected):
            return False
    return True


def _check_matcher(matcher: Any) -> None:
    if matcher is None or isinstance(matcher, str | int | float | bool):
        return
    if not isinstance(matcher, Mapping) or len(matcher) != 1:
        raise FilterPatternError(f"a matcher is a value or a one-key object, not {matcher!r}")
    ((name, argument),) = matcher.items()
    if name in _STRING_MATCHERS and isinstance(argument, str):
        return
    if name == "exists" and isinstance(argument, bool):
        return
    if name == "numeric":
        _check_numeric(argument)
        return
    if name == "anything-but":
        _check_anything_but(argument)
        return
    raise FilterPatternError(f"unsupported matcher {matcher!r}")


def _pairs(argument: list[Any]) -> list[tuple[Any, Any]]:
    return list(zip(argument[::2], argument[1::2], strict=False))


def _check_numeric(argument: Any) -> None:
    pairs = _pairs(argument) if isinstance(argument, list) else []
    if not pairs or len(argument) % 2 or len(pairs) > 2:
        raise FilterPatternError(f"numeric takes one or two [operator, number] pairs, not {argument!r}")
    for name, number in pairs:
        if name not in _NUMERIC_OPERATORS or isinstance(number, bool) or not isinstance(number, int | float):
            raise FilterPatternError(f"numeric: {name!r} {number!r} is not an operator and a number")


def _check_anything_but(argument: Any) -> None:
    if isinstance(argument, Mapping):
        ((name, affix),) = argument.items() if len(argument) == 1 else ((None, None),)
        if name in ("prefix", "suffix") and isinstance(affix, str):
            return
        raise FilterPatternError(f"anything-but takes values or a prefix or suffix, not {argument!r}")
    values = argument if isinstance(argument, list) else [argument]
    if not values or not all(isinstance(item, str | int | float) for item in values):
        raise FilterPatternError(f"anything-but takes strings or numbers, not {argument!r}")


def _matcher_matches(matcher: Any, value: Any) -> bool:
    """One matcher against one record field (``_MISSING`` when the record lacks it)."""
    if isinstance(matcher, Mapping) and "exists" in matcher:
        return (value is not _MISSING and not isinstance(value, Mapping)) == bool(matcher["exists"])
    if value is _MISSING or isinstance(value, Mapping):
        return False
    if isinstance(value, list):
        return any(_matcher_matches(matcher, item) for item in value)
    if not isinstance(matcher, Mapping):
        return _same_value(matcher, value)
    ((name, argument),) = matcher.items()
    return _CONTENT_MATCHERS[name](argument, value)


def _same_value(expected: Any, value: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool) and expected == value
    return bool(expected == value)


def _anything_but_hit(argument: Any, value: Any) -> bool:
    """Whether ``value`` is one of what ``anything-but`` excludes."""
    if isinstance(argument, Mapping):
        ((name, affix),) = argument.items()
        if not isinstance(value, str):
            return False
        return value.startswith(affix) if name == "prefix" else value.endswith(affix)
    excluded = argument if isinstance(argument, list) else [argument]
    return any(_same_value(item, value) for item in excluded)


def _string_matches(value: Any, test: Callable[[str], bool]) -> bool:
    return isinstance(value, str) and test(value)


def _numeric_matches(argument: list[Any], value: Any) -> bool:
    """Numbers, and numeric strings (DynamoDB's ``{"N": "12"}``), compared as numbers."""
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return all(_NUMERIC_OPERATORS[name](number, float(bound)) for name, bound in _pairs(argument))


# The matchers that test a present, non-object value (``exists`` is told apart before).
_CONTENT_MATCHERS: dict[str, Callable[[Any, Any], bool]] = {
    "anything-but": lambda argument, value: not _anything_but_hit(argument, value),
    "numeric": _numeric_matches,
    "prefix": lambda affix, value: _string_matches(value, lambda text: text.startswith(affix)),
    "suffix": lambda affix, value: _string_matches(value, lambda text: text.endswith(affix)),
    "equals-ignore-case": lambda other, value: _string_matches(
        value, lambda text: text.casefold() == str(other).casefold()
    ),
}
