"""Responses travel compressed when the client accepts it; static files cache for a year."""
import gzip
import re

import pytest

from tests import factories
from tests.helpers.web import HTMX


@pytest.fixture
def listing(app):
    company = factories.company()
    for n in range(20):
        factories.opening(company, title=f"Técnico electricista de mantenimiento {n}")


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_page_and_fragment_are_gzipped_when_asked(client, listing, headers):
    plain = client.get("/ofertas", headers=headers)
    packed = client.get("/ofertas", headers={**headers, "Accept-Encoding": "gzip, deflate"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(packed.data)
    # Same markup (a page's CSRF token differs between requests, never its length).
    assert len(body) == len(plain.data) and body.count(b'<li class="opening">') == 20
    assert len(packed.data) < len(plain.data) / 3
    assert {"accept-encoding", "hx-request", "hx-request-type"} <= _vary(packed)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_nothing_is_compressed_unless_asked(client, listing, headers):
    for accept in (None, "identity", "br"):
        sent = {**headers, **({"Accept-Encoding": accept} if accept else {})}
        response = client.get("/ofertas", headers=sent)
        assert "Content-Encoding" not in response.headers
        assert b'class="opening"' in response.data
        assert {"accept-encoding", "hx-request"} <= _vary(response)


def test_static_files_are_versioned_cached_for_a_year_and_gzipped(client):
    page = client.get("/ofertas").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', page)
    assert any("app.css" in u for u in urls) and any("htmx" in u for u in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        if url.endswith((".css", ".js")) or ".css?" in url or ".js?" in url:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.data) == client.get(url).data
        response.close()
