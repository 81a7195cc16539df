"""HTTP details of the API's answers: file downloads, binary bodies, the HTML pages' headers."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# A filename reaches a header: keep letters, digits and a few marks; every other character,
# control and bidi characters above all (U+202E would show "exe.ase" as "esa.exe"), is replaced.
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._ -]")
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

# The gallery page's size and policy, here rather than in web.gallery so that the API's routes name
# them without importing the page's renderer (it loads on the first gallery request).
GALLERY_DEFAULT_LIMIT = 24
# Each still adds its swatch (about 30 KB, 40 KB as base64): 48 keep a page far below Lambda's 6 MB
# response limit.
GALLERY_MAX_LIMIT = 48
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
)

HTML_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def safe_filename(filename: str) -> str:
    """``filename`` without control, format (bidi) or unassigned characters, nor path separators."""
    kept = "".join(
        "_" if unicodedata.category(char) in _UNSAFE_CATEGORIES or char in '/\\"' else char
        for char in filename
    )
    return kept.strip() or "palette"


def content_disposition(filename: str) -> str:
    """An attachment header that survives any file name (RFC 6266 with an RFC 5987 UTF-8 form)."""
    name = safe_filename(filename)
    fallback = _UNSAFE_ASCII.sub("_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def is_text_media_type(media_type: str) -> bool:
    """Whether a body of this type is served as text; any other is binary (base64 through API Gateway)."""
    base = media_type.split(";", 1)[0].strip()
    return base.startswith("text/") or base == "application/json"
