"""People's data rights (Ley 29733): the export holds every category of a person's data; a
deletion leaves nothing that names them in any table or stored file, only the tombstone,
and every aggregate report figure stays as it was; the grace period can be cancelled; the
retention job purges old emails and unconfirmed sign-ups."""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, func, select

from portal import clock, mail, uploads
from portal.audit import audit
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    FollowUp,
    Nomination,
    Notification,
    OutboxEmail,
    Placement,
    StudentProfile,
    StudentSkill,
    User,
)
from portal.notifications.services import notify
from portal.privacy import deletion, export, retention
from portal.reports import figures
from portal.webhooks import events as webhook_events
from portal.webhooks import services as webhook_services
from tests import factories
from tests.helpers.files import minimal_pdf
from tests.helpers.web import HTMX

FIRST, LAST, DNI, PHONE = "Zoraida Filomena", "Ccahuana Tintaya", "47391826", "987654321"
EMAIL = "zoraida.ccahuana@correo.pe"


@dataclass
class Person:
    user: User
    employer: User
    coordinator: User
    cv_path: str
    evidence_path: str
    open_application: Application


def _person() -> Person:
    """A student with something in every category: CV, skills, applications (hired, open),
    a placement with evidence and follow-ups, a nomination, notifications, emails, audit
    events, and other people's rows that quote her (an employer's notification, an email)."""
    cetpro = factories.cetpro()
    user = factories.student(cetpro, email=EMAIL, document_number=DNI)
    factories.named(user, FIRST, LAST)
    user.phone = PHONE
    profile = user.student
    profile.skills.append(StudentSkill(normalized="soldadura", name="Soldadura"))
    profile.availability = "Mañanas, llamar al 987654321"
    profile.cv_path = uploads.store_bytes(minimal_pdf(f"CV de {FIRST} {LAST}, DNI {DNI}"), "cv", "pdf")
    profile.cv_uploaded_at = clock.utcnow()
    company = factories.company()
    employer = factories.employer(company)
    coordinator = factories.coordinator(cetpro)
    factories.convenio(cetpro, company)
    hired_opening, open_opening = factories.opening(company), factories.opening(company)
    hired = factories.application(hired_opening, user, state="hired")
    hired.message = f"Soy {FIRST} {LAST}, mi celular es {PHONE}."
    hired.employer_notes = f"{FIRST} {LAST} llegó puntual."
    pending = factories.application(open_opening, user, state="in_review")
    db.session.add(Nomination(opening_id=open_opening.id, student_id=profile.id, cetpro_id=cetpro.id,
                              nominated_by_id=coordinator.id, note=f"{FIRST} {LAST} es muy cumplida."))
    placement = factories.placement(user, date(2025, 3, 1), company=company, application=hired, department="04")
    placement.evidence_path = uploads.store_bytes(minimal_pdf(f"Constancia de {FIRST} {LAST}"), "evidence", "pdf")
    db.session.add(FollowUp(placement_id=placement.id, months=3, due_date=date(2025, 6, 1), answer="still_there"))
    # Her CETPRO's system is told of the placement by a webhook (the delivery holds her name and DNI).
    webhook_services.create(coordinator, cetpro.id, webhook_services.EndpointData(
        url="https://siga.example.pe/h", description="", events=["placement.created"]))
    webhook_events.placement_created(placement)
    notify(user.id, "application-updated", "Tu postulación fue vista.", email=("Tu postulación", "Fue vista."))
    notify(employer.id, "application-created", f"{FIRST} {LAST} postuló a «{open_opening.title}».",
           email=("Nueva postulación", f"{FIRST} {LAST} ({EMAIL}) postuló."))
    audit("application.created", hired, user)
    audit("application.hired", hired, employer, reason=None)
    audit("student.profile_updated", profile, user, fields=["phone"], phone=PHONE)
    audit("outbox.retry", profile, None, to=EMAIL)
    db.session.commit()
    return Person(user, employer, coordinator, profile.cv_path, placement.evidence_path, pending)


