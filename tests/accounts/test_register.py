"""Registration of students and employers, with Spanish messages for every bad input,
and an email confirmation before the first sign-in."""
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Cetpro, Company, CompanyMember, Notification, OutboxEmail, StudentProfile, User
from tests import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def student_form(app):
    cetpro = factories.cetpro(name="CETPRO Huancayo")
    return {
        "first_names": "Rosa", "last_names": "Quispe Mamani", "email": "rosa@example.pe",
        "password": "mi oficio es la cocina", "cetpro_id": str(cetpro.id),
        "programme_id": str(factories.programme().id), "document_type": "dni", "document_number": "45678912",
    }


def confirmation_path(email: str) -> str:
    """The confirmation link of the newest email to `email`, as a path."""
    body = db.session.scalars(select(OutboxEmail.body_text).where(OutboxEmail.to_address == email)
                              .order_by(OutboxEmail.id.desc())).first()
    return re.search(r"http://localhost(/registro/confirmar/\S+)", body).group(1)


def test_student_registers_confirms_the_email_and_waits_for_verification(client, student_form):
    coordinator = factories.coordinator(db.session.get(Cetpro, int(student_form["cetpro_id"])))
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 303
    assert response.headers["Location"] == "/registro/revisa-tu-correo"
    page = client.get("/registro/revisa-tu-correo").get_data(as_text=True)
    assert "Te enviamos un correo a <strong>rosa@example.pe</strong>. Abre el enlace para activar tu cuenta." in page
    user = db.session.scalar(select(User).where(User.email == "rosa@example.pe"))
    assert user.email_confirmed_at is None
    assert client.get("/estudiante").status_code == 302  # not signed in yet
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id)) is None
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == "rosa@example.pe"))
    assert email.subject == "Activa tu cuenta de Enlace CETPRO" and "vale por 48 horas" in email.body_text

    link = confirmation_path("rosa@example.pe")
    assert "Activar mi cuenta" in client.get(link).get_data(as_text=True)
    response = client.post(link)
    assert response.status_code == 303 and response.headers["Location"] == "/estudiante"
    dashboard = client.get("/estudiante").get_data(as_text=True)
    assert "Pendiente de verificación" in dashboard and "Tu cuenta está lista." in dashboard
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))
    assert profile.verification_state == "pending" and profile.document_number == "45678912"
    # The coordinators hear about the student only now, once.
    notices = db.session.scalars(select(Notification).where(Notification.user_id == coordinator.id)).all()
    assert [n.kind for n in notices] == ["student-registered"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("document_number", "1234567", "El DNI tiene 8 dígitos; ingresaste 7."),
        ("document_number", "1234567a", "El DNI solo puede tener números."),
        ("email", "rosa@", "Ese correo no parece válido"),
        ("password", "corta", "La contraseña debe tener al menos 10 caracteres."),
        ("password", "1234567890", "Esa contraseña es muy fácil de adivinar."),
        ("cetpro_id", "999999", "Elige un CETPRO de la lista."),
        ("programme_id", "999999", "Elige un programa de estudios de la lista."),
        ("first_names", "", "Ingresa tus nombres."),
    ],
)
def test_bad_student_input_is_explained_and_nothing_is_saved(client, student_form, field, value, message):
    student_form[field] = value
    users_before = count(User)
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 422
    assert message.encode() in response.data
    assert b'value="Quispe Mamani"' in response.data  # what was typed is kept
    assert count(User) == users_before


def last_email(to: str) -> OutboxEmail:
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to)
                              .order_by(OutboxEmail.id.desc())).first()


def test_email_with_an_account_gets_an_email_and_nothing_is_created(client, student_form):
    factories.student(email="rosa@example.pe")
    users, profiles = count(User), count(StudentProfile)
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 303 and response.headers["Location"] == "/registro/revisa-tu-correo"
    assert (count(User), count(StudentProfile)) == (users, profiles)
    email = last_email("rosa@example.pe")
    assert "Alguien intentó crear una cuenta con este correo. Si fuiste tú, ingresa o recupera tu contraseña: " \
           "http://localhost/recuperar" in email.body_text
    assert "/registro/confirmar/" not in email.body_text


def test_email_of_an_unconfirmed_account_gets_its_link_again(client, student_form):
    client.post("/registro/estudiante", data=student_form)
    first = confirmation_path("rosa@example.pe")
    users = count(User)
    again = client.post("/registro/estudiante", data={**student_form, "password": "otra clave muy distinta",
                                                     "document_number": "45678913"})
    assert again.status_code == 303 and count(User) == users
    email = last_email("rosa@example.pe")
    assert "la contraseña que elegiste la primera vez" in email.body_text and "/recuperar" in email.body_text
    second = confirmation_path("rosa@example.pe")
    assert client.post(second).status_code == 303
    assert client.get(first).status_code == 303  # the account is active: every link is used up
    # The first password stands; the second form changed nothing.
    user = db.session.scalar(select(User).where(User.email == "rosa@example.pe"))
    assert user.check_password("mi oficio es la cocina") and user.student.document_number == "45678912"


