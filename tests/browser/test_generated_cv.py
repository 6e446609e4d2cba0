"""The CV generated from the profile in a real browser: a student on a phone reads it, adds
an experience in place and gets the PDF; axe-core finds nothing on its page; and issue 20's
journey — a coordinator certifies a module → the student's CV shows its QR code → opening
the QR's link shows the certificate vigente → the coordinator revokes it → the same link
says revocado (and the CV no longer claims it)."""
from __future__ import annotations

import base64
import io
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portal.certificates import qr
from portal.extensions import db
from portal.models import Certificate, CvExperience
from tests import factories
from tests.helpers.axe import Audit

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _rosa(cetpro):
    rosa = factories.named(factories.student(cetpro, email="rosa@example.pe", availability="Mañanas"),
                           "Rosa", "Quispe Mamani")
    rosa.phone = "987123456"
    db.session.commit()
    return rosa


def test_on_a_phone_the_student_reads_her_cv_adds_an_experience_and_gets_the_pdf(page: Page, log_in, live_server,
                                                                                  browser_errors):
    page.set_viewport_size(PHONE)
    _rosa(factories.cetpro(name="CETPRO Yanahuara"))
    log_in("rosa@example.pe")
    page.goto("/estudiante/perfil")
    page.get_by_role("link", name="Ver mi CV generado").click()
    sheet = page.locator(".cv-sheet")
    expect(sheet.get_by_role("heading", level=2)).to_have_text("Rosa Quispe Mamani")
    expect(sheet).to_contain_text("Declarado por el estudiante")
    expect(sheet).to_contain_text("987123456")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.evaluate("window.stillHere = true")  # a full page load would drop this marker
    page.get_by_label("Tipo").last.select_option(label="Práctica")
    page.get_by_label("Puesto o actividad").last.fill("Ayudante de electricista")
    page.get_by_label("Empresa o lugar (opcional)").last.fill("Taller Don Lucho")
    page.get_by_label("Desde").last.fill("2025-03-01")
    page.get_by_role("button", name="Agregar a mi CV").click()
    expect(sheet).to_contain_text("Ayudante de electricista — Taller Don Lucho")
    expect(page.locator(".cv-own-experiences")).to_contain_text("Ayudante de electricista")
    assert page.evaluate("window.stillHere") is True  # added in place (htmx)
    assert db.session.query(CvExperience).count() == 1

    # Hiding the phone takes it off the CV, in place too.
    page.get_by_label("Mostrar mi celular").uncheck()
    page.get_by_role("button", name="Guardar", exact=True).click()
    expect(sheet).not_to_contain_text("987123456")
    assert page.evaluate("window.stillHere") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    href = page.get_by_role("link", name="Descargar en PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Rosa Quispe Mamani" in text and "Ayudante de electricista" in text and "987123456" not in text
    assert browser_errors == []


def test_on_a_desktop_the_modules_go_two_a_row_and_imprimir_prints(page: Page, log_in, live_server, browser_errors):
    page.set_viewport_size(DESKTOP)
    rosa = _rosa(factories.cetpro(name="CETPRO Misti"))
    assert len(rosa.student.modules) >= 2
    log_in("rosa@example.pe")
    page.goto("/estudiante/cv/generado")
    first, second = (page.locator(".cv-module").nth(n).bounding_box() for n in (0, 1))
    assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"] + first["width"]
    page.evaluate("window.print = () => { window.printed = true }")
    page.get_by_role("button", name="Imprimir").click()
    assert page.evaluate("window.printed") is True
    # On a phone, one a row.
    page.set_viewport_size(PHONE)
    first, second = (page.locator(".cv-module").nth(n).bounding_box() for n in (0, 1))
    assert second["y"] >= first["y"] + first["height"]
    assert browser_errors == []


def test_without_javascript_there_is_no_dead_print_button(browser, live_server):
    _rosa(factories.cetpro(name="CETPRO Misti"))
    context = browser.new_context(base_url=live_server, locale="es-PE", java_script_enabled=False)
    page = context.new_page()
    page.goto("/ingresar")
    page.get_by_label("Correo").fill("rosa@example.pe")
    page.get_by_label("Contraseña").fill(factories.PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.goto("/estudiante/cv/generado")
    expect(page.get_by_role("button", name="Imprimir")).to_be_hidden()
    expect(page.get_by_role("link", name="Descargar en PDF")).to_be_visible()
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_cv_page_has_no_axe_violations(page: Page, log_in, live_server, browser_errors, size):
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    cetpro = factories.cetpro(name="CETPRO Misti")
    rosa = _rosa(cetpro)
    from portal.certificates import services

    services.record(factories.coordinator(cetpro), rosa.student.id, services.CertificateData(
        rosa.student.programme.modules[0].id, "0123-2026", date(2026, 7, 15)))
    db.session.add(CvExperience(student_id=rosa.student.id, kind="empleo", role="Electricista", employer="Obra Cayma",
                                start_date=date(2024, 5, 1), end_date=date(2024, 12, 1), description="Instalaciones"))
    db.session.commit()
    log_in("rosa@example.pe")
    audit = Audit(page)
    audit.visit("/estudiante/cv/generado")
    browser_errors.allow_status(422, "/estudiante/cv/experiencias")
    page.get_by_role("button", name="Agregar a mi CV").click()
    expect(page.locator("#nueva-role-error")).to_contain_text("Escribe el puesto")
    audit.check("/estudiante/cv/generado with errors (htmx)")
    page.locator("summary", has_text="Editar").first.click()
    audit.check("/estudiante/cv/generado editing an experience")
    audit.assert_clean()
    assert browser_errors == []


def test_certify_then_the_cv_shows_the_qr_whose_link_says_vigente_then_revocado(page: Page, log_in, live_server,
                                                                                 browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    rosa = _rosa(cetpro)
    module = rosa.student.programme.modules[0]  # one she ticked herself (declared) too

    # The coordinator certifies the module.
    log_in("coordinadora@yanahuara.edu.pe")
    page.goto(f"/coordinador/estudiantes/{rosa.student.id}/certificados")
    page.get_by_label("Módulo formativo").select_option(label=module.name)
    page.get_by_label("Número de registro del certificado").fill("0123-2026")
    page.get_by_label("Fecha de emisión").fill(date(2026, 7, 15).isoformat())
    page.get_by_role("button", name="Registrar certificado").click()
    entry = page.locator(".certificate-list li").first
    expect(entry).to_contain_text("Vigente")

    # The student's CV (on her phone) shows it certified, with its QR code.
    student = page.context.browser.new_context(base_url=live_server, locale="es-PE", viewport=PHONE)
    phone = student.new_page()
    phone.goto("/ingresar")
    phone.get_by_label("Correo").fill("rosa@example.pe")
    phone.get_by_label("Contraseña").fill(factories.PASSWORD)
    phone.get_by_role("button", name="Ingresar").click()
    phone.wait_for_url(lambda url: urlsplit(url).path != "/ingresar")
    phone.goto("/estudiante/cv/generado")
    item = phone.locator(".cv-module", has_text=module.name)
    expect(item).to_contain_text("Certificado por CETPRO Yanahuara (N° 0123-2026, 15 jul. 2026)")
    code_image = item.get_by_alt_text("Código QR para verificar el certificado N° 0123-2026")
    expect(code_image).to_be_visible()
    assert phone.evaluate("(img) => img.naturalWidth", code_image.element_handle()) > 0  # the picture loaded
    url = re.search(r"Verificar: (\S+)", item.inner_text()).group(1)
    certificate = db.session.query(Certificate).one()
    assert url == qr.verification_url(certificate.code)
    # The QR code is exactly the one segno makes of that link (what a phone camera reads back).
    src = code_image.get_attribute("src")
    assert base64.b64decode(src.split(",", 1)[1]) == qr.png(certificate.code, scale=1)

    # Opening the QR's link (its path on this server: BASE_URL is the production address).
    checker = page.context.browser.new_context(base_url=live_server, locale="es-PE", viewport=PHONE).new_page()
    checker.goto(urlsplit(url).path)
    expect(checker.locator("#certificate-state")).to_contain_text("Vigente")
    expect(checker.locator("main")).to_contain_text("Rosa Quispe Mamani")

    # The coordinator revokes it; the same link now says revocado.
    browser_errors.allow_status(422, f"/coordinador/certificados/{certificate.id}/revocar")
    entry.get_by_role("link", name="Revocar el certificado N° 0123-2026").click()
    page.get_by_label("Motivo de la revocación").fill("Número mal escrito")
    page.get_by_role("button", name="Confirmar revocación").click()
    expect(entry).to_contain_text("Revocado el")
    checker.reload()
    expect(checker.locator("#certificate-state")).to_contain_text("Revocado el")
    expect(checker.locator("main")).to_contain_text("ya no acredita el módulo")

    # Her CV no longer claims it: declared only, no QR code.
    phone.reload()
    expect(item).to_contain_text("Declarado por el estudiante")
    expect(item).not_to_contain_text("Certificado por")
    expect(phone.locator(".cv-qr")).to_have_count(0)
    student.close()
    checker.context.close()
    assert browser_errors == []
