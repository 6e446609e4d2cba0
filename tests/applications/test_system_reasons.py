"""Reasons only the portal gives when an opening ends: an employer can neither pick nor post them."""
import pytest
from sqlalchemy import select

from portal import vocab
from portal.applications import services, states
from portal.applications.forms import MoveForm
from portal.extensions import db
from portal.models import Application
from tests import factories
from tests.helpers.web import HTMX


def test_the_system_reasons_are_named_and_the_table_lets_the_system_end_every_open_state():
    assert set(states.SYSTEM_REASONS) <= set(vocab.REJECTION_REASONS)
    assert vocab.REJECTION_REASONS["opening_suspended"] == "Oferta suspendida"
    assert vocab.REJECTION_REASONS["opening_expired"] == "La empresa no decidió a tiempo"
    assert states.ended_by_system() == states.OPEN_STATES


def test_the_employers_reason_list_leaves_them_out(app):
    with app.test_request_context():
        codes = [choice.value for choice in MoveForm().reason.choices if choice.value]
    assert codes and not set(codes) & set(states.SYSTEM_REASONS)


@pytest.mark.parametrize("reason", states.SYSTEM_REASONS)
def test_an_employer_posting_one_is_refused_and_nothing_changes(client, auth, reason):
    company = factories.company()
    employer = factories.employer(company)
    application = factories.application(factories.opening(company), factories.student())
    auth.login(employer)
    response = client.post(f"/empresa/postulaciones/{application.id}/estado", headers=HTMX,
                           data={"to_state": "rejected", "reason": reason, "version": str(application.version)})
    assert response.status_code == 422 and "Elige el motivo" in response.get_data(as_text=True)
    assert db.session.scalar(select(Application.state)) == "received"


def test_end_open_refuses_a_reason_the_system_does_not_give(app):
    with pytest.raises(ValueError):
        services.end_open(factories.opening(), "schedule", "x", ("x", "x"))
