"""A coordinator records a manual placement and answers a follow-up in place."""
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import FollowUp, Placement
from tests import factories

pytestmark = pytest.mark.browser


def test_coordinator_records_a_placement_and_answers_a_follow_up(page: Page, log_in, live_server: str, browser_errors):
    cetpro = factories.cetpro(name="CETPRO Yanahuara")
    factories.coordinator(cetpro, email="coordinadora@yanahuara.edu.pe")
    rosa = factories.named(factories.student(cetpro), "Rosa", "Quispe Mamani")
    factories.named(factories.student(cetpro), "Luis", "Huamán Torres")
    earlier = factories.placement(rosa, clock.today() - timedelta(days=100), job_title="Ayudante electricista",
                                  employer="Electro Sur")

    log_in("coordinadora@yanahuara.edu.pe")
    expect(page).to_have_url(f"{live_server}/coordinador")
    page.goto("/coordinador/colocaciones")
    listing = page.locator("#placement-list")
    expect(listing).to_contain_text("1 colocación")
    page.evaluate("window.stillHere = true")  # a full page load would drop this marker

    # A start date in the future is explained beside the field and records nothing.
    form = page.locator("#placement-form")
    form.locator("summary").click()
    form.get_by_label("Buscar estudiante por nombre o DNI").fill("huamán")
    who = form.get_by_label("Estudiante o egresado(a)")
    expect(who.locator("option")).to_have_count(2)  # "— Elige —" and the one match, already chosen
    expect(who.locator("option:checked")).to_contain_text("Huamán Torres, Luis")
    form.get_by_label("Empresa (nombre)").fill("Ferretería El Misti")
    form.get_by_label("Puesto").fill("Soldador de mantenimiento")
    form.get_by_label("Fecha de inicio").fill((clock.today() + timedelta(days=3)).isoformat())
    form.get_by_label("Pago mensual mínimo (S/)").fill("1400")
    form.get_by_label("Pago mensual máximo (S/)").fill("1600")
    browser_errors.allow_status(422, "/coordinador/colocaciones")
    form.get_by_role("button", name="Registrar colocación").click()
    expect(form.locator(".field-error").first).to_contain_text("está en el futuro")

    form.get_by_label("Fecha de inicio").fill((clock.today() - timedelta(days=5)).isoformat())
    form.get_by_role("button", name="Registrar colocación").click()
    expect(page.locator("#notices")).to_contain_text("Registramos la colocación de Luis Huamán Torres")
    expect(listing).to_contain_text("2 colocaciones")
    expect(listing).to_contain_text("Soldador de mantenimiento")
    expect(listing).to_contain_text("S/ 1,400.00 a S/ 1,600.00")

    # Rosa's 3-month follow-up is due: the coordinator answers it in place.
    row = page.locator(f"#placement-{earlier.id}")
    expect(row.locator(".fu-due")).to_contain_text("Por responder")
    row.get_by_role("button", name="Sí, sigue allí").click()
    expect(row.locator(".fu-answered")).to_contain_text("Sigue trabajando allí")
    expect(row).to_contain_text("respondió la coordinación")
    expect(row.get_by_role("button", name="Sí, sigue allí")).to_have_count(0)
    assert page.evaluate("window.stillHere") is True

    db.session.expire_all()
    assert db.session.scalar(select(FollowUp.answer)) == "still_there"
    assert len(db.session.scalars(select(Placement)).all()) == 2
    assert browser_errors == []
