"""A still's place in its film: frame and timecode metadata, and the natural order of names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palette_service.domain.timeline import (
    FilmPosition,
    InvalidPositionError,
    film_order_key,
    natural_key,
    parse_timecode,
    position_from_metadata,
)


def test_names_sort_naturally() -> None:
    names = ["shot 10.jpg", "shot 2.jpg", "Shot 1.jpg", "intro.jpg", "shot 2b.jpg"]
    assert sorted(names, key=natural_key) == [
        "intro.jpg",
        "Shot 1.jpg",
        "shot 2.jpg",
        "shot 2b.jpg",
        "shot 10.jpg",
    ]


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=20))
def test_numbered_names_sort_by_number(numbers: list[int]) -> None:
    names = [f"frame_{number}.png" for number in numbers]
    assert [int(name[6:-4]) for name in sorted(names, key=natural_key)] == sorted(numbers)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("01:02:03:04", 3723.004), ("00:00:10", 10.0), ("83.5", 83.5), ("0", 0.0), ("100:00:00:23", 360000.023)],
)
def test_timecodes(text: str, seconds: float) -> None:
    assert parse_timecode(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1:2", "01:61:00:00", "aa:bb:cc:dd", "-3", "1e9", "01:02:03:04:05"])
def test_a_bad_timecode_is_a_permanent_error_that_says_the_forms(text: str) -> None:
    with pytest.raises(InvalidPositionError, match="HH:MM:SS:FF"):
        parse_timecode(text)


@pytest.mark.parametrize("frame", ["-1", "1.5", "twelve", "", "99999999999"])
def test_a_bad_frame_is_a_permanent_error(frame: str) -> None:
    with pytest.raises(InvalidPositionError, match="frame"):
        position_from_metadata({"frame": frame})


def test_frame_wins_over_timecode_and_metadata_names_are_case_blind() -> None:
    assert position_from_metadata({"Frame": "12", "timecode": "00:00:01"}) == FilmPosition("frame", 12.0)
    assert position_from_metadata({"TimeCode": "00:00:01:12"}) == FilmPosition("time", 1.012)
    assert position_from_metadata({"k": "6"}) is None


def test_film_order_frames_then_times_then_names() -> None:
    stills = [
        ("b.jpg", None),
        ("t2.jpg", FilmPosition("time", 2.0)),
        ("f10.jpg", FilmPosition("frame", 10.0)),
        ("a 10.jpg", None),
        ("a 9.jpg", None),
        ("f2.jpg", FilmPosition("frame", 2.0)),
        ("t1.jpg", FilmPosition("time", 1.0)),
    ]
    ordered = [name for name, position in sorted(stills, key=lambda still: film_order_key(*still))]
    assert ordered == ["f2.jpg", "f10.jpg", "t1.jpg", "t2.jpg", "a 9.jpg", "a 10.jpg", "b.jpg"]


def test_a_position_round_trips_through_its_dict() -> None:
    position = FilmPosition("time", 62.012)
    assert FilmPosition.from_dict(position.to_dict()) == position
