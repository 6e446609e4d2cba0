"""axe-core finds no violations on the CETPRO administration pages (list, form with errors,
a CETPRO with coordinators and invitations) nor on the invitation link's page, at a phone's
width and a desktop's."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.cetpros import invitations
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("width", WIDTHS)
def test_cetpro_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, width):
    page.set_viewport_size(WIDTHS[width])
    admin = factories.admin(email="admin@enlace.pe")
    cetpro = factories.cetpro(name="CETPRO Misti", codigo_modular="0400001", ugel="UGEL Arequipa Norte",
                              district_code="040101")
    factories.coordinator(cetpro, email="uno@misti.edu.pe")
    gone = factories.coordinator(cetpro, email="dos@misti.edu.pe")
    gone.active = False
    factories.cetpro(name="CETPRO Cerrado", active=False)
    invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    _, token = invitations.invite(cetpro, "luis@misti.edu.pe", admin)
    log_in("admin@enlace.pe")
    audit = Audit(page)
    audit.visit("/admin/cetpros", "/admin/cetpros?estado=todos&q=arequipa", "/admin/cetpros/nuevo",
                f"/admin/cetpros/{cetpro.id}", f"/admin/cetpros/{cetpro.id}/editar")

    page.goto("/admin/cetpros/nuevo")
    browser_errors.allow_status(422, "/admin/cetpros/nuevo")
    page.get_by_label("Código modular").fill("12")
    page.get_by_role("button", name="Registrar CETPRO").click()
    expect(page.locator(".error-summary")).to_contain_text("El código modular tiene 7 dígitos")
    audit.check("/admin/cetpros/nuevo with errors")

    page.goto(f"/admin/cetpros/{cetpro.id}")
    browser_errors.allow_status(422, f"/admin/cetpros/{cetpro.id}/invitar")
    page.get_by_label("Correo de quien coordinará").fill("uno@misti.edu.pe")
    page.get_by_role("button", name="Enviar invitación").click()
    expect(page.locator("#coordinator-invite-form")).to_contain_text("ya es coordinador(a) de CETPRO Misti")
    audit.check(f"/admin/cetpros/{cetpro.id} after a refused invitation (htmx)")

    page.get_by_role("button", name="Salir").click()
    audit.visit(f"/coordinacion/bienvenida/{token}")
    audit.assert_clean()
    assert browser_errors == []