def _needles() -> list[str]:
    return [DNI, EMAIL, FIRST, LAST, f"{FIRST} {LAST}", PHONE]


def _text_hits(needles: list[str]) -> list[str]:
    """Every text column of every table (found through the metadata, so a new table is
    searched too) that holds one of `needles`."""
    hits = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)]
        if not columns:
            continue
        for row in db.session.execute(select(*table.columns)).mappings():
            for column in columns:
                value = row[column.name]
                if value is None:
                    continue
                if isinstance(column.type, JSON):
                    text = json.dumps(value, ensure_ascii=False)
                elif isinstance(value, bytes | memoryview):  # stored files, if uploads live in the database
                    text = bytes(value).decode("latin-1")
                else:
                    text = str(value)
                hits += [f"{table.name}.{column.name}: {needle}" for needle in needles
                         if needle.lower() in text.lower()]
    return hits


def _file_hits(app, needles: list[str]) -> list[str]:
    root = Path(app.config["UPLOAD_PATH"])
    hits = []
    for path in root.rglob("*") if root.exists() else ():
        if path.is_file():
            content = path.read_bytes().decode("latin-1").lower()
            hits += [f"{path.name}: {needle}" for needle in needles if needle.lower() in content]
    return hits


# --- Export -------------------------------------------------------------------------------


def test_the_export_holds_every_category_and_the_files(app):
    person = _person()
    data, files = export.collect(person.user)
    assert set(export.CATEGORIES) <= set(data)
    assert data["cuenta"]["email"] == EMAIL and data["cuenta"]["phone"] == PHONE
    assert data["perfil_estudiante"]["document_number"] == DNI
    assert data["perfil_estudiante"]["habilidades"] == ["Soldadura"] and data["perfil_estudiante"]["modulos"]
    applications = {a["state"]: a for a in data["postulaciones"]}
    assert set(applications) == {"hired", "in_review"}
    assert [h["accion"] for h in applications["hired"]["historial"]] == ["application.created", "application.hired"]
    assert data["recomendaciones"][0]["note"].startswith(FIRST)
    [placement] = data["colocaciones"]
    assert placement["seguimientos"][0]["answer"] == "still_there"
    assert placement["evidencia"] in files
    assert len(data["notificaciones"]) == 1 and data["convenios"] == []
    assert {"student.profile_updated", "application.created"} <= {e["accion"] for e in data["auditoria"]}
    assert sorted(files) == data["archivos"] == sorted(["archivos/cv.pdf", placement["evidencia"]])
    assert files["archivos/cv.pdf"] == uploads.read_stored(person.cv_path)


def test_an_employer_and_a_coordinator_get_their_convenios_and_company(app):
    person = _person()
    employer_data, _ = export.collect(person.employer)
    assert employer_data["empresa"]["membresia"]["ruc"] and len(employer_data["convenios"]) == 1
    assert employer_data["perfil_estudiante"] is None and employer_data["postulaciones"] == []
    coordinator_data, _ = export.collect(person.coordinator)
    assert len(coordinator_data["convenios"]) == 1 and coordinator_data["empresa"] is None


def test_downloading_gives_one_zip_and_is_audited(app, client, auth):
    person = _person()
    auth.login(EMAIL)
    page = client.get("/cuenta/mis-datos")
    assert page.status_code == 200 and "Descargar mis datos" in page.get_data(as_text=True)
    response = client.post("/cuenta/mis-datos/descargar")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="mis-datos-enlace-cetpro-')
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    placement_id = db.session.scalar(select(Placement.id))
    assert set(archive.namelist()) == {"mis-datos.json", "archivos/cv.pdf",
                                       f"archivos/colocacion-{placement_id}-evidencia.pdf"}
    assert json.loads(archive.read("mis-datos.json"))["cuenta"]["email"] == EMAIL
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "account.data_exported",
                                                        AuditEvent.actor_id == person.user.id)) == 1


def test_the_student_profile_links_to_the_data_page(app, client, auth):
    _person()
    auth.login(EMAIL)
    body = client.get("/estudiante/perfil").get_data(as_text=True)
    assert 'href="/cuenta/mis-datos"' in body


