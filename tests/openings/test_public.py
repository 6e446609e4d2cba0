"""Public listing and detail pages (the simple versions; the openings issue makes them rich)."""
from portal.extensions import db
from tests import factories


def test_listing_page_and_fragment(client, htmx_headers):
    factories.opening(title="Electricista industrial")
    page = client.get("/ofertas")
    assert page.status_code == 200 and b"<html" in page.data
    assert b"Electricista industrial" in page.data
    fragment = client.get("/ofertas", headers=htmx_headers)
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    assert fragment.data.lstrip().startswith(b'<section id="opening-results"')
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in page.headers["Vary"]


def test_listing_filters_by_text_family_department_and_type(client):
    factories.opening(title="Electricista en Arequipa", department_code="04", province_code="0401")
    cook = factories.opening(title="Cocinero en Cusco", description="Cocina de un hotel en el centro histórico.",
                             department_code="08", province_code="0801", kind="practicas_profesionales")
    cook.family_id = factories.family("Hostelería y Turismo").id
    db.session.commit()
    def text(**q):
        return client.get("/ofertas", query_string=q, headers={"HX-Request": "true", "HX-Request-Type": "partial"}).get_data(as_text=True)
    assert "Cocinero" not in text(q="electric")
    assert "Electricista" not in text(departamento="08")
    assert "Electricista" not in text(tipo="practicas_profesionales")
    assert "Cocinero" in text(tipo="practicas_profesionales")


def test_unknown_filter_values_are_ignored_and_late_pages_are_empty(client):
    factories.opening(title="Electricista")
    page = client.get("/ofertas", query_string={"familia": "x", "departamento": "99", "tipo": "estafa", "pagina": "-3"})
    assert page.status_code == 200 and b"Electricista" in page.data
    empty = client.get("/ofertas", query_string={"pagina": "500"})
    assert empty.status_code == 200
    assert b"No encontramos ofertas" in empty.data


def test_search_text_is_escaped(client):
    response = client.get("/ofertas", query_string={"q": '"><script>alert(1)</script>'})
    assert b"<script>alert(1)" not in response.data


def test_opening_page_has_what_a_person_needs_to_decide(client):
    opening = factories.opening(title="Técnico electricista", pay_monthly=1500)
    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "Técnico electricista" in page
    assert "S/\xa01,500.00" in page  # Babel es_PE
    assert "✓ Verificada" in page
    assert 'property="og:title"' in page and 'name="twitter:card"' in page
    assert "https://wa.me/?text=" in page
    assert "Ninguna empresa puede cobrarte" in page


def test_draft_is_404_to_everyone_but_its_company(client, auth):
    company = factories.company()
    draft = factories.opening(company, state="draft", title="Borrador")
    assert client.get(f"/ofertas/{draft.id}").status_code == 404
    auth.login(factories.employer())  # another company
    assert client.get(f"/ofertas/{draft.id}").status_code == 404
    auth.logout()
    auth.login(factories.employer(company))
    assert client.get(f"/ofertas/{draft.id}").status_code == 200


def test_closed_opening_states_why(client):
    opening = factories.opening(state="closed")
    page = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "Ya no recibe postulaciones" in page
