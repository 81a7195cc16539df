"""The API document's pattern for film and file names and the upload's own check are one rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palette_service.domain.keys import InvalidKeyLayoutError, parse_still_key
from palette_service.domain.uploads import ONE_SEGMENT, InvalidUploadError, upload_key
from palette_service.settings import ServiceSettings

SETTINGS = ServiceSettings.model_validate({"STILLS_BUCKET": "bucket", "PALETTES_TABLE": "table"})


def accepted(film: str) -> bool:
    try:
        upload_key(film, "frame.jpg", SETTINGS)
    except InvalidUploadError:
        return False
    return True


def blank(text: str) -> bool:
    """Whitespace only, by Python's str.isspace() or ECMA-262's \\s (which adds U+FEFF)."""
    return all(character.isspace() or character == "\ufeff" for character in text)


@pytest.mark.parametrize("film", ["\x85\x1f\x1f\x85\x1f", " \t", "\u3000", "\ufeff", "\x1c"])
def test_a_blank_film_is_refused_by_the_document_and_the_check(film: str) -> None:
    """Schemathesis found "\\x85\\x1f\\x1f\\x85\\x1f" valid by the document's former \\s and refused by
    str.strip(): a schema-valid request rejected."""
    assert re.fullmatch(ONE_SEGMENT, film) is None
    # JSON Schema tools read \s as ECMA-262 or ASCII does, never as Python's str patterns do: the
    # pattern spells its whitespace out, so that every reading agrees.
    assert re.fullmatch(ONE_SEGMENT, film, re.ASCII) is None
    assert not accepted(film)


@pytest.mark.parametrize("name", [".", ".."])
def test_a_dot_segment_is_refused_as_a_film_or_a_file_name_by_the_document_and_the_checks(name: str) -> None:
    """A reviewer made a film "..": its still became DONE, and every URL naming it resolved elsewhere."""
    assert re.fullmatch(ONE_SEGMENT, name) is None
    assert not accepted(name)
    with pytest.raises(InvalidUploadError, match=r"'\.' or '\.\.'"):
        upload_key("film", name, SETTINGS)
    with pytest.raises(InvalidKeyLayoutError) as refused:
        parse_still_key(f"stills/{name}/frame.jpg", "stills/")
    assert refused.value.still is None  # nothing is recorded under it


@given(
    st.text(alphabet=st.characters(exclude_characters="/"), min_size=1, max_size=6)
    | st.sampled_from([".", ".."])
)
def test_the_document_and_the_check_agree_on_blank_names_and_dot_segments(film: str) -> None:
    refused = blank(film) or film in (".", "..")
    assert (re.fullmatch(ONE_SEGMENT, film) is None) == refused
    assert (re.fullmatch(ONE_SEGMENT, film, re.ASCII) is None) == refused
    assert accepted(film) == (not refused)
