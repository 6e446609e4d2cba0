"""An employer registers its company: the RUC is checked inline as it is typed, and the
account is activated from the link emailed to the address typed."""
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Company, OutboxEmail, User

pytestmark = pytest.mark.browser

VALID_RUC = "20100070970"
BAD_CHECK_DIGIT = "20100070971"


def test_employer_registers_with_inline_ruc_check(page: Page, live_server: str, browser_errors):
    page.goto("/")
    page.get_by_role("link", name="Empresas").click()
    expect(page).to_have_url(f"{live_server}/registro/empresa")

    ruc = page.get_by_label("RUC de la empresa")
    check = page.locator("#ruc-check")
    checks: list[str] = []
    page.on("request", lambda request: "/registro/validar/ruc" in request.url and checks.append(request.url))

    # A mistyped RUC is flagged while typing, before anything is submitted.
    ruc.press_sequentially(BAD_CHECK_DIGIT, delay=20)
    expect(check).to_have_text(
        "El RUC no es válido: su dígito verificador no corresponde. Revisa que esté bien escrito."
    )
    expect(check).to_have_class("hint field-error")
    expect(page).to_have_url(f"{live_server}/registro/empresa")
    # Debounced: checked once the person pauses, not on each of the 11 keystrokes.
    assert 1 <= len(checks) <= 3, checks

    # Too short is explained too.
    ruc.fill("2010007")
    expect(check).to_have_text("El RUC tiene 11 dígitos; ingresaste 7.")

    # Fixed: the message turns into a confirmation.
    ruc.fill("")
    ruc.press_sequentially(VALID_RUC, delay=20)
    expect(check).to_contain_text("RUC válido")
    expect(check).to_have_text(f"✓ RUC válido: {VALID_RUC}.")
    expect(check).not_to_have_class("hint field-error")

    page.get_by_label("Razón social").fill("Industrias del Sur S.A.C.")
    page.get_by_label("Nombres").fill("Carlos")
    page.get_by_label("Apellidos").fill("Huamán Torres")
    page.get_by_label("Correo").fill("carlos@industriasdelsur.pe")
    page.get_by_label("Celular de contacto").fill("987654321")
    page.get_by_label("Contraseña").fill("una-clave-larga-2026")
    page.get_by_role("button", name="Registrar empresa").click()

    # Nobody is signed in yet: the same answer as for an email that has an account.
    expect(page).to_have_url(f"{live_server}/registro/revisa-tu-correo")
    expect(page.locator("main")).to_contain_text(
        "Te enviamos un correo a carlos@industriasdelsur.pe. Abre el enlace para activar tu cuenta.")
    expect(page.get_by_role("button", name="Salir")).to_have_count(0)

    db.session.expire_all()
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "carlos@industriasdelsur.pe"))
    assert email is not None and email.subject == "Activa tu cuenta de Enlace CETPRO"
    path = re.search(r"https?://[^/\s]+(/registro/confirmar/\S+)", email.body_text).group(1)
    page.goto(path)
    page.get_by_role("button", name="Activar mi cuenta").click()

    expect(page).to_have_url(f"{live_server}/empresa")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Industrias del Sur")
    expect(page.locator("main")).to_contain_text(f"RUC {VALID_RUC}")
    expect(page.locator("main .badge", has_text="Sin verificar")).to_be_visible()
    expect(page.locator("#notices")).to_contain_text("Tu empresa quedó registrada.")
    expect(page.get_by_role("button", name="Salir")).to_be_visible()

    db.session.expire_all()
    company = db.session.scalar(select(Company).where(Company.ruc == VALID_RUC))
    assert company is not None and company.verification_state == "unverified"
    user = db.session.scalar(select(User).where(User.email == "carlos@industriasdelsur.pe"))
    assert user is not None and user.role == "employer" and user.email_confirmed_at is not None
    assert browser_errors == []
