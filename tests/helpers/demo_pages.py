"""The `flask seed demo` world and its main pages by role: what the browser tests walk
(axe-core in test_accessibility.py, the phone layout in test_phone_layout.py), listed once."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.passwords import reset_token
from portal.alerts.services import unsubscribe_token
from portal.companies.team import invite
from portal.extensions import db
from portal.models import (
    Alert,
    Application,
    Certificate,
    Company,
    CompanyMember,
    FollowUp,
    Interview,
    Opening,
    Placement,
    StudentProfile,
    User,
    WebhookEndpoint,
)
from portal.placements.services import token_for
from portal.roster.services import invitation_token
from portal.seed.demo import ADMIN_EMAIL, COORDINATOR_EMAIL, EMPLOYER_EMAIL, STUDENT_EMAIL, build_demo
from portal.webhooks import events as webhook_events
from portal.webhooks import services as webhook_services
from tests import factories

EMAILS = {"student": STUDENT_EMAIL, "employer": EMPLOYER_EMAIL, "coordinator": COORDINATOR_EMAIL,
          "admin": ADMIN_EMAIL}
ROLES = ("public", *EMAILS)


def demo_world() -> dict[str, User]:
    """Build the demo world (every state a page can show); its four accounts by role."""
    build_demo()
    return {role: db.session.scalar(select(User).where(User.email == email)) for role, email in EMAILS.items()}


def company_of(user: User) -> Company:
    return db.session.scalar(select(Company).join(CompanyMember).where(CompanyMember.user_id == user.id))


def busiest_opening(company: Company) -> Opening:
    """The company's opening with the most applications (the fullest pipeline)."""
    return db.session.scalar(
        select(Opening).join(Application).where(Opening.company_id == company.id)
        .group_by(Opening.id).order_by(func.count(Application.id).desc(), Opening.id)
    )


def published_opening() -> Opening:
    return db.session.scalar(select(Opening).where(Opening.state == "published").order_by(Opening.id))


def first_certificate() -> Certificate:
    """A certificado modular the demo's coordinator recorded."""
    return db.session.scalar(select(Certificate).order_by(Certificate.id))


def student_interview(student: User) -> Interview:
    """The interview proposed to the demo student (three slots to pick from)."""
    return db.session.scalar(select(Interview).join(Application).join(StudentProfile)
                             .where(StudentProfile.user_id == student.id).order_by(Interview.id))


def _webhook_pages(coordinator: User) -> list[str]:
    """A webhook of the demo's CETPRO with a delivery in its log (the demo seeds none): made
    the first time it is asked for."""
    endpoint = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.cetpro_id == coordinator.cetpro_id)
                                 .order_by(WebhookEndpoint.id))
    if endpoint is None:
        endpoint = webhook_services.create(coordinator, coordinator.cetpro_id, webhook_services.EndpointData(
            url="https://siga.cetpro-demo.edu.pe/enlace", description="SIGA CETPRO", events=["placement.created"]))
        placement = db.session.scalar(select(Placement).where(Placement.cetpro_id == coordinator.cetpro_id)
                                      .order_by(Placement.id))
        if placement is not None:
            webhook_events.placement_created(placement)
            db.session.commit()
    return [f"/coordinador/webhooks/{endpoint.id}"]


def main_pages(role: str, demo: dict[str, User]) -> list[str]:
    """The main pages of `role` ("public" for visitors) in the demo world, as paths."""
    if role == "public":
        opening = published_opening()
        company = company_of(demo["employer"])
        join = invite(company, demo["employer"], "colega.nueva@example.pe")
        imported = factories.student(email="importada@example.pe")
        pages = [
            "/", "/ofertas", f"/ofertas/{opening.id}", "/ofertas?q=electricista&tipo=empleo&departamento=04",
            "/ofertas?q=zzzzzz", "/ingresar", "/registro", "/registro/estudiante", "/registro/empresa",
            "/recuperar", f"/recuperar/{reset_token(demo['student'])}", "/dev/correo",
            f"/bienvenida/{invitation_token(imported.id, imported.password_hash)}", f"/empresa/unirse/{join}",
        ]
        follow_up = db.session.scalar(select(FollowUp).where(FollowUp.answer.is_(None)).order_by(FollowUp.id))
        if follow_up is not None:
            pages.append(f"/seguimiento/{token_for(follow_up)}")
        pages.append(f"/verificar/{first_certificate().code}")
        pages.append("/api/v1/docs")  # the API's human description, drawn from its OpenAPI document
        if (alert := db.session.scalar(select(Alert).order_by(Alert.id))) is not None:
            pages.append(f"/alertas/baja/{unsubscribe_token(alert)}")
        return pages
    if role == "student":
        return ["/estudiante", "/estudiante/perfil", "/estudiante/postulaciones", "/estudiante/recomendadas",
                "/notificaciones", f"/ofertas/{published_opening().id}", "/cuenta/mis-datos",
                "/estudiante/alertas", f"/estudiante/entrevistas/{student_interview(demo['student']).id}",
                "/estudiante/cv/generado"]
    if role == "employer":
        opening = busiest_opening(company_of(demo["employer"]))
        application = db.session.scalar(select(Application).where(Application.opening_id == opening.id)
                                         .order_by(Application.id))
        return [
            "/empresa", "/empresa/ofertas/nueva", f"/empresa/ofertas/{opening.id}/editar",
            f"/empresa/ofertas/{opening.id}/postulantes", f"/empresa/ofertas/{opening.id}/recomendados",
            f"/empresa/postulaciones/{application.id}", "/empresa/perfil", "/empresa/equipo",
            "/empresa/convenios", "/notificaciones", "/empresa/entrevistas",
            f"/empresa/postulaciones/{student_interview(demo['student']).application_id}",
        ]
    if role == "coordinator":
        return [
            "/coordinador", f"/coordinador/ofertas/{published_opening().id}/candidatos", "/coordinador/estudiantes",
            "/coordinador/estudiantes?verificacion=pendiente", "/coordinador/estudiantes/importar",
            "/coordinador/colocaciones", "/coordinador/convenios", "/coordinador/reportes",
            "/coordinador/empresas", "/coordinador/denuncias", "/coordinador/auditoria", "/notificaciones",
            f"/coordinador/estudiantes/{first_certificate().student_id}/certificados",
            "/coordinador/seguimiento-egresados",
            "/coordinador/webhooks", *_webhook_pages(demo["coordinator"]),
            "/coordinador/api/tokens",
        ]
    if role == "admin":
        return ["/admin", "/admin/empresas", "/admin/reportes", "/admin/denuncias", "/admin/correos", "/admin/tareas",
                "/admin/cetpros", "/admin/cetpros/nuevo", "/admin/catalogo", "/admin/rmv", "/admin/usuarios",
                "/admin/auditoria", "/admin/eliminaciones", "/admin/seguimiento-egresados", "/ofertas"]
    raise ValueError(f"no such role: {role}")
