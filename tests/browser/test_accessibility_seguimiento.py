"""axe-core finds no violations on the Seguimiento de egresados pages (coordinator and admin),
nor on the placement form and follow-up answer page that now record an outcome category, at a
phone's width and a desktop's."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page

from portal.extensions import db
from portal.models import FollowUp
from portal.placements import services
from tests import factories
from tests.helpers.axe import Audit
from tests.helpers.seguimiento import seguimiento_world

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("width", WIDTHS)
def test_seguimiento_pages_have_no_axe_violations(page: Page, log_in, live_server, browser_errors, width):
    page.set_viewport_size(WIDTHS[width])
    world = seguimiento_world()
    factories.coordinator(world["arequipa"], email="coordina@arequipa.edu.pe")
    factories.admin(email="admin@enlace.pe")
    placement = factories.placement(world["g"][4], date(2024, 6, 1))
    follow_up = FollowUp(placement_id=placement.id, months=3, due_date=date(2024, 9, 1))
    db.session.add(follow_up)
    db.session.commit()
    token = services.token_for(follow_up)
    audit = Audit(page)
    audit.visit(f"/seguimiento/{token}")
    log_in("coordina@arequipa.edu.pe")
    audit.visit("/coordinador/seguimiento-egresados", "/coordinador/seguimiento-egresados?anio=2024",
                "/coordinador/colocaciones")
    page.get_by_role("button", name="Salir").click()
    log_in("admin@enlace.pe")
    audit.visit("/admin/seguimiento-egresados", "/admin/seguimiento-egresados?departamento=08")
    audit.assert_clean()
    assert browser_errors == []