# --- Deletion -------------------------------------------------------------------------------


def _figures() -> list:
    today = date(2026, 1, 15)
    return [figures.compute(figures.Scope(), today), figures.compute(figures.Scope(department_code="04"), today)]


def test_after_deletion_no_table_and_no_file_names_the_person(app, frozen_clock):
    frozen_clock(datetime(2026, 1, 10, 12, 0))
    person = _person()
    # The search finds her before: in the tables, and in her stored CV (wherever uploads live).
    assert _text_hits(_needles())
    assert f"{FIRST} {LAST}".encode() in uploads.read_stored(person.cv_path)
    assert _file_hits(app, [f"{FIRST} {LAST}"]) or _text_hits([f"{FIRST} {LAST}"])
    deletion.request_deletion(person.user, factories.PASSWORD)
    db.session.commit()
    frozen_clock(datetime(2026, 1, 18, 12, 0))  # the 7-day grace period is over
    assert deletion.erase_due() == 1
    db.session.expire_all()
    assert _text_hits(_needles()) == []
    assert _file_hits(app, _needles()) == []
    assert uploads.read_stored(person.cv_path) is None and uploads.read_stored(person.evidence_path) is None
    tombstone = db.session.get(User, person.user.id)
    assert tombstone.full_name == "Cuenta eliminada" and tombstone.deleted_at is not None
    assert not tombstone.active and not tombstone.check_password(factories.PASSWORD)
    assert db.session.scalar(select(func.count()).where(Notification.user_id == person.user.id)) == 0
    # What other people read about her now says "Cuenta eliminada".
    employer_notice = db.session.scalar(select(Notification.message).where(Notification.user_id == person.employer.id))
    assert employer_notice.startswith("Cuenta eliminada postuló")
    assert db.session.get(Application, person.open_application.id).state == "withdrawn"
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0
    assert db.session.scalar(select(func.count()).where(OutboxEmail.to_address.like("%@eliminada.invalid"))) == 0


def test_deletion_leaves_every_report_figure_as_it_was(app):
    from tests.helpers.reports import report_world

    world = report_world()
    before = _figures()
    e1 = world.students["e1"]  # graduate, hired, two placements, follow-ups
    deletion.run(e1)
    db.session.expire_all()
    assert _figures() == before
    assert db.session.scalar(select(func.count()).where(Placement.student_id == e1.student.id)) == 2


def test_the_person_may_cancel_within_the_grace_period(app, client, auth, frozen_clock):
    frozen_clock(datetime(2026, 1, 10, 12, 0))
    person = _person()
    auth.login(EMAIL)
    wrong = client.post("/cuenta/eliminar", data={"password": "otra-clave"}, headers=HTMX)
    assert wrong.status_code == 422 and "La contraseña no es correcta" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.user.id).deletion_due_at is None  # a bad input changes nothing
    asked = client.post("/cuenta/eliminar", data={"password": factories.PASSWORD})
    assert asked.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, person.user.id).deletion_due_at == datetime(2026, 1, 17, 17, 0)  # UTC
    told = db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == EMAIL,
                                                       OutboxEmail.subject == "Pediste eliminar tu cuenta"))
    assert "Si no fuiste tú" in told.body_text and "/cuenta/mis-datos" in told.body_text
    # She can still sign in, and every page shows the banner with its cancel button.
    auth.logout()
    auth.login(EMAIL)
    page = client.get("/estudiante").get_data(as_text=True)
    assert 'id="deletion-banner"' in page and "Cancelar la eliminación" in page
    cancelled = client.post("/cuenta/eliminar/cancelar", headers=HTMX)
    assert cancelled.status_code == 200 and "Eliminar mi cuenta" in cancelled.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.user.id).deletion_due_at is None
    frozen_clock(datetime(2026, 1, 20, 12, 0))
    assert deletion.erase_due() == 0
    assert db.session.get(User, person.user.id).email == EMAIL
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "User",
                                                                     AuditEvent.object_id == person.user.id)))
    assert {"account.deletion_requested", "account.deletion_cancelled"} <= actions


