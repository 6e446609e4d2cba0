"""/empresa/perfil: the page and its fragment, bad input, tenancy, CSRF and the logo."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Company
from tests import factories
from tests.helpers.files import JPEG, PNG, gps_exif, image


@pytest.fixture
def company(app):
    return factories.company(verified=False, legal_name="Electro Sur S.A.C.")


@pytest.fixture
def owner(company, auth):
    user = factories.employer(company)
    auth.login(user)
    return user


def form(**changes) -> dict:
    values = {"legal_name": "Electro Sur S.A.C.", "trade_name": "Electro Sur", "sector": "Electricidad",
              "department_code": "04", "province_code": "0401", "district_code": "040101",
              "address": "Av. Ejército 101, Yanahuara", "website": "https://electrosur.pe",
              "phone": "054 123456", "description": "Tableros e instalaciones industriales."}
    return {**values, **changes}


def test_page_shows_the_form_and_explains_the_fixed_ruc(client, company, owner):
    response = client.get("/empresa/perfil")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page and 'id="company-profile-form"' in page
    assert company.ruc in page and "El RUC no se puede cambiar" in page
    assert 'name="ruc"' not in page
    assert 'value="Electro Sur S.A.C."' in page
    assert 'enctype="multipart/form-data"' in page
    assert "Sin verificar" in page
    assert "HX-Request" in response.headers["Vary"]


def test_fragment_for_htmx(client, owner, htmx_headers):
    response = client.get("/empresa/perfil", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith("<form id=\"company-profile-form\"")


def test_saving_without_javascript_redirects_with_a_message(client, company, owner):
    response = client.post("/empresa/perfil", data=form())
    assert response.status_code == 303
    assert response.headers["Location"] == "/empresa/perfil"
    saved = db.session.get(Company, company.id)
    assert (saved.trade_name, saved.province_code, saved.phone) == ("Electro Sur", "0401", "054 123456")
    assert "Guardamos el perfil de la empresa." in client.get("/empresa/perfil").get_data(as_text=True)


def test_saving_with_htmx_answers_the_fragment_and_a_notice(client, company, owner, htmx_headers):
    response = client.post("/empresa/perfil", data=form(trade_name="ElectroSur"), headers=htmx_headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'value="ElectroSur"' in page
    assert json.loads(response.headers["HX-Trigger"])["notice-posted"]["message"] == "Guardamos el perfil de la empresa."
    assert db.session.get(Company, company.id).trade_name == "ElectroSur"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("legal_name", "", "Ingresa la razón social, como figura en SUNAT."),
        ("website", "ftp://electrosur.pe", "La web debe ser una dirección que empiece con http:// o https://"),
        ("phone", "abc", "El teléfono debe tener de 6 a 15 dígitos"),
        ("trade_name", "x" * 201, "Máximo 200 caracteres."),
        ("district_code", "150101", "Elige un distrito de Arequipa"),
    ],
)
@pytest.mark.parametrize("partial", [False, True])
def test_bad_input_is_explained_keeps_what_was_typed_and_saves_nothing(
    client, company, owner, htmx_headers, field, value, message, partial
):
    response = client.post("/empresa/perfil", data=form(**{field: value}),
                           headers=htmx_headers if partial else {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert ('<html' in page) is not partial
    assert 'value="Av. Ejército 101, Yanahuara"' in page  # what was typed is kept
    saved = db.session.get(Company, company.id)
    assert saved.address is None and saved.trade_name is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.profile_updated")) is None


def test_without_javascript_a_new_department_brings_its_provinces(client, company, owner):
    # The province list still showed Arequipa's when the department changed to Lima.
    response = client.post("/empresa/perfil", data=form(department_code="15", province_code="0401", district_code=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Elige una provincia de Lima" in page
    assert '<option value="1501">' in page and 'value="0401"' not in page
    assert db.session.get(Company, company.id).department_code == "04"  # unchanged


def test_without_csrf_token_nothing_changes(client, company, owner):
    response = client.post("/empresa/perfil", data=form(trade_name="Sin token"), csrf=False)
    assert response.status_code == 400
    assert db.session.get(Company, company.id).trade_name is None


def test_an_employer_only_ever_edits_its_own_company(client, auth, company):
    other = factories.company(legal_name="Otra Empresa S.A.C.")
    auth.login(factories.employer(other))
    response = client.post("/empresa/perfil", data=form(legal_name="Tomada S.A.C."))
    assert response.status_code == 303
    assert db.session.get(Company, company.id).legal_name == "Electro Sur S.A.C."
    assert db.session.get(Company, other.id).legal_name == "Tomada S.A.C."


def test_a_pending_member_cannot_edit(client, auth, company):
    auth.login(factories.employer(company, state="pending"))
    assert client.get("/empresa/perfil").headers["Location"] == "/empresa"
    response = client.post("/empresa/perfil", data=form(trade_name="Pendiente"))
    assert response.status_code == 302 and response.headers["Location"] == "/empresa"
    assert db.session.get(Company, company.id).trade_name is None


def test_anonymous_visitors_are_sent_to_sign_in_and_other_roles_refused(client, auth):
    response = client.get("/empresa/perfil")
    assert response.status_code == 302 and "/ingresar" in response.headers["Location"]
    auth.login(factories.student())
    assert client.get("/empresa/perfil").status_code == 403


def test_logo_upload_is_stored_and_served(client, company, owner):
    response = client.post("/empresa/perfil", data={**form(), "logo": (io.BytesIO(PNG), "logo.png")})
    assert response.status_code == 303
    saved = db.session.get(Company, company.id)
    assert saved.logo_path.startswith("logos/") and saved.logo_path.endswith(".png")
    assert "logo.png" not in saved.logo_path  # a random name, never the uploaded one
    served = client.get(f"/empresas/{company.id}/logo")
    assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).format == "PNG"
    assert served.mimetype == "image/png"
    assert f"/empresas/{company.id}/logo" in client.get("/empresa/perfil").get_data(as_text=True)


def test_a_jpeg_logo_with_a_png_name_is_stored_as_jpeg(client, company, owner):
    client.post("/empresa/perfil", data={**form(), "logo": (io.BytesIO(JPEG), "logo.png")})
    assert db.session.get(Company, company.id).logo_path.endswith(".jpg")
    assert client.get(f"/empresas/{company.id}/logo").mimetype == "image/jpeg"


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"Hola, no soy una imagen", "logo.png", "El logo debe ser una imagen PNG o JPG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "No aceptamos logos SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "logo.png", "No aceptamos logos SVG"),
        (PNG + b"\x00" * (1024 * 1024), "grande.png", "El archivo pesa más de 1 MB"),
    ],
)
def test_a_logo_that_is_not_png_or_jpeg_is_refused_and_nothing_is_saved(client, company, owner, content, name, message):
    response = client.post("/empresa/perfil", data={**form(trade_name="Con logo"), "logo": (io.BytesIO(content), name)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    saved = db.session.get(Company, company.id)
    assert saved.logo_path is None and saved.trade_name is None


def test_logo_route_is_404_without_a_logo(client, company):
    assert client.get(f"/empresas/{company.id}/logo").status_code == 404
    assert client.get("/empresas/999999/logo").status_code == 404


def test_removing_the_logo(client, company, owner):
    client.post("/empresa/perfil", data={**form(), "logo": (io.BytesIO(PNG), "logo.png")})
    response = client.post("/empresa/perfil", data={**form(), "remove_logo": "y"})
    assert response.status_code == 303
    assert db.session.get(Company, company.id).logo_path is None
    assert client.get(f"/empresas/{company.id}/logo").status_code == 404


def test_profile_output_is_escaped(client, company, owner, htmx_headers):
    response = client.post("/empresa/perfil", data=form(trade_name="<script>alert(1)</script>"), headers=htmx_headers)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.data


@pytest.mark.parametrize("stored", ["../secret_key", "logos/../../secret.png", "cvs/" + "a" * 32 + ".pdf",
                                    "logos/" + "a" * 32 + ".svg"])
def test_logo_route_only_serves_a_logo_we_stored(client, company, stored):
    company.logo_path = stored
    db.session.commit()
    assert client.get(f"/empresas/{company.id}/logo").status_code == 404


def test_a_phone_photo_logo_is_served_without_its_gps_position(client, company, owner):
    sent = image("JPEG", (1200, 900), exif=gps_exif())
    response = client.post("/empresa/perfil", data={**form(), "logo": (io.BytesIO(sent), "foto.jpg")})
    assert response.status_code == 303
    served = client.get(f"/empresas/{company.id}/logo")
    picture = Image.open(io.BytesIO(served.data))
    assert served.mimetype == "image/jpeg" and picture.size == (512, 384)
    assert not picture.getexif() and b"CelularMarca" not in served.data


@pytest.mark.parametrize("partial", [False, True])
def test_a_png_header_followed_by_html_is_refused_and_nothing_is_saved(client, company, owner, htmx_headers, partial):
    polyglot = PNG[:16] + b"<!doctype html><script>alert(document.cookie)</script>"
    response = client.post("/empresa/perfil", data={**form(trade_name="Con logo"), "logo": (io.BytesIO(polyglot), "logo.png")},
                           headers=htmx_headers if partial else {})
    assert response.status_code == 422
    assert "El logo debe ser una imagen PNG o JPG que se pueda abrir" in response.get_data(as_text=True)
    saved = db.session.get(Company, company.id)
    assert saved.logo_path is None and saved.trade_name is None
