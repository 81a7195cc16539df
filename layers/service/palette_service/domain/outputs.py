"""The user metadata on each output (palette JSON, swatch) naming the object version it was made from.

The extraction writes it; the extraction's repair and the removal read it to tell whose outputs are
current at a key.
"""

from __future__ import annotations

SOURCE_SEQUENCER = "source-sequencer"
SOURCE_ETAG = "source-etag"
