"""In a real browser, the invitation journey (issue 16): an admin registers a CETPRO, invites
its coordinator by email; the coordinator opens the link from the email (read from the outbox
table), chooses a password and lands on an empty coordinator dashboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Family, OutboxEmail, Programme
from tests import factories

pytestmark = pytest.mark.browser


def emailed_link(to: str) -> str:
    db.session.expire_all()
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == to)
                              .order_by(OutboxEmail.id.desc()).limit(1))
    assert email is not None, f"no email to {to}"
    return re.search(r"https?://[^/\s]+(/coordinacion/bienvenida/\S+)", email.body_text).group(1)


def test_admin_creates_a_cetpro_and_its_invited_coordinator_arrives(page: Page, log_in, live_server,
                                                                   browser_errors):
    factories.admin(email="admin@enlace.pe")
    programme = db.session.scalar(select(Programme).join(Family).order_by(Family.name, Programme.name).limit(1))
    log_in("admin@enlace.pe")
    page.goto("/admin")
    page.get_by_role("link", name="CETPRO y coordinación").click()
    expect(page).to_have_url(f"{live_server}/admin/cetpros")
    page.get_by_role("link", name="Registrar un CETPRO").click()

    page.get_by_label("Código modular").fill("0512345")
    page.get_by_label("Nombre", exact=True).fill("CETPRO Santa Rosa de Lima")
    page.get_by_label("Privada").check()
    page.get_by_label("UGEL o DRE").fill("UGEL 02 Rímac")
    page.get_by_label("Departamento").select_option(label="Lima")
    expect(page.get_by_label("Provincia")).to_be_enabled()  # htmx brought Lima's provinces
    page.get_by_label("Provincia").select_option(label="Lima")
    expect(page.get_by_label("Distrito")).to_be_enabled()
    page.get_by_label("Distrito").select_option(label="Rímac")
    page.locator("summary", has_text=programme.family.name).click()
    page.get_by_label(programme.name, exact=True).check()
    page.get_by_role("button", name="Registrar CETPRO").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("CETPRO Santa Rosa de Lima")
    expect(page.locator("#notices")).to_contain_text("Registramos CETPRO Santa Rosa de Lima (0512345)")
    expect(page.locator("#cetpro-record")).to_contain_text("Rímac, Lima, Lima")
    expect(page.locator("#cetpro-record")).to_contain_text(programme.name)
    expect(page.locator("#cetpro-coordinators")).to_contain_text("Nadie coordina este CETPRO todavía")

    page.get_by_label("Correo de quien coordinará").fill("rosa.quispe@santarosa.edu.pe")
    page.get_by_role("button", name="Enviar invitación").click()
    expect(page.locator("#coordinator-invitations")).to_contain_text("rosa.quispe@santarosa.edu.pe")
    expect(page.locator("#coordinator-invitations h2")).to_have_text("Invitaciones pendientes (1)")
    expect(page.get_by_label("Correo de quien coordinará")).to_have_value("")

    page.get_by_role("button", name="Salir").click()
    page.goto(emailed_link("rosa.quispe@santarosa.edu.pe"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordina CETPRO Santa Rosa de Lima")
    page.get_by_label("Nombres").fill("Rosa")
    page.get_by_label("Apellidos").fill("Quispe Mamani")
    page.get_by_label("Contraseña", exact=True).fill("taller-de-costura-24")
    page.get_by_label("Repite la contraseña").fill("taller-de-costura-24")
    page.get_by_role("button", name="Guardar contraseña e ingresar").click()

    expect(page).to_have_url(f"{live_server}/coordinador")
    expect(page.get_by_role("heading", level=1)).to_have_text("CETPRO Santa Rosa de Lima")
    expect(page.locator("#notices")).to_contain_text("Ya coordinas CETPRO Santa Rosa de Lima")
    expect(page.locator(".stats")).to_contain_text("0Estudiantes")
    expect(page.get_by_text("No hay ofertas publicadas para los programas de tu CETPRO")).to_be_visible()

    # The link worked once.
    page.get_by_role("button", name="Salir").click()
    link = emailed_link("rosa.quispe@santarosa.edu.pe")
    browser_errors.allow_status(404, link)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Este enlace ya no sirve")
    assert browser_errors == []