def test_an_admin_sees_pending_requests_and_may_run_one_now(app, client, auth):
    person = _person()
    deletion.request_deletion(person.user, factories.PASSWORD)
    db.session.commit()
    auth.login(factories.admin())
    assert "Eliminaciones de cuentas (1 pendiente)" in client.get("/admin").get_data(as_text=True)
    page = client.get("/admin/eliminaciones")
    assert page.status_code == 200 and f"{FIRST} {LAST}" in page.get_data(as_text=True)
    fragment = client.get("/admin/eliminaciones", headers=HTMX).get_data(as_text=True)
    assert fragment.startswith('<section id="deletion-requests"')
    ran = client.post(f"/admin/eliminaciones/{person.user.id}/ejecutar", headers=HTMX)
    assert ran.status_code == 200 and "Nadie pidió eliminar su cuenta" in ran.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.user.id).deleted_at is not None
    assert "Eliminaciones de cuentas (0 pendientes)" in client.get("/admin").get_data(as_text=True)
    # A second click, or an account nobody asked to delete, changes nothing.
    assert client.post(f"/admin/eliminaciones/{person.user.id}/ejecutar").status_code == 404
    assert client.post(f"/admin/eliminaciones/{person.employer.id}/ejecutar").status_code == 404


def test_employers_and_coordinators_see_cuenta_eliminada(app, client, auth):
    person = _person()
    opening_id = person.open_application.opening_id
    deletion.run(person.user)
    auth.login(person.employer)
    pipeline = client.get(f"/empresa/ofertas/{opening_id}/postulantes").get_data(as_text=True)
    assert "Cuenta eliminada" in pipeline and FIRST not in pipeline
    shown = client.get(f"/empresa/postulaciones/{person.open_application.id}").get_data(as_text=True)
    assert "<h1>Cuenta eliminada</h1>" in shown and "eliminada.invalid" not in shown and PHONE not in shown
    auth.logout()
    auth.login(person.coordinator)
    for url in ("/coordinador/estudiantes", "/coordinador/colocaciones"):
        body = client.get(url).get_data(as_text=True)
        assert "Cuenta eliminada" in body and FIRST not in body and DNI not in body, url
        assert ", Cuenta eliminada" not in body, url


def test_a_deleted_account_cannot_sign_in(app, client):
    person = _person()
    deletion.run(person.user)
    response = client.post("/ingresar", data={"email": EMAIL, "password": factories.PASSWORD})
    assert response.status_code != 303 or "/estudiante" not in response.headers.get("Location", "")


def test_an_admin_account_is_not_deleted_from_the_data_page(app):
    admin = factories.admin()
    with pytest.raises(deletion.DeletionError, match="administración"):
        deletion.request_deletion(admin, factories.PASSWORD)


# --- Retention ------------------------------------------------------------------------------


def test_retention_purges_old_sent_emails_and_unconfirmed_sign_ups(app, frozen_clock):
    frozen_clock(datetime(2026, 1, 1, 12, 0))
    old_sent = mail.queue("a@correo.pe", "Asunto", "Cuerpo")
    old_pending = mail.queue("b@correo.pe", "Asunto", "Cuerpo")
    unconfirmed = factories.student()
    unconfirmed.email_confirmed_at = None
    old_sent.sent_at = clock.utcnow()
    db.session.commit()
    unconfirmed_id = unconfirmed.id
    frozen_clock(datetime(2026, 1, 20, 12, 0))
    recent = mail.queue("c@correo.pe", "Asunto", "Cuerpo")
    recent.sent_at = clock.utcnow()
    db.session.commit()
    ids = (old_sent.id, old_pending.id, recent.id)
    assert retention.purge_outbox() == 0  # 19 days: within OUTBOX_RETENTION_DAYS (30)
    assert retention.purge_unconfirmed_accounts() == 1  # 19 days: past UNCONFIRMED_RETENTION_DAYS (7)
    assert db.session.get(User, unconfirmed_id) is None
    frozen_clock(datetime(2026, 2, 5, 12, 0))
    assert retention.purge() == 1
    kept = set(db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.id.in_(ids))))
    assert kept == {old_pending.id, recent.id}  # a pending email is never purged; the recent one waits


