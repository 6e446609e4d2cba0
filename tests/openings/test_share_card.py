"""Link previews: an open opening's og: tags and its 1200×630 card, cached by what it shows."""
import io
import re
from decimal import Decimal

import pytest
from PIL import Image

from portal.extensions import db
from tests import factories


def _meta(html: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    assert found, key
    return found.group(1).replace("&amp;", "&")


def _card_url(client, opening) -> str:
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    return _meta(html, "og:image")


def test_the_page_names_its_card_canonical_url_and_large_summary(client):
    company = factories.company(trade_name="Señales Andinas")
    opening = factories.opening(company, title="Técnico en señalización", pay_monthly=Decimal("1800"))
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert _meta(html, "og:title") == "Técnico en señalización · Señales Andinas"
    assert _meta(html, "og:url") == f"http://localhost/ofertas/{opening.id}"
    assert _meta(html, "og:description").startswith("Empleo en Arequipa · S/")
    assert re.fullmatch(rf"http://localhost/ofertas/{opening.id}/tarjeta\.png\?v=[0-9a-f]{{16}}",
                        _meta(html, "og:image"))
    assert _meta(html, "og:image:width") == "1200" and _meta(html, "og:image:height") == "630"
    assert _meta(html, "twitter:card") == "summary_large_image"
    assert _meta(html, "twitter:image") == _meta(html, "og:image")


def test_the_card_is_a_1200_by_630_png_that_caches_may_keep(client):
    opening = factories.opening(title="Técnico en refrigeración y climatización")
    response = client.get(_card_url(client, opening))
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    image.load()
    assert image.format == "PNG" and image.size == (1200, 630)
    assert "public" in response.headers["Cache-Control"] and "max-age=604800" in response.headers["Cache-Control"]
    assert response.headers["ETag"] == f'"{_card_url(client, opening).rsplit("=", 1)[1]}"'
    assert "Set-Cookie" not in response.headers


def test_the_same_opening_gives_the_same_bytes_and_a_304_when_asked_again(client):
    opening = factories.opening()
    url = _card_url(client, opening)
    first, second = client.get(url), client.get(url)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": '"otro"'}).status_code == 200


def test_a_new_title_is_a_new_picture_at_a_new_url(client):
    opening = factories.opening(title="Soldador")
    before_url = _card_url(client, opening)
    before = client.get(before_url)
    opening.title = "Soldador homologado"
    db.session.commit()
    after_url = _card_url(client, opening)
    after = client.get(after_url)
    assert after_url != before_url and after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data
    # An old ETag no longer matches: the new picture is sent.
    assert client.get(after_url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("change", [
    lambda o: setattr(o, "pay_monthly", Decimal("2100")),
    lambda o: setattr(o, "department_code", "15") or setattr(o, "province_code", "1501"),
    lambda o: setattr(o.company, "trade_name", "Otro Nombre"),
    lambda o: setattr(o.company, "verification_state", "unverified"),
])
def test_pay_place_company_and_badge_each_change_the_picture(client, change):
    opening = factories.opening()
    before = client.get(_card_url(client, opening))
    change(opening)
    db.session.commit()
    after = client.get(_card_url(client, opening))
    assert after.status_code == 200 and after.data != before.data


def test_what_the_card_does_not_show_leaves_it_alone(client):
    opening = factories.opening()
    before = client.get(_card_url(client, opening))
    opening.description = "Otra descripción, más larga."
    opening.vacancies = 5
    db.session.commit()
    assert client.get(_card_url(client, opening)).data == before.data


@pytest.mark.parametrize("state", ["draft", "closed", "filled", "expired", "suspended"])
def test_an_opening_that_takes_no_applications_has_no_card(client, state):
    opening = factories.opening(state=state)
    assert client.get(f"/ofertas/{opening.id}/tarjeta.png").status_code == 404
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert 'property="og:image"' not in html


def test_an_unknown_opening_has_no_card(client):
    assert client.get("/ofertas/999999/tarjeta.png").status_code == 404


def test_spanish_letters_are_drawn_with_a_font_that_has_them():
    from PIL import ImageFont

    from portal.openings import share_card

    for name in (share_card.REGULAR, share_card.BOLD):
        font = ImageFont.truetype(str(share_card.FONT_DIR / name), 40)
        # Each letter has its own glyph: none is drawn as the "missing" box (Pillow's own
        # default font, for one, has no "á" and would draw that box).
        missing = font.getmask("\uffff").getbbox()
        for letter in "áéíóúÁÉÍÓÚñÑü¿¡✓":
            assert font.getmask(letter).getbbox() != missing, (name, letter)
