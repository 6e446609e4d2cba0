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

from flask import current_app


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
