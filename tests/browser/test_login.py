"""A student signs in, gets a wrong password right, and signs out — in a real browser."""
import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

WRONG_CREDENTIALS = "El correo o la contraseña no son correctos."


@pytest.fixture
def rosa():
    user = factories.student(email="rosa.quispe@example.pe")
    user.first_names = "Rosa"
    user.last_names = "Quispe Mamani"
    db.session.commit()
    return user


def fill_login(page: Page, email: str, password: str) -> None:
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()


def test_student_signs_in_and_out(page: Page, live_server: str, browser_errors, rosa):
    page.goto("/")
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Ingresar").click()
    expect(page).to_have_url(f"{live_server}/ingresar")

    fill_login(page, "rosa.quispe@example.pe", factories.PASSWORD)

    expect(page).to_have_url(f"{live_server}/estudiante")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Rosa")
    expect(page.locator("#notices")).to_contain_text("Hola, Rosa.")

    page.get_by_role("button", name="Salir").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("#notices")).to_contain_text("Cerraste tu sesión en todos tus dispositivos.")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Ingresar")).to_be_visible()
    expect(nav.get_by_role("button", name="Salir")).to_have_count(0)

    # Signed out for real: the dashboard asks to sign in again.
    page.goto("/estudiante")
    expect(page).to_have_url(re.compile(r"/ingresar\?next="))
    assert browser_errors == []


def test_wrong_password_keeps_the_form_with_a_spanish_message(
    page: Page, live_server: str, browser_errors, rosa
):
    browser_errors.allow_status(422, "/ingresar")  # the form comes back with 422, by design
    page.goto("/ingresar")

    fill_login(page, "rosa.quispe@example.pe", "no-es-mi-clave")

    expect(page).to_have_url(f"{live_server}/ingresar")
    expect(page.locator("#login-form")).to_contain_text(WRONG_CREDENTIALS)
    # The email stays typed; the password does not.
    expect(page.get_by_label("Correo")).to_have_value("rosa.quispe@example.pe")
    expect(page.get_by_label("Contraseña")).to_have_value("")
    expect(page.get_by_role("button", name="Salir")).to_have_count(0)

    # And the right password still works from there.
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(f"{live_server}/estudiante")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Rosa")
    assert browser_errors == []
