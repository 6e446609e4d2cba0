"""An employer edits the company profile in place, and accepts a colleague's request to join."""
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.companies import team
from portal.extensions import db
from portal.models import Company, CompanyInvitation, CompanyMember
from tests import factories
from tests.helpers.files import PNG

pytestmark = pytest.mark.browser


@pytest.fixture
def employer_page(page: Page, log_in, live_server: str):
    # Registered in Lima: every choice below really changes the lists that follow it.
    company = factories.company(verified=False, legal_name="Electro Sur S.A.C.", department_code="15",
                                province_code="1501")
    factories.employer(company, email="jefe@electrosur.pe")
    log_in("jefe@electrosur.pe")
    expect(page).to_have_url(f"{live_server}/empresa")
    return page, company


def test_employer_edits_the_profile_in_place(employer_page, live_server: str, browser_errors, tmp_path):
    page, company = employer_page
    page.goto("/empresa/perfil")
    page.evaluate("window.stillHere = true")
    form = page.locator("#company-profile-form")

    # The province list follows the department, then the districts follow the province.
    form.get_by_label("Departamento").select_option(label="Arequipa")
    expect(form.get_by_label("Provincia").locator("option", has_text="Caylloma")).to_have_count(1)
    form.get_by_label("Provincia").select_option(label="Arequipa")
    expect(form.get_by_label("Distrito").locator("option", has_text="Yanahuara")).to_have_count(1)
    form.get_by_label("Distrito").select_option(label="Yanahuara")
    expect(form.get_by_label("Provincia")).to_have_value("0401")

    form.get_by_label("Nombre comercial").fill("Electro Sur")
    form.get_by_label("Página web").fill("ftp://electrosur.pe")
    browser_errors.allow_status(422, "/empresa/perfil")
    form.get_by_role("button", name="Guardar perfil").click()
    expect(form.locator("#website-error")).to_contain_text("http:// o https://")
    expect(form.get_by_label("Nombre comercial")).to_have_value("Electro Sur")  # kept
    expect(form.get_by_label("Distrito")).to_have_value("040126")

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    form.get_by_label("Página web").fill("electrosur.pe")
    form.get_by_label("Logo (opcional)").set_input_files(str(logo))
    form.get_by_role("button", name="Guardar perfil").click()
    expect(page.locator("#notices")).to_contain_text("Guardamos el perfil de la empresa.")
    expect(form.get_by_label("Página web")).to_have_value("https://electrosur.pe")
    expect(form.get_by_role("img", name="Logo actual de Electro Sur")).to_be_visible()
    assert page.evaluate("window.stillHere") is True

    db.session.expire_all()
    saved = db.session.get(Company, company.id)
    assert (saved.trade_name, saved.district_code) == ("Electro Sur", "040126")
    assert saved.logo_path and saved.logo_path.endswith(".png")
    assert browser_errors == []


def test_employer_accepts_a_request_in_place(employer_page, browser_errors):
    page, company = employer_page
    requester = factories.employer(company, email="luis@electrosur.pe", state="pending")
    page.goto("/empresa/equipo")
    members = page.locator("#company-members")
    expect(members).not_to_contain_text("luis@electrosur.pe")
    request = page.locator("#company-requests li", has_text="luis@electrosur.pe")
    request.get_by_role("button", name="Aceptar").click()
    expect(request).to_contain_text("✓ Aceptaste a")
    expect(members).to_contain_text("luis@electrosur.pe")  # the list elsewhere on the page follows
    expect(page.locator("#notices")).to_contain_text("ya es parte del equipo")
    db.session.expire_all()
    state = db.session.scalar(select(CompanyMember.state).where(CompanyMember.user_id == requester.id))
    assert state == "active"
    assert browser_errors == []


def test_owner_removes_a_member_and_revokes_an_invitation_in_place(employer_page, browser_errors):
    page, company = employer_page
    owner = db.session.scalar(select(CompanyMember).where(CompanyMember.company_id == company.id))
    leaving = factories.employer(company, email="luis@electrosur.pe")
    db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == leaving.id)).is_owner = False
    db.session.commit()
    team.invite(company, owner.user, "ana@electrosur.pe")
    page.goto("/empresa/equipo")
    page.evaluate("window.stillHere = true")
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first

    members = page.locator("#company-members")
    members.locator("li", has_text="luis@electrosur.pe").get_by_role("button", name="Quitar").click()
    expect(page.locator("#notices")).to_contain_text("del equipo y cerramos sus sesiones")
    expect(members).not_to_contain_text("luis@electrosur.pe")
    expect(members).to_contain_text("Miembros (1)")

    invitations = page.locator("#company-invitations")
    invitations.locator("li", has_text="ana@electrosur.pe").get_by_role("button", name="Anular").click()
    expect(page.locator("#notices")).to_contain_text("Anulaste la invitación para ana@electrosur.pe")
    expect(invitations).to_contain_text("No hay invitaciones pendientes.")
    assert page.evaluate("window.stillHere") is True

    db.session.expire_all()
    assert db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == leaving.id)) is None
    assert db.session.scalar(select(CompanyInvitation.state)) == "revoked"
    assert browser_errors == []
