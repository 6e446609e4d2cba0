"""A student downloads her data and asks to delete her account in a real browser; every page
then carries the banner, she cancels from it; an admin sees a pending request and runs it.
axe-core finds no violations on the new pages, on a desktop and on a phone."""
import io
import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import User
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser

EMAIL = "rosa.quispe@example.pe"


def _student() -> User:
    user = factories.named(factories.student(email=EMAIL), "Rosa", "Quispe Mamani")
    return user


def test_a_student_downloads_her_data_asks_to_delete_and_cancels(page: Page, log_in, live_server,
                                                                  browser_errors):
    user = _student()
    audit = Audit(page)
    log_in(EMAIL)
    page.goto("/estudiante/perfil")
    page.get_by_role("link", name="Descargar mis datos").click()
    expect(page).to_have_url(f"{live_server}/cuenta/mis-datos")
    audit.check("/cuenta/mis-datos")

    with page.expect_download() as download:
        page.get_by_role("button", name="Descargar mis datos (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert json.loads(archive.read("mis-datos.json"))["cuenta"]["email"] == EMAIL

    # A wrong password is refused in place (422), with the reason beside the field.
    browser_errors.allow_status(422, "/cuenta/eliminar")
    page.get_by_label("Tu contraseña").fill("no-es-mi-clave")
    page.get_by_role("button", name="Eliminar mi cuenta").click()
    expect(page.locator("#account-deletion")).to_contain_text("La contraseña no es correcta")
    audit.check("/cuenta/mis-datos with a wrong password")
    page.get_by_label("Tu contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Eliminar mi cuenta").click()
    expect(page.locator("#account-deletion")).to_contain_text("Pediste eliminar tu cuenta")
    expect(page.locator("#notices")).to_contain_text("hasta entonces puedes entrar y cancelarlo")
    audit.check("/cuenta/mis-datos, deletion pending")

    page.goto("/estudiante")
    banner = page.locator("#deletion-banner")
    expect(banner).to_contain_text("Tu cuenta se eliminará el")
    audit.check("/estudiante with the deletion banner")
    page.set_viewport_size({"width": 360, "height": 740})
    audit.check("/estudiante with the banner, phone")
    page.goto("/cuenta/mis-datos")
    audit.check("/cuenta/mis-datos, phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/estudiante")
    banner.get_by_role("button", name="Cancelar la eliminación").click()
    expect(page).to_have_url(f"{live_server}/cuenta/mis-datos")
    expect(page.locator("#notices")).to_contain_text("Cancelaste la eliminación")
    expect(page.locator("#deletion-banner")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(User, user.id).deletion_due_at is None
    audit.assert_clean()
    assert browser_errors == []


def test_an_admin_sees_a_pending_deletion_and_runs_it_now(page: Page, log_in, live_server, browser_errors):
    from portal.privacy import deletion

    user = _student()
    deletion.request_deletion(user, factories.PASSWORD)
    db.session.commit()
    log_in(factories.admin().email)
    audit = Audit(page)
    page.goto("/admin")
    page.get_by_role("link", name="Eliminaciones de cuentas").click()
    expect(page.locator("#deletion-requests")).to_contain_text("Rosa Quispe Mamani")
    audit.check("/admin/eliminaciones")
    page.set_viewport_size({"width": 360, "height": 740})
    audit.check("/admin/eliminaciones, phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Eliminar ahora la cuenta de Rosa Quispe Mamani").click()
    expect(page.locator("#deletion-requests")).to_contain_text("Nadie pidió eliminar su cuenta")
    audit.check("/admin/eliminaciones, empty")
    db.session.expire_all()
    assert db.session.get(User, user.id).full_name == "Cuenta eliminada"
    audit.assert_clean()
    assert browser_errors == []
