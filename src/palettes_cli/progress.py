"""Progress bars on stderr, drawn only on a terminal (so pipes and logs stay clean)."""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(total: int, *, unit: str, desc: str, enabled: bool = True, **options: Any) -> Any:
    """A tqdm bar; ``enabled=False`` hides it even on a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total, unit=unit, desc=desc, file=sys.stderr, disable=None if enabled else True, **options
    )
