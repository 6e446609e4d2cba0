"""A student completes the trade profile in a real browser: modules follow the programme,
the place selects depend on each other, a PDF CV uploads in place, and the checklist shrinks."""
import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests import factories
from tests.helpers.files import PNG, minimal_pdf

pytestmark = pytest.mark.browser


def test_student_completes_the_profile(page: Page, log_in, live_server, browser_errors, tmp_path):
    cetpro = factories.cetpro("CETPRO Santa Rosa")
    user = factories.student(cetpro, status="estudiante", modules=0, verified=False,
                             open_to_offers=False, email="rosa@example.pe")
    user.last_names = "Quispe"
    db.session.commit()
    log_in("rosa@example.pe")
    expect(page).to_have_url(f"{live_server}/estudiante")

    checklist = page.locator("#profile-checklist li")
    expect(checklist).to_have_count(3)
    expect(page.locator("#dashboard-cv")).to_contain_text("Tu CV generado está listo")
    page.get_by_role("link", name="Completar mi perfil").click()
    expect(page).to_have_url(f"{live_server}/estudiante/perfil")
    expect(page.locator("main")).to_contain_text("Pendiente de verificación")
    expect(checklist).to_have_count(3)
    # Everything below happens in place: the page never reloads until we leave it.
    reloads: list[str] = []
    page.on("request", lambda request: request.resource_type == "document" and reloads.append(request.url))

    # Another programme brings its own modules in place; back to Electricidad brings them back.
    modules = page.locator("#student-modules")
    page.get_by_label("Programa de estudios").select_option(label="Electrónica")
    expect(modules).to_contain_text("Electrónica digital")
    expect(modules).not_to_contain_text("Instalaciones eléctricas domiciliarias")
    page.get_by_label("Programa de estudios").select_option(label="Electricidad")
    expect(modules).to_contain_text("Instalaciones eléctricas domiciliarias")
    page.get_by_label("Instalaciones eléctricas domiciliarias").check()
    page.get_by_label("Tableros y automatismos eléctricos").check()

    page.get_by_label("Situación").select_option(label="Egresado(a)")
    page.get_by_label("Fecha de egreso").fill("2025-01-20")
    page.get_by_label("Otras habilidades").fill("Soldadura MIG, licencia A-I")

    # Department → provinces → districts, each list loaded by the one before.
    page.get_by_label("Departamento").select_option(label="Arequipa")
    expect(page.get_by_label("Provincia")).to_contain_text("Caylloma")
    page.get_by_label("Provincia").select_option(label="Arequipa")
    expect(page.get_by_label("Distrito")).to_contain_text("Cayma")
    page.get_by_label("Distrito").select_option(label="Cayma")

    # A typo in the phone: the form comes back with the message beside it, nothing lost.
    browser_errors.allow_status(422, "/estudiante/perfil")
    page.get_by_label("Celular").fill("12345")
    page.get_by_role("button", name="Guardar perfil").click()
    expect(page.locator("#phone-error")).to_contain_text("El celular tiene 9 dígitos")
    expect(page.get_by_label("Distrito")).to_have_value("040103")
    expect(page.get_by_label("Instalaciones eléctricas domiciliarias")).to_be_checked()

    page.get_by_label("Celular").fill("987 654 321")
    page.get_by_label("Quiero recibir ofertas de prácticas y empleo").check()
    page.get_by_role("button", name="Guardar perfil").click()
    expect(page.locator("#notices")).to_contain_text("Guardamos tu perfil.")
    # Nothing is missing now: no CV upload is asked for (the generated CV stands in).
    expect(page.locator("#profile-checklist")).to_contain_text("Tu perfil está completo")
    expect(checklist).to_have_count(0)
    expect(page.get_by_label("Celular")).to_have_value("987654321")

    # A picture renamed .pdf is refused in place; then a real PDF goes up.
    browser_errors.allow_status(422, "/estudiante/cv")
    fake = tmp_path / "foto.pdf"
    fake.write_bytes(PNG)
    page.get_by_label("Tu CV en PDF").set_input_files(str(fake))
    page.get_by_role("button", name="Subir CV").click()
    expect(page.locator("#cv-error")).to_contain_text("El archivo debe ser un PDF")

    real = tmp_path / "Mi CV.pdf"
    real.write_bytes(minimal_pdf())
    page.get_by_label("Tu CV en PDF").set_input_files(str(real))
    page.get_by_role("button", name="Subir CV").click()
    expect(page.locator("#notices")).to_contain_text("Subimos tu CV.")
    expect(page.get_by_role("link", name="Ver mi CV (PDF)")).to_be_visible()

    served = page.request.get("/estudiante/cv")
    assert served.status == 200 and served.body() == minimal_pdf()
    assert served.headers["content-type"] == "application/pdf"

    assert reloads == []
    page.get_by_role("link", name="← Volver a mi panel").click()
    expect(page.locator("#profile-checklist")).to_contain_text("Tu perfil está completo")
    expect(page.locator("#dashboard-cv")).to_contain_text("Las empresas ven el CV en PDF que subiste.")
    expect(page.get_by_role("link", name="Editar mi perfil")).to_be_visible()
    assert browser_errors == []
