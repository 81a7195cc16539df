"""The colour search's query terms as a client writes them: the kinds of query, how each ranks, and the
limits and defaults of their values. The API's search route is declared from this module (its
description is this docstring from "Four kinds" on), so routing a request does not load the search
itself (:mod:`palette_service.domain.search`, which parses and ranks).

Four kinds of query, one frozen dataclass each:

- :class:`ColorQuery` (``color``): a still matches when one of its palette colours lies within
  CIEDE2000 ``max_delta_e`` of the colour and covers at least ``min_share`` of the frame. Its score
  is ``share * (1 - ΔE/max_delta_e)`` of its best such colour (1 for a whole frame of exactly the
  colour, 0 at the edge of the radius), ranked high to low.
- :class:`MixQuery` (``colors=c0392b:30,1abc9c:20``): every still found is ranked, low to high, by
  its *mix distance*: the partial earth mover's distance, in CIEDE2000, from the query's colours
  (weights as fractions, total W ≤ 1) to the palette (its proportions, made to sum to 1), where
  every unit of query mass is moved at least cost and palette mass not needed is free, divided by W:
  the mean ΔE the query's colour travels. Solved exactly by a small min-cost flow.
- :class:`SimilarQuery` ("more like this"): the same distance, with the source palette's colours as
  the query (all of its mass); the source still itself is left out.
- :class:`ClassQuery` (``class``): a still matches when one of its colours of that basic colour
  term covers at least ``min_share``; its score is the share of all its colours of that term.

Every ranking is a total order: ties go to the film, then the still name (``Hit.sort_key``).
"""

from __future__ import annotations

from typing import Final

DEFAULT_MAX_DELTA_E: Final = 10.0
MIN_DELTA_E: Final = 1.0
MAX_DELTA_E: Final = 50.0
DEFAULT_MIN_SHARE: Final = 0.02
DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 100
# A query colour: six hex digits, with or without '#' (the OpenAPI document states it too).
HEX_PATTERN: Final = r"^#?[0-9a-fA-F]{6}$"
