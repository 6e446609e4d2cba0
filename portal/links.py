"""Links to the portal's own pages by endpoint name, for services, queries and CLI jobs.

`path()` is what a notification stores ("/empresa/equipo"); `external()` is what an email
carries (BASE_URL + that path). Both are built from the app's URL map, as `url_for` builds
them, but bound to BASE_URL instead of the current request: `url_for` needs a request (or a
SERVER_NAME, which would also make Flask refuse requests for any other host), and inside a
request its external links take the host from the request's Host header, which the sender
chooses. So a view, a cron job and a test build the same links, and an emailed reset link
never points at a host someone typed.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import quote_plus

from flask import current_app, request, url_for
from werkzeug.datastructures import iter_multi_items


def base_url() -> str:
    """The portal's address as people reach it ("https://enlace.pe"), without a final slash."""
    return current_app.config["BASE_URL"].rstrip("/")


def path(endpoint: str, **values) -> str:
    """The path of a page on this site, e.g. path("openings.show", opening_id=7) == "/ofertas/7".

    Values the rule does not name become the query string, as with `url_for`."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(site_path: str) -> str:
    """An absolute link to a path on this site (one `path()` built, or a stored notification's)."""
    return base_url() + site_path


def external(endpoint: str, **values) -> str:
    """The absolute link to a page, for an email: BASE_URL + path(endpoint, **values)."""
    return absolute(path(endpoint, **values))


# url_for(endpoint) of endpoints whose rules take no values, by (endpoint, script root).
_PLAIN: dict[tuple[str, str], str | None] = {}


def with_query(endpoint: str, args: Mapping[str, object]) -> str:
    """`url_for(endpoint, **args)` inside a request, for an endpoint whose URL has no values of
    its own (every one of `args` goes to the query string): the path is built once per
    endpoint and script root, and the query string written as Werkzeug writes it (values of
    None left out, lists as repeated keys, the same characters left unescaped). A listing
    fragment writes up to seven such links, at 13 µs each through the URL map.
    tests/test_links.py holds it to `url_for`."""
    key = (endpoint, request.script_root)
    base = _PLAIN.get(key)
    if base is None:
        if key in _PLAIN or any(rule.arguments for rule in current_app.url_map.iter_rules(endpoint)):
            _PLAIN[key] = None
            return url_for(endpoint, **args)
        base = _PLAIN[key] = url_for(endpoint)
    query = "&".join(f"{_quoted(str(key))}={_quoted(str(value))}" for key, value in iter_multi_items(args)
                     if value is not None)
    return f"{base}?{query}" if query else base


def page_links(page, endpoint: str, filters=None, path: Mapping[str, object] = MappingProxyType({})
               ) -> dict[int, str]:
    """The links of a paged list's pager (templates/_macros/pager.html), by page number: each
    number it shows and the pages before and after this one. A page's link is
    `url_for(endpoint, **path, **filters.args(pagina=n))`, or only `pagina` (from page 2)
    without filters. Made here in one call: as a macro per link, a pager of the listing's
    fragment cost more than the rest of the fragment."""
    wanted = {number for number in (*page.numbers(), page.page - 1, page.page + 1)
              if number is not None and 1 <= number <= page.pages}
    return {number: with_query(endpoint, {**path, **(filters.args(pagina=number) if filters else
                                                      ({"pagina": number} if number > 1 else {}))})
            for number in sorted(wanted)}


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """A key or value as Werkzeug's `url_for` writes it into a query string (`urlencode`'s
    quoting). Kept: a pager writes the same filter values into each of its page links, and
    quoting was most of a link's cost."""
    return quote_plus(text, safe="!$'()*,/:;?@")
