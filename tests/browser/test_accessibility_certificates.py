"""axe-core finds no violations on the certificate pages: the coordinator's list and form
(with a refusal in place, and the revocation's confirm step), the public verification page
(vigente, revocado, unknown code), the printable card, and the student's profile with her
certificates, at a phone's width and a desktop's."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from portal.certificates import services
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("width", WIDTHS)
def test_certificate_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, width):
    page.set_viewport_size(WIDTHS[width])
    cetpro = factories.cetpro(name="CETPRO Misti")
    coordinator = factories.coordinator(cetpro, email="coordinadora@misti.edu.pe")
    rosa = factories.named(factories.student(cetpro, email="rosa@example.pe"), "Rosa", "Quispe Mamani")
    modules = rosa.student.programme.modules
    kept = services.record(coordinator, rosa.student.id, services.CertificateData(modules[0].id, "0123-2026",
                                                                                  date(2026, 7, 15)))
    revoked = services.record(coordinator, rosa.student.id, services.CertificateData(modules[1].id, "0124-2026",
                                                                                     date(2026, 7, 15)))
    services.revoke(coordinator, revoked, "Número mal escrito")
    students = f"/coordinador/estudiantes/{rosa.student.id}/certificados"

    audit = Audit(page)
    browser_errors.allow_status(404, "/verificar/ZZZZZZZZZZ")
    audit.visit(f"/verificar/{kept.code}", f"/verificar/{revoked.code}", f"/verificar/{kept.code}/tarjeta")
    assert page.goto("/verificar/ZZZZZZZZZZ").status == 404
    audit.check("/verificar/ZZZZZZZZZZ (unknown code)")

    log_in("coordinadora@misti.edu.pe")
    audit.visit(students, f"/coordinador/certificados/{kept.id}/revocar")
    page.goto(students)
    browser_errors.allow_status(422, students)
    page.get_by_label("Número de registro del certificado").fill("0123-2026")
    page.get_by_role("button", name="Registrar certificado").click()
    expect(page.locator("#certificates")).to_contain_text("Elige el módulo formativo")
    audit.check(f"{students} with errors (htmx)")
    page.get_by_role("link", name="Revocar el certificado N° 0123-2026").click()
    expect(page.get_by_role("button", name="Confirmar revocación")).to_be_visible()
    audit.check(f"{students} confirming a revocation (htmx)")

    page.get_by_role("button", name="Salir").click()
    log_in("rosa@example.pe")
    audit.visit("/estudiante/perfil", "/estudiante")
    audit.assert_clean()
    assert browser_errors == []