def test_retention_days_come_from_the_configuration(app, frozen_clock):
    frozen_clock(datetime(2026, 1, 1, 12, 0))
    email = mail.queue("a@correo.pe", "Asunto", "Cuerpo")
    email.sent_at = clock.utcnow()
    db.session.commit()
    frozen_clock(datetime(2026, 1, 4, 12, 0))
    app.config["OUTBOX_RETENTION_DAYS"] = 2
    assert retention.purge_outbox() == 1
    app.config["DELETION_GRACE_DAYS"] = 3
    assert deletion.grace() == timedelta(days=3)


def test_a_profile_survives_as_a_tombstone_with_what_reports_count(app):
    person = _person()
    profile = person.user.student
    kept = (profile.cetpro_id, profile.programme_id, profile.level, profile.status, profile.graduation_date)
    deletion.run(person.user)
    db.session.expire_all()
    profile = db.session.get(StudentProfile, profile.id)
    assert (profile.cetpro_id, profile.programme_id, profile.level, profile.status, profile.graduation_date) == kept
    assert profile.document_number != DNI and not profile.open_to_offers and profile.cv_path is None


@pytest.mark.parametrize("role", ["employer", "coordinator"])
def test_an_employer_or_a_coordinator_is_erased_too(app, role):
    person = _person()
    user = factories.named(getattr(person, role), "Eustaquio Benigno", "Huarcaya Llerena")
    email = user.email
    notify(person.user.id, "team", "Eustaquio Benigno Huarcaya Llerena revisó tu postulación.")
    audit("company.member_invited", user, user, email=email)
    deletion.request_deletion(user, factories.PASSWORD)
    db.session.commit()
    deletion.run(user)
    db.session.expire_all()
    assert _text_hits([email, "Eustaquio Benigno", "Huarcaya Llerena"]) == []
    assert db.session.get(User, user.id).full_name == "Cuenta eliminada"


def test_downloads_are_limited_per_person(app, client, auth):
    _person()
    auth.login(EMAIL)
    answers = [client.post("/cuenta/mis-datos/descargar").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


def test_the_cli_runs_the_same_jobs(app, runner, frozen_clock):
    frozen_clock(datetime(2026, 1, 1, 12, 0))
    person = _person()
    deletion.request_deletion(person.user, factories.PASSWORD)
    db.session.commit()
    frozen_clock(datetime(2026, 1, 9, 12, 0))
    erased = runner.invoke(args=["privacy", "erase-due"])
    assert erased.exit_code == 0 and "Cuentas eliminadas: 1." in erased.output
    purged = runner.invoke(args=["privacy", "purge"])
    assert purged.exit_code == 0 and "Correos antiguos borrados: 0." in purged.output


def test_the_last_owner_of_a_company_with_a_team_hands_it_over_first(app):
    """A company keeps someone in charge while it has a team: its only owner cannot ask to
    leave while others remain; alone, or with another owner, they can."""
    from portal.models import CompanyMember

    company = factories.company()
    owner, colleague = factories.employer(company), factories.employer(company)
    db.session.get(CompanyMember, colleague.membership.id).is_owner = False
    db.session.commit()
    with pytest.raises(deletion.DeletionError, match="única persona que administra"):
        deletion.request_deletion(owner, factories.PASSWORD)
    db.session.rollback()
    assert db.session.get(User, owner.id).deletion_due_at is None
    assert deletion.request_deletion(colleague, factories.PASSWORD) is not None  # not an owner
    db.session.get(CompanyMember, colleague.membership.id).is_owner = True
    db.session.commit()
    assert deletion.request_deletion(owner, factories.PASSWORD) is not None  # another owner stays
