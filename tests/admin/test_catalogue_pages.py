"""/admin/catalogo: pages and their fragments, edits with and without htmx, and an edit is
seen by the listing and matching on the very next request."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.matching import index as matching_index
from portal.models import AuditEvent, Family, Module, Programme, StudentSkill
from tests import factories
from tests.helpers.catalogue import restored_catalogue
from tests.helpers.events import toast


@pytest.fixture(autouse=True)
def restore(app):
    with restored_catalogue():
        yield


@pytest.fixture
def admin(auth):
    user = factories.admin()
    auth.login(user)
    return user


def test_pages_and_their_fragments(client, admin, htmx_headers):
    programme = factories.programme()
    family = programme.family
    pages = [
        ("/admin/catalogo", "Catálogo de oficios", 'id="catalogue-families"', family.name),
        (f"/admin/catalogo/familias/{family.id}", "Nombre de la familia", 'id="catalogue-programmes"', programme.name),
        (f"/admin/catalogo/programas/{programme.id}", "Nombre del programa", 'id="catalogue-modules"',
         programme.modules[0].name),
        ("/admin/catalogo/habilidades", "Habilidades libres", 'id="skill-preview"', ""),
        (f"/admin/catalogo/programas/{programme.id}/fusionar", "Fusionar con", 'id="merge-preview"', ""),
    ]
    for url, page_words, fragment_id, content in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        assert page_words in body and fragment_id in body and content in body and "<html" in body
        fragment = client.get(url, headers=htmx_headers)
        assert fragment.status_code == 200
        text = fragment.get_data(as_text=True)
        assert fragment_id in text and "<html" not in text and page_words not in text, url
    assert 'href="/admin/catalogo"' in client.get("/admin").get_data(as_text=True)


def test_add_a_family_with_and_without_htmx(client, admin, htmx_headers):
    response = client.post("/admin/catalogo/familias", data={"name": "Energías renovables"}, headers=htmx_headers)
    assert response.status_code == 200
    assert toast(response) == "Añadiste la familia «Energías renovables»."
    assert "Energías renovables" in response.get_data(as_text=True)
    plain = client.post("/admin/catalogo/familias", data={"name": "Logística"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/admin/catalogo")
    assert db.session.scalar(select(Family).where(Family.name == "Logística")) is not None


def test_a_bad_input_is_refused_in_spanish_and_changes_nothing(client, admin, htmx_headers):
    family = factories.family()
    response = client.post("/admin/catalogo/familias", data={"name": family.name.upper()}, headers=htmx_headers)
    assert response.status_code == 422 and toast(response).startswith(f"Ya existe «{family.name}»")
    response = client.post(f"/admin/catalogo/familias/{family.id}/programas", data={"name": "Domótica", "level": "x"},
                           headers=htmx_headers)
    assert response.status_code == 422 and "Elige el nivel" in toast(response)
    assert db.session.scalar(select(Programme).where(Programme.name == "Domótica")) is None
    assert db.session.scalar(select(AuditEvent)) is None


def test_modules_move_up_and_down_and_are_renamed_in_place(client, admin, htmx_headers):
    programme = factories.programme()
    first, second = programme.modules[0], programme.modules[1]
    response = client.post(f"/admin/catalogo/modulos/{second.id}/subir", headers=htmx_headers)
    assert response.status_code == 200 and toast(response) == f"Moviste «{second.name}» arriba."
    body = response.get_data(as_text=True)
    assert body.index(second.name) < body.index(first.name)
    assert toast(client.post(f"/admin/catalogo/modulos/{second.id}/subir", headers=htmx_headers)) \
        == f"«{second.name}» ya está primero."
    response = client.post(f"/admin/catalogo/modulos/{first.id}/nombre", data={"name": "Tableros eléctricos"})
    assert response.status_code == 303
    assert db.session.get(Module, first.id).name == "Tableros eléctricos"


def test_retiring_a_programme_takes_it_off_registration(client, admin, htmx_headers):
    programme = factories.programme()
    response = client.post(f"/admin/catalogo/programas/{programme.id}/retirar", headers=htmx_headers)
    assert response.status_code == 200 and "Retiraste el programa" in toast(response)
    assert "Retirado" in response.get_data(as_text=True)
    client.post("/salir")
    form = client.get("/registro/estudiante").get_data(as_text=True)
    assert f'value="{programme.id}"' not in form
    assert f'value="{factories.programme("Electrónica").id}"' in form


def test_merging_previews_then_moves(client, admin, htmx_headers):
    merged, kept = factories.programme(), factories.programme("Electrónica")
    user = factories.student(programme_row=merged)
    preview = client.get(f"/admin/catalogo/programas/{merged.id}/fusionar?con={kept.id}", headers=htmx_headers)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 estudiantes con este programa pasan a" in text
    assert 'name="kept_id"' in text
    assert db.session.get(Programme, merged.id).merged_into_id is None  # a preview changes nothing
    same = client.get(f"/admin/catalogo/programas/{merged.id}/fusionar?con={merged.id}", headers=htmx_headers)
    assert same.status_code == 422 and "dos elementos distintos" in same.get_data(as_text=True)
    response = client.post(f"/admin/catalogo/programas/{merged.id}/fusionar", data={"kept_id": kept.id})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/catalogo/programas/{kept.id}")
    db.session.expire_all()
    assert user.student.programme_id == kept.id


def test_merging_skills_from_the_page(client, admin, htmx_headers):
    student = factories.student()
    db.session.add(StudentSkill(student_id=student.student.id, name="Excel", normalized="excel"))
    db.session.commit()
    page = client.get("/admin/catalogo/habilidades?de=Excel&en=Microsoft Excel", headers=htmx_headers)
    assert "1 estudiantes con esta habilidad pasan a «Microsoft Excel»" in page.get_data(as_text=True)
    response = client.post("/admin/catalogo/habilidades/fusionar", data={"de": "Excel", "en": "Microsoft Excel"},
                           headers=htmx_headers)
    assert response.status_code == 204 and "Fusionaste «Excel»" in toast(response)
    assert db.session.scalar(select(StudentSkill.name)) == "Microsoft Excel"


def test_a_rename_shows_on_the_listing_and_in_matching_on_the_next_request(client, admin, htmx_headers):
    programme = factories.programme()
    opening = factories.opening(title="Técnico de tableros", required_modules=1)
    opening.programmes = [programme]
    db.session.commit()
    module = programme.modules[0]
    # Warm every cache first: the index, the search term, matching's facts.
    assert "0 ofertas" in client.get("/ofertas?q=fotovoltaica", headers=htmx_headers).get_data(as_text=True)
    before = matching_index.open_opening_facts([opening.id], clock.today())[opening.id]
    assert [r.label for r in before.requirements] == [module.name]

    client.post(f"/admin/catalogo/programas/{programme.id}/nombre",
                data={"name": "Electricidad fotovoltaica", "level": programme.level})
    client.post(f"/admin/catalogo/modulos/{module.id}/nombre", data={"name": "Paneles solares"})

    found = client.get("/ofertas?q=fotovoltaica", headers=htmx_headers).get_data(as_text=True)
    assert "Técnico de tableros" in found
    listing = client.get(f"/ofertas?familia={programme.family_id}&programa={programme.id}").get_data(as_text=True)
    assert "Electricidad fotovoltaica" in listing and "Técnico de tableros" in listing
    after = matching_index.open_opening_facts([opening.id], clock.today())[opening.id]
    assert [r.label for r in after.requirements] == ["Paneles solares"]


def test_an_old_opening_keeps_its_retired_programme_on_its_form_and_new_ones_do_not_offer_it(client, auth):
    programme = factories.programme()
    employer = factories.employer()
    opening = factories.opening(employer.membership.company, state="draft")
    opening.programmes = [programme]
    db.session.commit()
    admin_user = factories.admin()
    auth.login(admin_user)
    client.post(f"/admin/catalogo/programas/{programme.id}/retirar")
    client.post("/salir")
    auth.login(employer)
    edit = client.get(f"/empresa/ofertas/{opening.id}/editar").get_data(as_text=True)
    assert re.search(rf'<input checked [^>]*name="programme_ids" type="checkbox" value="{programme.id}"', edit)
    fields = client.get(f"/empresa/ofertas/campos?family_id={programme.family_id}").get_data(as_text=True)
    assert not re.search(rf'name="programme_ids" type="checkbox" value="{programme.id}"', fields)
    assert re.search(rf'name="programme_ids" type="checkbox" value="{factories.programme("Electrónica").id}"', fields)
