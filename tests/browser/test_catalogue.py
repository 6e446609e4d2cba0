"""The trade catalogue's admin pages (/admin/catalogo): axe-core finds no violations on a
phone or a desktop, before and after the in-place edits an admin makes (a module moved, a
merge previewed)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.models import StudentSkill
from tests import factories
from tests.helpers.axe import Audit
from tests.helpers.catalogue import restored_catalogue

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def catalogue(app):
    with restored_catalogue():
        programme = factories.programme()
        student = factories.student(programme_row=programme)
        db.session.add(StudentSkill(student_id=student.student.id, name="Excel", normalized="excel"))
        db.session.commit()
        yield {"admin": factories.admin(), "programme": programme, "other": factories.programme("Electrónica")}


@pytest.mark.parametrize("size", SIZES)
def test_catalogue_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, catalogue, size):
    page.set_viewport_size(SIZES[size])
    programme, other = catalogue["programme"], catalogue["other"]
    log_in(catalogue["admin"].email)
    audit = Audit(page)
    audit.visit("/admin/catalogo", f"/admin/catalogo/familias/{programme.family_id}",
                f"/admin/catalogo/programas/{programme.id}", f"/admin/catalogo/programas/{programme.id}/fusionar",
                "/admin/catalogo/habilidades?de=Excel&en=Microsoft+Excel")

    page.goto(f"/admin/catalogo/programas/{programme.id}")
    second = programme.modules[1].name
    page.get_by_role("button", name=f"Subir {second}").click()
    expect(page.locator("#catalogue-modules li").first.get_by_role("textbox")).to_have_value(second)
    audit.check(f"/admin/catalogo/programas/{programme.id} after moving a module up ({size})")

    page.goto(f"/admin/catalogo/programas/{programme.id}/fusionar")
    page.get_by_label("Fusionar con").select_option(str(other.id))
    expect(page.locator("#merge-preview")).to_contain_text("estudiantes con este programa")
    audit.check(f"merge preview after choosing a programme ({size})")
    audit.assert_clean()
    assert browser_errors == []
