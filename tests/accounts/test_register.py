"""Registration of students and employers, with Spanish messages for every bad input."""
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


def test_student_registers_and_waits_for_verification(client, student_form):
    coordinator = factories.coordinator(db.session.get(Cetpro, int(student_form["cetpro_id"])))
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 303
    assert response.headers["Location"] == "/estudiante"
    profile = db.session.scalar(select(StudentProfile).join(User).where(User.email == "rosa@example.pe"))
    assert profile.verification_state == "pending"
    assert profile.document_number == "45678912"
    assert "Pendiente de verificación".encode() in client.get("/estudiante").data
    assert db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))


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


def test_email_already_registered_is_refused(client, student_form):
    factories.student(email="rosa@example.pe")
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 422
    assert "Ya existe una cuenta con este correo".encode() in response.data


def test_same_dni_twice_is_refused(client, student_form):
    factories.student(document_number="45678912")
    response = client.post("/registro/estudiante", data=student_form)
    assert response.status_code == 422
    assert "Ya hay una cuenta con este documento".encode() in response.data


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
    assert response.status_code == 303
    company = db.session.scalar(select(Company).where(Company.ruc == "20100070970"))
    assert company.verification_state == "unverified"
    assert company.members[0].is_owner and company.members[0].state == "active"
    page = client.get("/empresa")
    assert "Sin verificar".encode() in page.data
    assert "Se publican cuando".encode() in page.data


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
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == owner.email))
    assert "quiere unirse" in email.subject
    page = client.get("/empresa")
    assert "Tu acceso está pendiente".encode() in page.data
    assert "Postulantes".encode() not in page.data


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
