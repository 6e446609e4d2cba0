"""An opening as a crawler or a link preview reads it in a real browser: the og: tags and the
JobPosting from the DOM, the card picture they name, and the listing's feed link."""
import io
import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests import factories
from tests.helpers.job_posting import problems

pytestmark = pytest.mark.browser


def test_the_opening_page_carries_its_preview_and_job_posting(page: Page, live_server: str, browser_errors):
    company = factories.company(trade_name="Señales Andinas")
    opening = factories.opening(company, title='Técnico en señalización </script> & "vial"',
                                pay_monthly=Decimal("1800"))
    page.goto(f"/ofertas/{opening.id}")
    expect(page.locator("h1")).to_have_text('Técnico en señalización </script> & "vial"')

    def meta(key: str) -> str:
        return page.locator(f'meta[property="{key}"], meta[name="{key}"]').get_attribute("content")

    assert meta("og:title") == 'Técnico en señalización </script> & "vial" · Señales Andinas'
    assert meta("og:url") == f"http://localhost/ofertas/{opening.id}"
    assert meta("twitter:card") == "summary_large_image"
    image_url = meta("og:image")
    assert image_url.startswith(f"http://localhost/ofertas/{opening.id}/tarjeta.png?v=")

    scripts = page.locator('script[type="application/ld+json"]')
    expect(scripts).to_have_count(1)
    posting = json.loads(scripts.text_content())
    assert posting["title"] == 'Técnico en señalización </script> & "vial"'
    assert posting["hiringOrganization"]["name"] == "Señales Andinas"
    assert problems(posting) == []

    # The picture the tags name (BASE_URL is http://localhost here: asked of the live server).
    target = urlsplit(image_url)
    response = page.request.get(f"{target.path}?{target.query}")
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.body())).size == (1200, 630)
    assert browser_errors == []  # the JSON-LD block is data: no CSP report, no script error


def test_the_listing_offers_its_search_as_a_feed(page: Page, live_server: str, browser_errors):
    factories.opening(title="Electricista de mantenimiento")
    page.goto("/ofertas?q=electricista")
    link = page.get_by_role("link", name="Seguir esta búsqueda (Atom)")
    expect(link).to_have_attribute("href", "/ofertas.atom?q=electricista")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and "application/atom+xml" in response.headers["content-type"]
    assert "Electricista de mantenimiento" in response.text()
    assert browser_errors == []
