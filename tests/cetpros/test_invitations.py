"""Coordinator invitations and coordinators (portal/cetpros/invitations.py): a single-use link
valid 48 h, sent through the outbox; sending it again kills the old link; revoking kills it;
accepting makes an active coordinator of that CETPRO; deactivating ends every session."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from portal import audit
from portal.accounts import administration, passwords
from portal.cetpros import invitations, queries
from portal.clock import utcnow
from portal.extensions import db
from portal.models import AuditEvent, CoordinatorInvitation, OutboxEmail, User
from tests import factories

GOOD_PASSWORD = "taller-de-soldadura-7"


@pytest.fixture
def cetpro(app):
    return factories.cetpro(name="CETPRO Misti", codigo_modular="0400001")


@pytest.fixture
def admin(app):
    return factories.admin(email="jefa@enlace.pe")


def link_token(to: str) -> str:
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == to)
                              .order_by(OutboxEmail.id.desc()).limit(1))
    return re.search(r"http://localhost/coordinacion/bienvenida/(\S+)", email.body_text).group(1)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_invite_queues_an_email_with_a_48_hour_link(cetpro, admin):
    invitation, token = invitations.invite(cetpro, " Rosa@Misti.edu.pe ", admin)
    assert (invitation.email, invitation.state, invitation.sends) == ("rosa@misti.edu.pe", "pending", 1)
    email = db.session.scalar(select(OutboxEmail))
    assert email.to_address == "rosa@misti.edu.pe" and "CETPRO Misti" in email.subject
    assert "vale por 48 horas" in email.body_text and link_token("rosa@misti.edu.pe") == token
    assert invitations.read(token) == (invitation, None)
    assert actions() == ["cetpro.coordinator_invited"]


@pytest.mark.parametrize("email, message", [
    ("", "Escribe el correo"), ("rosa@", "Ese correo no parece válido"), ("a b@c.pe", "Ese correo no parece válido"),
])
def test_bad_email_is_refused_and_nothing_is_sent(cetpro, admin, email, message):
    with pytest.raises(invitations.InvitationError) as raised:
        invitations.invite(cetpro, email, admin)
    assert str(raised.value).startswith(message) and raised.value.field == "email"
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_an_email_with_an_account_cannot_be_invited(cetpro, admin):
    factories.coordinator(cetpro, email="ya@misti.edu.pe")
    factories.student(email="alumna@misti.edu.pe")
    with pytest.raises(invitations.InvitationError, match="ya es coordinador\\(a\\) de CETPRO Misti"):
        invitations.invite(cetpro, "ya@misti.edu.pe", admin)
    for taken in ("jefa@enlace.pe", "alumna@misti.edu.pe"):
        with pytest.raises(invitations.InvitationError, match=f"Ya existe una cuenta con el correo {taken}"):
            invitations.invite(cetpro, taken, admin)
    assert db.session.scalar(select(func.count()).select_from(CoordinatorInvitation)) == 0


def test_a_deactivated_cetpro_takes_no_invitation(cetpro, admin):
    cetpro.active = False
    db.session.commit()
    with pytest.raises(invitations.InvitationError, match="está desactivado"):
        invitations.invite(cetpro, "rosa@misti.edu.pe", admin)


def test_accepting_makes_an_active_coordinator_and_the_link_works_once(cetpro, admin):
    invitation, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    user = invitations.accept(invitation, invitation.sends, " Rosa ", "Quispe", GOOD_PASSWORD)
    assert (user.role, user.cetpro_id, user.active, user.full_name) == ("coordinator", cetpro.id, True, "Rosa Quispe")
    assert user.email_confirmed_at is not None
    assert passwords.authenticate("rosa@misti.edu.pe", GOOD_PASSWORD) == user
    db.session.refresh(invitation)
    assert (invitation.state, invitation.user_id) == ("accepted", user.id)
    assert invitations.read(token) == (invitation, invitations.USED)
    with pytest.raises(invitations.InvitationError):
        invitations.accept(invitation, invitation.sends, "Otra", "Persona", GOOD_PASSWORD)
    assert actions() == ["cetpro.coordinator_invited", "cetpro.coordinator_joined", "coordinator.created"]


def test_a_weak_password_or_no_name_is_refused_and_the_link_still_works(cetpro, admin):
    invitation, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    for first, password, field in (("Rosa", "corta", "password"), ("Rosa", "rosa@misti-123", "password"),
                                   ("", GOOD_PASSWORD, "first_names")):
        with pytest.raises(invitations.InvitationError) as raised:
            invitations.accept(invitation, invitation.sends, first, "Quispe", password)
        assert raised.value.field == field
    assert invitations.read(token) == (invitation, None)
    assert db.session.scalar(select(User).where(User.email == "rosa@misti.edu.pe")) is None


def test_resending_kills_the_old_link(cetpro, admin):
    invitation, first = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    second = invitations.resend(invitation, admin)
    assert invitation.sends == 2 and first != second
    assert invitations.read(first) == (invitation, invitations.REPLACED)
    assert invitations.read(second) == (invitation, None)
    # inviting the same email again is a resend too
    again, third = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    assert again.id == invitation.id and again.sends == 3
    assert invitations.read(second)[1] == invitations.REPLACED
    with pytest.raises(invitations.InvitationError):
        invitations.accept(invitation, 2, "Rosa", "Quispe", GOOD_PASSWORD)  # the page of an old link
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3
    assert actions().count("cetpro.coordinator_invitation_resent") == 2


def test_revoking_kills_the_link(cetpro, admin):
    invitation, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    assert invitations.revoke(invitation, admin) is True
    assert invitations.revoke(invitation, admin) is False
    assert invitations.read(token) == (invitation, invitations.REVOKED)
    with pytest.raises(invitations.InvitationError, match="anulada"):
        invitations.resend(invitation, admin)
    with pytest.raises(invitations.InvitationError, match="anulada"):
        invitations.accept(invitation, invitation.sends, "Rosa", "Quispe", GOOD_PASSWORD)
    assert actions() == ["cetpro.coordinator_invited", "cetpro.coordinator_invitation_revoked"]


def test_the_link_expires_after_48_hours(cetpro, admin, monkeypatch):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 48 * 3600 - 60)
    invitation, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert invitations.read(token) == (None, "El enlace venció: vale por 48 horas. Pide al equipo de Enlace "
                                             "CETPRO que te lo envíe de nuevo.")
    assert invitations.read(token[:-2] + "xx") == (None, None)
    assert invitations.read("nada") == (None, None)
    # sending it again gives a link that works
    assert invitations.read(invitations.resend(invitation, admin)) == (invitation, None)


def test_a_link_of_a_cetpro_deactivated_since_does_not_work(cetpro, admin):
    invitation, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    cetpro.active = False
    db.session.commit()
    assert invitations.read(token) == (invitation, invitations.REVOKED)


def test_several_coordinators_and_deactivation_ends_sessions(cetpro, admin):
    first = factories.coordinator(cetpro, email="uno@misti.edu.pe")
    second = factories.coordinator(cetpro, email="dos@misti.edu.pe")
    version = second.session_version
    assert invitations.set_coordinator_active(cetpro, second, False, admin) is True
    assert invitations.set_coordinator_active(cetpro, second, False, admin) is False
    db.session.refresh(second)
    assert not second.active and second.session_version == version + 1 and first.active
    assert passwords.authenticate("dos@misti.edu.pe", factories.PASSWORD) is None
    assert invitations.set_coordinator_active(cetpro, second, True, admin) is True
    assert passwords.authenticate("dos@misti.edu.pe", factories.PASSWORD) == second
    other = factories.cetpro()
    with pytest.raises(invitations.InvitationError, match="Esa cuenta no coordina este CETPRO."):
        invitations.set_coordinator_active(other, first, False, admin)
    # the accounts service's events, as when /admin/usuarios/<id> does it: one each, on the account
    assert actions() == ["user.deactivated", "user.reactivated"]
    # and the CETPRO's coordinators read them on their audit page; another CETPRO's do not
    theirs = select(AuditEvent.action).where(audit.of_cetpro(cetpro.id)).order_by(AuditEvent.id)
    assert list(db.session.scalars(theirs)) == ["user.deactivated", "user.reactivated"]
    assert not db.session.scalars(select(AuditEvent.id).where(audit.of_cetpro(other.id))).all()


def test_a_coordinator_deactivated_from_either_page_ends_the_same(cetpro, admin):
    person = factories.coordinator(cetpro, email="uno@misti.edu.pe")
    version = person.session_version
    assert administration.deactivate(person, admin, "Dejó el CETPRO") is True
    # the CETPRO page finds it already done: nothing written twice
    assert invitations.set_coordinator_active(cetpro, person, False, admin, "otra vez") is False
    db.session.refresh(person)
    assert person.session_version == version + 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    assert (event.object_type, event.object_id, event.data) == ("User", person.id, {"reason": "Dejó el CETPRO"})
    assert actions() == ["user.deactivated"]


def test_the_command_line_uses_the_same_service(cetpro, runner):
    result = runner.invoke(args=["users", "create-coordinator", "cli@misti.edu.pe", "--cetpro", "0400001",
                                 "--name", "Carlos", "--password", GOOD_PASSWORD])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "cli@misti.edu.pe"))
    assert (user.role, user.cetpro_id, user.first_names) == ("coordinator", cetpro.id, "Carlos")
    assert "coordinator.created" in actions()
    result = runner.invoke(args=["cetpros", "invite-coordinator", "nueva@misti.edu.pe", "--cetpro", "0400001"])
    assert result.exit_code == 0, result.output
    assert link_token("nueva@misti.edu.pe")


def test_creating_a_cetpro_from_the_command_line(app, runner):
    result = runner.invoke(args=["cetpros", "create", "0512345", "--name", "CETPRO Rímac", "--departamento", "15",
                                 "--provincia", "1501", "--ugel", "UGEL 02"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["cetpros", "create", "0512345", "--name", "Otro", "--departamento", "15",
                                 "--provincia", "1501"])
    assert result.exit_code != 0 and "ya es de CETPRO Rímac" in result.output
    assert actions() == ["cetpro.created"]


def test_expired_flag_for_the_admin_page(cetpro, admin):
    invitation, _ = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    assert not invitations.LINKS.is_expired(invitation, utcnow())
    assert invitations.LINKS.is_expired(invitation, utcnow() + timedelta(hours=49))


def test_two_invitations_at_once_send_one_invitation_twice(cetpro, admin, monkeypatch):
    first, _ = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    real = queries.pending_invitation_for
    calls = []

    def racing(cetpro_row, email):  # the other request had not committed when this one looked
        calls.append(email)
        return None if len(calls) == 1 else real(cetpro_row, email)

    monkeypatch.setattr(queries, "pending_invitation_for", racing)
    second, token = invitations.invite(cetpro, "rosa@misti.edu.pe", admin)
    assert second.id == first.id and second.sends == 2 and invitations.read(token) == (first, None)
    assert db.session.scalar(select(func.count()).select_from(CoordinatorInvitation)) == 1
