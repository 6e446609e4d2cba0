"""One CETPRO does not decide for the whole platform: a coordinator's verification is her CETPRO's
statement, shown as «Verificada por CETPRO X»; only an admin's decision is the platform's, and no
coordinator can undo it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.companies import verification
from portal.companies.errors import CompanyError
from portal.extensions import db
from portal.models import Company, CompanyEndorsement, Notification
from tests import factories
from tests.helpers.events import toast
from tests.helpers.web import HTMX


@pytest.fixture
def scene(app):
    """Two CETPROs with a convenio each with Electro Sur (unverified), an admin, and one of its openings."""
    yanahuara, cusco = factories.cetpro(name="CETPRO Yanahuara"), factories.cetpro(name="CETPRO Cusco")
    company = factories.company(verified=False, legal_name="Electro Sur S.A.C.")
    owner = factories.employer(company)
    for cetpro in (yanahuara, cusco):
        factories.convenio(cetpro, company)
    return {"company": company, "owner": owner, "admin": factories.admin(),
            "coordinator": factories.coordinator(yanahuara), "other": factories.coordinator(cusco),
            "draft": factories.opening(company, state="draft", title="Electricista")}


def fresh(company) -> Company:
    db.session.expire_all()
    return db.session.get(Company, company.id)


def statements(company) -> dict[int, str]:
    rows = db.session.scalars(select(CompanyEndorsement).where(CompanyEndorsement.company_id == company.id))
    return {row.cetpro_id: row.state for row in rows}


# --- The services ------------------------------------------------------------------------------


def test_a_coordinator_cannot_take_the_badge_from_a_company_an_admin_verified(scene):
    company, coordinator = scene["company"], scene["coordinator"]
    verification.verify(company, scene["admin"])
    assert verification.reject(fresh(company), coordinator, "No la conocemos") is True
    company = fresh(company)
    assert company.is_verified and company.decided_by_admin and company.verified_by is None
    assert statements(company) == {coordinator.cetpro_id: "rejected"}
    # Admins are asked to review the CETPRO's rejection.
    disputed = db.session.scalar(select(Notification).where(Notification.user_id == scene["admin"].id,
                                                            Notification.kind == "company-disputed"))
    assert "CETPRO Yanahuara rechazó a Electro Sur S.A.C." in disputed.message and "No la conocemos" in disputed.message


def test_a_coordinator_cannot_verify_a_company_an_admin_rejected(scene):
    company = scene["company"]
    verification.reject(company, scene["admin"], "RUC de baja en SUNAT")
    with pytest.raises(CompanyError, match="solo ellos pueden verificarla"):
        verification.verify(fresh(company), scene["coordinator"])
    company = fresh(company)
    assert company.verification_state == "rejected" and statements(company) == {}
    # Editing the profile sends it back to the queue, still the admin's to decide.
    company.verification_state = "unverified"
    db.session.commit()
    with pytest.raises(CompanyError):
        verification.verify(fresh(company), scene["coordinator"])
    assert fresh(company).verification_state == "unverified"


def test_a_cetpro_verification_is_its_statement_and_lets_the_company_publish(scene):
    company = scene["company"]
    assert verification.verify(company, scene["coordinator"]) is True
    company = fresh(company)
    assert company.is_verified and not company.decided_by_admin
    assert company.verified_by == "CETPRO Yanahuara"
    assert verification.verify(company, scene["coordinator"]) is False  # a double click


def test_one_cetpros_rejection_does_not_undo_anothers_verification(scene):
    company, mine, other = scene["company"], scene["coordinator"], scene["other"]
    verification.verify(company, mine)
    verification.reject(fresh(company), other, "No tenemos practicantes allí")
    assert fresh(company).verified_by == "CETPRO Yanahuara"
    # When the only CETPRO that vouched for it withdraws, the badge goes; nobody rejected it for the platform.
    verification.reject(fresh(company), mine, "Cerró el local")
    company = fresh(company)
    assert company.verification_state == "unverified" and not company.decided_by_admin


def test_an_admin_decision_replaces_the_cetpros_for_the_platform(scene):
    company = scene["company"]
    verification.verify(company, scene["coordinator"])
    assert verification.verify(fresh(company), scene["admin"]) is True  # not "already verified"
    company = fresh(company)
    assert company.decided_by_admin and company.verified_by is None
    verification.reject(company, scene["coordinator"], "No la conocemos")
    assert fresh(company).is_verified


# --- What people see ---------------------------------------------------------------------------


def test_the_badge_names_the_cetpro_that_verified(client, auth, scene):
    opening = scene["draft"]
    auth.login(scene["coordinator"])
    response = client.post(f"/coordinador/empresas/{scene['company'].id}/verificar", headers=HTMX)
    assert "Verificada por CETPRO Yanahuara" in toast(response)
    auth.logout()
    auth.login(scene["owner"])
    published = client.post(f"/empresa/ofertas/{opening.id}/publicar")
    assert published.status_code == 303
    for path in (f"/ofertas/{opening.id}", "/ofertas", "/empresa"):
        page = client.get(path).get_data(as_text=True)
        assert "✓ Verificada por CETPRO Yanahuara" in page, path


def test_the_coordinator_is_told_why_she_cannot_verify_and_nothing_changes(client, auth, scene):
    verification.reject(scene["company"], scene["admin"], "RUC de baja en SUNAT")
    auth.login(scene["coordinator"])
    queue = client.get("/coordinador/empresas?estado=todas").get_data(as_text=True)
    assert "solo ellos pueden verificarla ahora" in queue
    assert f'action="/coordinador/empresas/{scene["company"].id}/verificar"' not in queue
    for headers in ({}, HTMX):
        response = client.post(f"/coordinador/empresas/{scene['company'].id}/verificar", headers=headers)
        assert response.status_code == 422
        assert "solo ellos pueden verificarla" in response.get_data(as_text=True)
    assert fresh(scene["company"]).verification_state == "rejected"


def test_the_admin_queue_shows_each_cetpros_statement(client, auth, scene):
    verification.verify(scene["company"], scene["admin"])
    verification.reject(fresh(scene["company"]), scene["coordinator"], "No la conocemos")
    auth.login(scene["admin"])
    page = client.get("/admin/empresas?estado=verificadas").get_data(as_text=True)
    assert "Rechazada por CETPRO Yanahuara: No la conocemos" in page
    assert "(decisión de Enlace CETPRO)" in page
    auth.logout()
    auth.login(scene["owner"])
    assert "✓ Verificada" in client.get("/empresa").get_data(as_text=True)