def test_same_dni_twice_creates_nothing_and_tells_the_typed_email(client, student_form):
    factories.student(document_number="45678912")
    users = count(User)
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 303 and count(User) == users
    email = last_email("rosa@example.pe")
    assert ("Ya hay una cuenta con este documento. Si es tuya, ingresa o recupera tu contraseña; "
            "si no, habla con tu CETPRO.") in email.body_text


def test_registration_without_csrf_token_is_refused_and_changes_nothing(client, student_form):
    response = client.post("/registro/estudiante", data=student_form, csrf=False)
    assert response.status_code == 400
    assert count(User) == 0


@pytest.fixture
def employer_form():
    return {
        "first_names": "Jorge", "last_names": "Salas", "email": "jorge@electro.pe",
        "password": "tableros industriales", "ruc": "20100070970", "legal_name": "Electro Sur S.A.C.",
    }


def test_employer_registers_a_new_unverified_company(client, employer_form):
    response = client.post("/registro/empresa", data=employer_form)
    assert response.status_code == 303 and response.headers["Location"] == "/registro/revisa-tu-correo"
    assert client.get("/empresa").status_code == 302
    response = client.post(confirmation_path("jorge@electro.pe"))
    assert response.status_code == 303 and response.headers["Location"] == "/empresa"
    company = db.session.scalar(select(Company).where(Company.ruc == "20100070970"))
    assert company.verification_state == "unverified"
    assert company.members[0].is_owner and company.members[0].state == "active"
    page = client.get("/empresa")
    assert b"Sin verificar" in page.data
    assert b"Se publican cuando" in page.data


@pytest.mark.parametrize(
    "ruc, message",
    [
        ("2010007097", "El RUC tiene 11 dígitos; ingresaste 10."),
        ("30100070970", "El RUC debe empezar con 10, 15, 17 o 20"),
        ("20100070971", "su dígito verificador no corresponde"),
        ("20ABC070970", "El RUC solo puede tener números."),
    ],
)
def test_invalid_ruc_says_which_rule_failed(client, employer_form, ruc, message):
    employer_form["ruc"] = ruc
    response = client.post("/registro/empresa", data=employer_form)
    assert response.status_code == 422
    assert message.encode() in response.data
    assert count(Company) == 0 and count(User) == 0


def test_joining_an_existing_company_waits_for_a_member(client, employer_form):
    company = factories.company(ruc="20100070970", legal_name="Electro Sur S.A.C.")
    owner = factories.employer(company)
    response = client.post("/registro/empresa", data={**employer_form, "legal_name": ""})
    assert response.status_code == 303
    member = db.session.scalar(select(CompanyMember).join(User).where(User.email == "jorge@electro.pe"))
    assert member.company_id == company.id and member.state == "pending"
    # The company is asked only once the email is confirmed.
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == owner.email)) is None
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id)) is None
    client.post(confirmation_path("jorge@electro.pe"))
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == owner.email))
    assert "quiere unirse" in email.subject
    assert db.session.scalar(select(Notification).where(Notification.user_id == owner.id)).kind == "member-requested"
    page = client.get("/empresa")
    assert b"Pediste unirte a Electro Sur S.A.C." in page.data
    assert "Tu acceso está pendiente".encode() in page.data
    assert b"Postulantes" not in page.data


@pytest.mark.parametrize(
    "kind, value, expected",
    [
        ("ruc", "20100070970", "RUC válido: 20100070970."),
        ("ruc", "20100070971", "dígito verificador"),
        ("dni", "4567891", "El DNI tiene 8 dígitos; ingresaste 7."),
        ("dni", "45678912", "DNI válido: 45678912."),
    ],
)
def test_inline_identifier_check_answers_a_fragment(client, htmx_headers, kind, value, expected):
    response = client.get(f"/registro/validar/{kind}", query_string={kind: value}, headers=htmx_headers)
    assert response.status_code == 200
    assert expected.encode() in response.data
    assert b"<html" not in response.data


def test_inline_ruc_check_mentions_an_existing_company(client, htmx_headers):
    factories.company(ruc="20100070970", legal_name="Electro Sur S.A.C.")
    response = client.get("/registro/validar/ruc", query_string={"ruc": "20100070970"}, headers=htmx_headers)
    assert "pedirás unirte a esa empresa".encode() in response.data


def test_inline_check_escapes_what_was_typed(client, htmx_headers):
    response = client.get("/registro/validar/dni", query_string={"dni": "<script>alert(1)</script>"}, headers=htmx_headers)
    assert b"<script>" not in response.data
