"""Where a redirect taken from user input (`next`, `back`, a stored link) may send a person.

An open redirect lets a phishing link borrow our domain: `/ingresar?next=…` that lands on
another site after a real sign-in. Checking the raw string is not enough, because a browser
reads a Location more loosely than a `startswith("/")` does (the WHATWG URL standard):

- it strips leading and trailing control characters and spaces, and removes tab, CR and LF
  anywhere (`/\t/evil.example` is `//evil.example`; Werkzeug also drops them, or refuses the
  header);
- before the query, a backslash is a slash (`/\\evil.example` is `//evil.example`);
- `//host` is another host with our scheme, and `javascript:`/`http:` are schemes;
- something in between (a proxy, a framework that decodes twice) may turn `%2F%2F` or `%09`
  into the above.

So one rule, and every view that redirects to a user-given target asks it: only an absolute
path on this site, with no character a browser or proxy would drop or reinterpret, in the
value as sent or in any percent-decoding of it.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000  # longer than any page of ours; a Location header stays small
_DECODINGS = 4  # `%252F` is `%2F` once decoded, `/` twice: look through a few layers
_DROPPED = re.compile("[\x00-\x1f\x7f]")


def _blank_or_invisible(char: str) -> bool:
    # Controls (C0 with tab/CR/LF, DEL, C1), format characters (BOM, zero-width, bidi),
    # surrogates, unassigned, and every space or line separator: our links encode them.
    return unicodedata.category(char)[0] in "CZ"


def _names_no_other_site(value: str) -> bool:
    """A path that starts with exactly one slash and names no host or scheme, once the
    characters a browser drops are dropped (a decoded `%09` among them)."""
    value = _DROPPED.sub("", value)
    if not value.startswith("/"):
        return False
    before_query = re.split("[?#]", value, maxsplit=1)[0]
    if "\\" in before_query or before_query.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_target(value: object) -> str | None:
    """`value` if a browser would stay on this site following it as a Location, else None.

    Accepted: "/estudiante", "/ofertas?q=gasfitero&pagina=2", "/empresa/postulaciones/3".
    Refused: anything not starting with one "/" ("https://…", "javascript:…", "ofertas",
    " /x"), "//host", "/\\host", any space, control or invisible character anywhere (a tab
    or newline included), and values whose percent-decoding names another site
    ("/%2F%2Fhost", "/%09/host", "/%5Chost").
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return None
    if any(_blank_or_invisible(char) for char in value):
        return None
    layer = value
    for _ in range(_DECODINGS + 1):
        if not _names_no_other_site(layer):
            return None
        try:
            decoded = unquote(layer, errors="strict") if "%" in layer else layer
        except UnicodeDecodeError:  # "%FF": no link of ours has bytes that are not UTF-8
            return None
        if decoded == layer:
            return value
        layer = decoded
    return None  # still changing after several decodings: nobody links like that
