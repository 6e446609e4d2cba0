"""A coordinator certifies a module; the verification link (what the QR code carries) says
vigente, and its signed credential downloads and verifies; she revokes it with a reason; the
same link says revocado and offers no credential. The student sees the QR."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import Page, expect

from portal.certificates import services
from portal.extensions import db
from portal.models import Certificate
from tests import factories

pytestmark = pytest.mark.browser


def test_certify_verify_revoke(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    rosa = factories.named(factories.student(cetpro, email="rosa@example.pe"), "Rosa", "Quispe Mamani")
    module = rosa.student.programme.modules[0]

    log_in("coordinadora@yanahuara.edu.pe")
    page.goto("/coordinador/estudiantes")
    page.get_by_role("link", name="Certificados de Rosa Quispe Mamani").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificados modulares de Rosa Quispe Mamani")
    page.evaluate("window.stillHere = true")  # a full page load would drop this marker

    # A date in the future is explained beside the field and records nothing.
    browser_errors.allow_status(422, f"/coordinador/estudiantes/{rosa.student.id}/certificados")
    page.get_by_label("Módulo formativo").select_option(label=module.name)
    page.get_by_label("Número de registro del certificado").fill("0123-2026")
    page.get_by_label("Fecha de emisión").fill("2099-01-01")
    page.get_by_role("button", name="Registrar certificado").click()
    expect(page.locator("#certificates")).to_contain_text("no puede ser posterior a hoy")
    expect(page.locator("#certificates")).to_contain_text("Aún no hay certificados")

    page.get_by_label("Fecha de emisión").fill(date(2026, 7, 15).isoformat())
    page.get_by_role("button", name="Registrar certificado").click()
    entry = page.locator(".certificate-list li").first
    expect(entry).to_contain_text(module.name)
    expect(entry).to_contain_text("Vigente")
    assert page.evaluate("window.stillHere") is True  # recorded in place

    certificate_id = db.session.query(Certificate.id).scalar()
    browser_errors.allow_status(422, f"/coordinador/certificados/{certificate_id}/revocar")
    link = entry.get_by_role("link", name="Página de verificación del certificado N° 0123-2026")
    verification = link.get_attribute("href")
    checker = page.context.new_page()  # anyone who scans the QR code
    checker.goto(verification)
    expect(checker.locator("#certificate-state")).to_contain_text("Vigente")
    expect(checker.locator("main")).to_contain_text("Rosa Quispe Mamani")
    expect(checker.locator("img.qr")).to_be_visible()
    # Its signed credential, downloaded by the browser, verifies with the published key alone.
    credential = checker.get_by_role("link", name="Descargar la credencial verificable (Open Badges 3.0)")
    with checker.expect_download() as downloaded:
        credential.click()
    token = Path(downloaded.value.path()).read_text()
    keys = KeySet.import_key_set(checker.request.get(f"{live_server}/.well-known/jwks.json").json())
    subject = jwt.decode(token, keys, algorithms=["EdDSA"]).claims["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Rosa Quispe Mamani"
    assert subject["achievement"]["name"] == module.name

    # Revoke: a confirm step with the reason, in place.
    entry.get_by_role("link", name="Revocar el certificado N° 0123-2026").click()
    page.get_by_role("button", name="Confirmar revocación").click()
    expect(page.locator("#revoke-reason-error")).to_contain_text("Escribe el motivo")
    page.get_by_label("Motivo de la revocación").fill("Número mal escrito")
    page.get_by_role("button", name="Confirmar revocación").click()
    expect(entry).to_contain_text("Revocado el")
    expect(entry).to_contain_text("Motivo: Número mal escrito")
    assert page.evaluate("window.stillHere") is True

    checker.reload()
    expect(checker.locator("#certificate-state")).to_contain_text("Revocado el")
    expect(checker.locator("main")).to_contain_text("ya no acredita el módulo")
    expect(credential).to_have_count(0)  # a revoked certificate is no longer signed
    checker.close()
    assert browser_errors == []


def test_the_student_sees_her_certificate_with_its_qr_code(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    coordinator = factories.coordinator(cetpro)
    rosa = factories.named(factories.student(cetpro, email="rosa@example.pe"), "Rosa", "Quispe Mamani")
    certificate = services.record(coordinator, rosa.student.id, services.CertificateData(
        rosa.student.programme.modules[0].id, "0123-2026", date(2026, 7, 15)))
    log_in("rosa@example.pe")
    page.goto("/estudiante/perfil")
    qr = page.get_by_alt_text("Código QR de verificación del certificado N° 0123-2026")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0  # the SVG loaded
    page.get_by_role("link", name="Tarjeta para imprimir del certificado N° 0123-2026").click()
    expect(page.locator(".certificate-card")).to_contain_text("0123-2026")
    expect(page.locator(".certificate-card")).to_contain_text(f"/verificar/{certificate.code}")
    assert browser_errors == []
