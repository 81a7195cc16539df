"""`palettes search` and `palettes similar`: arguments and the table of hits."""

from __future__ import annotations

import io
from typing import Any

import pytest

from palettes_cli.commands.search import print_hits
from palettes_cli.main import main

HITS: list[dict[str, Any]] = [
    {
        "film": "f",
        "name": "a.png",
        "score": 0.4,
        "distance": None,
        "matches": [{"hex": "#1abc9c", "proportion": 0.4}],
    },
    {
        "film": "f",
        "name": "b.png",
        "score": None,
        "distance": 3.25,
        "matches": [{"hex": "#1abc9c", "proportion": 0.3}, {"hex": "#e67e22", "proportion": 0.1}],
    },
]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_hits_print_as_a_table_without_escapes_when_not_a_terminal() -> None:
    out = io.StringIO()
    print_hits(HITS, out)
    assert out.getvalue().splitlines() == [
        "  1  score 0.400  #1abc9c 40%  f/a.png",
        "  2  dE 3.25      #1abc9c 30% #e67e22 10%  f/b.png",
    ]


def test_a_palette_colour_that_several_query_colours_moved_to_is_shown_once() -> None:
    teal = {"color_index": 0, "hex": "#1abc9c", "proportion": 0.4}
    orange = {"color_index": 1, "hex": "#e67e22", "proportion": 0.1}
    hit = {"film": "f", "name": "c.png", "score": 0.2, "distance": None, "matches": [teal, orange, teal]}
    out = io.StringIO()
    print_hits([hit], out)
    assert out.getvalue().splitlines() == ["  1  score 0.200  #1abc9c 40% #e67e22 10%  f/c.png"]


def test_a_true_colour_terminal_gets_colour_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = Terminal()
    print_hits(HITS[:1], out)
    assert "\x1b[48;2;26;188;156m" in out.getvalue()


@pytest.mark.parametrize("argv", [["search"], ["search", "#c0392b", "--class", "red"]])
def test_search_wants_exactly_one_kind_of_query(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*argv, "--api-url", "http://127.0.0.1:9"])
    assert code == 2  # a usage error, as argparse's own
    assert "exactly one" in capsys.readouterr().err
