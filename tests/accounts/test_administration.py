"""What an admin does to an account (portal/accounts/administration.py), the account
directory (portal/accounts/directory.py), and the last sign-in every way of signing in records."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from portal.accounts import administration, directory
from portal.accounts.rules import AccountError
from portal.extensions import db
from portal.models import AuditEvent, OutboxEmail, User
from tests import factories


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def mail_to(email: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == email)))


def unconfirmed(email: str | None = None) -> User:
    """A student sign-up whose email was never confirmed."""
    user = factories.student(email=email)
    user.email_confirmed_at = None
    db.session.commit()
    return user


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- Deactivate and reactivate ----------------------------------------------------------------


def test_deactivating_ends_sessions_keeps_data_and_is_audited_once(app):
    admin = factories.admin()
    student = factories.student()
    version = student.session_version
    assert administration.deactivate(student, admin, "  Cuenta   duplicada ") is True
    student = fresh(student)
    assert student.active is False and student.session_version == version + 1
    assert student.student is not None  # the profile stays
    [event] = events("user.deactivated")
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "User", student.id)
    assert event.data == {"reason": "Cuenta duplicada"}

    assert administration.deactivate(student, admin) is False  # a double click: nothing twice
    assert len(events("user.deactivated")) == 1 and fresh(student).session_version == version + 1


def test_an_admin_cannot_deactivate_themselves_and_only_admins_may(app):
    admin = factories.admin()
    coordinator = factories.coordinator()
    with pytest.raises(AccountError, match="propia cuenta"):
        administration.deactivate(admin, admin)
    with pytest.raises(PermissionError):
        administration.deactivate(factories.student(), coordinator)
    assert fresh(admin).active is True and events("user.deactivated") == []


def test_a_reason_too_long_changes_nothing(app):
    admin, student = factories.admin(), factories.student()
    with pytest.raises(AccountError, match="300"):
        administration.deactivate(student, admin, "x" * 301)
    assert fresh(student).active is True


def test_reactivating_lets_the_person_in_again_but_old_sessions_stay_ended(app, client, auth):
    admin, student = factories.admin(), factories.student()
    auth.login(student)
    assert client.get("/estudiante").status_code == 200
    administration.deactivate(student, admin)
    assert client.get("/estudiante").status_code == 302  # the session ended
    assert auth.login(student).status_code == 422  # and it cannot sign in

    assert administration.reactivate(fresh(student), admin) is True
    assert administration.reactivate(fresh(student), admin) is False
    assert client.get("/estudiante").status_code == 302  # the old session is still over
    assert auth.login(student).status_code == 303
    assert [e.actor_id for e in events("user.reactivated")] == [admin.id]


def test_a_deactivated_account_s_emailed_links_stop_working(app, client):
    admin, student = factories.admin(), factories.student()
    administration.send_password_reset(student, admin)
    link = re.search(r"http://localhost(/recuperar/\S+)", mail_to(student.email)[0].body_text).group(1)
    assert client.get(link).status_code == 200
    administration.deactivate(fresh(student), admin)
    assert client.get(link).status_code == 303  # "El enlace venció o ya fue usado"


# --- Emails -----------------------------------------------------------------------------------


def test_resending_a_confirmation_sends_a_working_link(app, client):
    admin = factories.admin()
    pending = unconfirmed("pendiente@example.pe")
    administration.resend_confirmation(pending, admin)
    [email] = mail_to("pendiente@example.pe")
    link = re.search(r"http://localhost(/registro/confirmar/\S+)", email.body_text).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 303
    assert fresh(pending).email_confirmed_at is not None
    assert [e.actor_id for e in events("user.confirmation_resent")] == [admin.id]


def test_a_confirmed_or_deactivated_account_gets_no_confirmation(app):
    admin, confirmed = factories.admin(), factories.student()
    with pytest.raises(AccountError, match="ya confirmó"):
        administration.resend_confirmation(confirmed, admin)
    pending = unconfirmed()
    administration.deactivate(pending, admin)
    with pytest.raises(AccountError, match="desactivada"):
        administration.resend_confirmation(fresh(pending), admin)
    assert mail_to(confirmed.email) == [] and mail_to(pending.email) == []
    assert events("user.confirmation_resent") == []


def test_sending_a_reset_mails_the_owner_a_normal_link_and_sets_no_password(app, client, auth):
    admin, employer = factories.admin(), factories.employer()
    before = employer.password_hash
    administration.send_password_reset(employer, admin)
    assert fresh(employer).password_hash == before
    [email] = mail_to(employer.email)
    assert "El equipo de Enlace CETPRO te envía este enlace" in email.body_text
    link = re.search(r"http://localhost(/recuperar/\S+)", email.body_text).group(1)
    response = client.post(link, data={"password": "una clave muy nueva", "confirm": "una clave muy nueva"})
    assert response.status_code == 303
    auth.logout()
    assert auth.login(employer, "una clave muy nueva").status_code == 303
    [event] = events("user.password_reset_sent")
    assert (event.actor_id, event.object_id, event.data) == (admin.id, employer.id, None)


def test_no_reset_for_a_deactivated_account(app):
    admin, student = factories.admin(), factories.student()
    administration.deactivate(student, admin)
    with pytest.raises(AccountError, match="desactivada"):
        administration.send_password_reset(fresh(student), admin)
    assert mail_to(student.email) == []


# --- Last sign-in -------------------------------------------------------------------------------


def test_every_sign_in_records_the_last_sign_in(app, client, auth, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 21, 30))  # Lima; 02:30 UTC the next day
    student = factories.student()
    assert student.last_login_at is None
    auth.login(student)
    assert fresh(student).last_login_at == datetime(2026, 3, 3, 2, 30)
    auth.logout()

    frozen_clock(datetime(2026, 3, 4, 8, 0))
    administration.send_password_reset(fresh(student), factories.admin())
    link = re.search(r"http://localhost(/recuperar/\S+)", mail_to(student.email)[0].body_text).group(1)
    client.post(link, data={"password": "una clave muy nueva", "confirm": "una clave muy nueva"})
    assert fresh(student).last_login_at == datetime(2026, 3, 4, 13, 0)  # signed in by the reset link


def test_a_failed_sign_in_records_nothing(app, auth):
    student = factories.student()
    auth.login(student, "no-es-la-clave")
    assert fresh(student).last_login_at is None


# --- The directory ----------------------------------------------------------------------------


@pytest.fixture
def people(app):
    cetpro = factories.cetpro(name="CETPRO Santa Rosa")
    rosa = factories.named(factories.student(cetpro, document_number="45678912", email="rosa@example.pe"),
                           "Rosa", "Quispe Mamani")
    company = factories.company(legal_name="Electro Sur S.A.C.", ruc="20100070970")
    owner = factories.named(factories.employer(company, email="jefa@electrosur.pe"), "Carmen", "Flores")
    waiting = factories.named(factories.employer(company, email="nuevo@electrosur.pe", state="pending"),
                              "Luis", "Paredes")
    coordinator = factories.named(factories.coordinator(cetpro, email="coord@santarosa.edu.pe"), "Ana", "Torres")
    pending = factories.named(unconfirmed("sinconfirmar@example.pe"), "Pedro", "Quispe")
    return {"rosa": rosa, "owner": owner, "waiting": waiting, "coordinator": coordinator,
            "unconfirmed": pending, "cetpro": cetpro}


def found(**args) -> list[str]:
    return [row.email for row in directory.search(directory.UserFilters.from_args(args)).items]


def test_search_by_name_email_dni_and_ruc(people):
    assert found(q="quispe") == ["sinconfirmar@example.pe", "rosa@example.pe"]  # by surname
    assert found(q="rosa quispe") == ["rosa@example.pe"]
    assert found(q="coord@santarosa.edu.pe") == ["coord@santarosa.edu.pe"]
    assert found(q="45678912") == ["rosa@example.pe"]
    assert found(q="4567") == ["rosa@example.pe"]  # a DNI from its start
    # A company's RUC finds its members, the one still waiting to be accepted too.
    assert found(q="20100070970") == ["jefa@electrosur.pe", "nuevo@electrosur.pe"]
    assert found(q="electro sur") == ["jefa@electrosur.pe", "nuevo@electrosur.pe"]
    assert found(q="100%_nadie") == []


def test_filters_by_role_and_state(people):
    factories.admin(email="otra.admin@example.pe")
    administration.deactivate(people["owner"], db.session.scalar(select(User).where(User.role == "admin")))
    assert found(rol="coordinacion") == ["coord@santarosa.edu.pe"]
    assert found(estado="desactivada") == ["jefa@electrosur.pe"]
    assert found(estado="sin-confirmar") == ["sinconfirmar@example.pe"]
    assert "jefa@electrosur.pe" not in found(estado="activa")
    assert len(found(rol="cualquiera", estado="rara")) == 6  # unknown values are ignored


def test_a_row_says_role_where_and_state(people):
    rosa = directory.account(people["rosa"].id)
    assert (rosa.role_label, rosa.cetpro, rosa.document, rosa.state_label) == (
        "Estudiante", "CETPRO Santa Rosa", "DNI 45678912", "Activa")
    coordinator = directory.account(people["coordinator"].id)
    assert coordinator.cetpro == "CETPRO Santa Rosa" and coordinator.company is None
    waiting = directory.account(people["waiting"].id)
    assert (waiting.company, waiting.ruc, waiting.membership) == ("Electro Sur S.A.C.", "20100070970", "pending")
    assert directory.account(people["unconfirmed"].id).state == "sin-confirmar"
    assert directory.account(999_999) is None


def test_an_erased_account_shows_as_eliminada_and_cannot_be_brought_back(app):
    """Ley 29733 erasure leaves a tombstone: the directory says so and no admin action
    revives it or mails its placeholder address."""
    from portal.privacy import deletion

    admin, person = factories.admin(), factories.student()
    deletion.run(person, admin)
    person = fresh(person)
    row = directory.account(person.id)
    assert row.state == "eliminada" and row.state_label == "Eliminada"
    for action in (administration.reactivate, administration.resend_confirmation,
                   administration.send_password_reset):
        with pytest.raises(AccountError, match="se eliminó a pedido de la persona"):
            action(person, admin)
    assert fresh(person).active is False and mail_to(person.email) == []
    found = directory.search(directory.UserFilters.from_args({"estado": "eliminada"}))
    assert [r.id for r in found.items] == [person.id]
