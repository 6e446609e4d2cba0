"""Email confirmation: the link activates a self-registered account once, before it
expires; until then the account cannot sign in, and after 7 days it is purged."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import confirmation, passwords
from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    Company,
    CompanyMember,
    Notification,
    OutboxEmail,
    StudentProfile,
    User,
)
from portal.roster import services as roster_services
from tests import factories

PASSWORD = "mi oficio es la cocina"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def emails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)))


def link_in(email: OutboxEmail) -> str:
    return re.search(r"http://localhost(/registro/confirmar/\S+)", email.body_text).group(1)


@pytest.fixture
def signed_up(client):
    """Rosa signed up as a student and has not opened her link yet."""
    cetpro = factories.cetpro()
    coordinator = factories.coordinator(cetpro)
    client.post("/registro/estudiante", data={
        "first_names": "Rosa", "last_names": "Quispe", "email": "rosa@example.pe", "password": PASSWORD,
        "cetpro_id": str(cetpro.id), "programme_id": str(factories.programme().id),
        "document_type": "dni", "document_number": "45678912"})
    user = db.session.scalar(select(User).where(User.email == "rosa@example.pe"))
    assert user.email_confirmed_at is None
    return user, coordinator


def refused(client, link: str) -> None:
    for send in (client.get, client.post):
        response = send(link)
        assert response.status_code == 303 and response.headers["Location"] == "/ingresar"
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        assert any("El enlace venció o ya fue usado" in message for _, message in flashes), flashes


def test_the_link_works_once(app, client, signed_up):
    user, coordinator = signed_up
    link = link_in(emails_to(user.email)[-1])
    assert client.get(link).status_code == 200  # opening it (or a mail scanner) changes nothing
    assert db.session.get(User, user.id).email_confirmed_at is None
    assert client.post(link).status_code == 303
    assert client.get("/estudiante").status_code == 200
    assert db.session.get(User, user.id).email_confirmed_at is not None
    refused(app.test_client(), link)
    assert count(Notification) == 1  # the coordinator, once


def test_confirming_starts_a_new_session(client, signed_up):
    user, _ = signed_up
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    client.post(link_in(emails_to(user.email)[-1]))
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id", "").startswith(f"{user.id}:")


def test_the_link_expires_after_48_hours(app, client, signed_up, monkeypatch):
    user, _ = signed_up
    max_age = app.config["EMAIL_CONFIRM_MAX_AGE"]
    assert max_age == 48 * 3600
    now, tokens = time.time(), {}
    for label, age in (("almost expired", max_age - 60), ("expired", max_age + 60)):
        with monkeypatch.context() as patch:
            patch.setattr("itsdangerous.timed.time.time", lambda age=age: now - age)
            tokens[label] = confirmation.confirmation_token(user)
    refused(client, f"/registro/confirmar/{tokens['expired']}")
    assert client.get(f"/registro/confirmar/{tokens['almost expired']}").status_code == 200


def test_tampered_and_foreign_tokens_are_refused(client, signed_up):
    user, _ = signed_up
    token = link_in(emails_to(user.email)[-1]).rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_salt = roster_services.invitation_token(user.id, user.password_hash)
    for bad in (tampered, other_salt, passwords.reset_token(user), client.csrf_token(), "x" * 300):
        refused(client, f"/registro/confirmar/{bad}")
    assert db.session.get(User, user.id).email_confirmed_at is None
    assert count(Notification) == 0


def test_unconfirmed_account_cannot_sign_in_and_may_ask_for_another_link(client, auth, signed_up):
    user, _ = signed_up
    wrong = auth.login(user.email, "otra-contrasena-123")
    assert wrong.status_code == 422 and "El correo o la contraseña no son correctos.".encode() in wrong.data
    assert b"Confirma tu correo" not in wrong.data
    right = auth.login(user.email, PASSWORD)
    assert right.status_code == 422
    page = right.get_data(as_text=True)
    assert "Confirma tu correo:</strong> te enviamos un enlace a rosa@example.pe" in page
    assert 'formaction="/registro/reenviar"' in page
    assert "El correo o la contraseña no son correctos." not in page
    assert client.get("/estudiante").status_code == 302
    sent = len(emails_to(user.email))
    response = client.post("/registro/reenviar", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/ingresar"
    assert len(emails_to(user.email)) == sent + 1
    client.post(link_in(emails_to(user.email)[-1]))
    auth.logout()
    assert auth.login(user.email, PASSWORD).status_code == 303


def test_resend_answers_the_same_and_mails_only_a_waiting_account(app, signed_up):
    user, _ = signed_up
    confirmed = factories.student(email="activa@example.pe")
    before = count(OutboxEmail)
    answers = {}
    for email in (user.email, confirmed.email, "nadie@example.pe"):
        client = app.test_client()
        response = client.post("/registro/reenviar", data={"email": email})
        with client.session_transaction() as session:
            answers[email] = (response.status_code, response.headers["Location"], session.get("_flashes"))
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert count(OutboxEmail) == before + 1 and emails_to(user.email)[-1].subject == "Activa tu cuenta de Enlace CETPRO"


def test_resend_is_limited_per_email(app, signed_up):
    user, _ = signed_up
    for n in range(3):
        response = app.test_client().post("/registro/reenviar", data={"email": user.email},
                                          environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
        assert response.status_code == 303
    limited = app.test_client().post("/registro/reenviar", data={"email": user.email},
                                     environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert limited.status_code == 429 and b"Demasiados intentos" in limited.data


def test_a_password_reset_confirms_the_email_too(client, signed_up):
    user, coordinator = signed_up
    client.post("/recuperar", data={"email": user.email})
    body = emails_to(user.email)[-1].body_text
    link = re.search(r"http://localhost(/recuperar/\S+)", body).group(1)
    response = client.post(link, data={"password": "clave nueva muy larga", "confirm": "clave nueva muy larga"})
    assert response.status_code == 303
    assert db.session.get(User, user.id).email_confirmed_at is not None
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == coordinator.id)) == "student-registered"


def test_accounts_made_by_staff_commands_are_confirmed(app, runner):
    result = runner.invoke(args=["users", "create-admin", "jefa@example.pe", "--password", "una clave de admin"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "jefa@example.pe"))
    assert admin.email_confirmed_at is not None


# --- Purge --------------------------------------------------------------------------------------


def _age(user: User, days: int) -> None:
    db.session.get(User, user.id).created_at = utcnow() - timedelta(days=days)
    db.session.commit()


def _register_employer(client, email: str, ruc: str, legal_name: str = "Nueva Empresa S.A.C.") -> User:
    client.post("/registro/empresa", data={"first_names": "Luis", "last_names": "Rojas", "email": email,
                                           "password": "tableros del sur 2026", "ruc": ruc, "legal_name": legal_name})
    return db.session.scalar(select(User).where(User.email == email))


def test_purge_removes_old_unconfirmed_accounts_and_what_they_hold(app, client, runner, signed_up):
    student, _ = signed_up
    owner = _register_employer(client, "luis@nueva.pe", factories.RUCS[0])
    existing = factories.company(ruc=factories.RUCS[1], legal_name="Ya Registrada S.A.C.")
    factories.employer(existing)
    joiner = _register_employer(client, "ana@nueva.pe", existing.ruc, "")
    _register_employer(client, "reciente@nueva.pe", factories.RUCS[2])
    confirmed_old = factories.student(email="antigua@example.pe")
    busy = factories.student(email="ocupada@example.pe")
    factories.application(factories.opening(), busy)
    for user in (student, owner, joiner, busy):
        _age(user, 8)
    db.session.get(User, busy.id).email_confirmed_at = None
    _age(confirmed_old, 30)
    users, companies = count(User), count(Company)

    result = runner.invoke(args=["accounts", "purge-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "borradas: 3" in result.output and "Conservadas (con datos asociados): 1" in result.output
    remaining = set(db.session.scalars(select(User.email)))
    assert {"rosa@example.pe", "luis@nueva.pe", "ana@nueva.pe"}.isdisjoint(remaining)
    assert {"reciente@nueva.pe", "antigua@example.pe", "ocupada@example.pe"} <= remaining
    assert count(User) == users - 3
    assert db.session.scalar(select(StudentProfile).where(StudentProfile.document_number == "45678912")) is None
    # The company the purged owner created goes; the one joined stays with its member.
    assert db.session.scalar(select(Company).where(Company.ruc == factories.RUCS[0])) is None
    assert db.session.get(Company, existing.id) is not None and count(Company) == companies - 1
    assert db.session.scalar(select(CompanyMember).where(CompanyMember.company_id == existing.id,
                                                         CompanyMember.state == "pending")) is None
    assert count(Application) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "account.purged_unconfirmed")) == 3

    # The DNI and the email are free again.
    again = runner.invoke(args=["accounts", "purge-unconfirmed"])
    assert "borradas: 0" in again.output
    client.post("/registro/estudiante", data={
        "first_names": "Rosa", "last_names": "Quispe", "email": "rosa@example.pe", "password": PASSWORD,
        "cetpro_id": str(factories.cetpro().id), "programme_id": str(factories.programme().id),
        "document_type": "dni", "document_number": "45678912"})
    assert db.session.scalar(select(StudentProfile).where(StudentProfile.document_number == "45678912")) is not None


def test_unconfirmed_sign_ups_are_nobodys_work_until_confirmed(client, signed_up):
    from portal.companies import queries as company_queries
    from portal.coordinators import queries as coordinator_queries
    from portal.employers import queries as employer_queries

    user, coordinator = signed_up
    company = factories.company(ruc=factories.RUCS[1], legal_name="Ya Registrada S.A.C.")
    factories.employer(company)
    joiner = _register_employer(client, "ana@nueva.pe", company.ruc, "")
    assert coordinator_queries.pending_verifications(coordinator.cetpro) == 0
    assert company_queries.members(company, "pending") == [] and employer_queries.pending_member_count(company) == 0
    for email in (user.email, joiner.email):
        client.post(link_in(emails_to(email)[-1]))
    assert coordinator_queries.pending_verifications(coordinator.cetpro) == 1
    assert [m.user_id for m in company_queries.members(company, "pending")] == [joiner.id]
    assert employer_queries.pending_member_count(company) == 1
