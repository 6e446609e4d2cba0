"""The main pages of every role over the demo world: the list the page-wide suites walk
(axe-core in tests/browser/test_accessibility.py, the Nu HTML Checker in
tests/pages/test_markup.py), so a new page joins every one of them at once."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.accounts.passwords import reset_token
from portal.companies.team import invite
from portal.extensions import db
from portal.models import Application, Company, CompanyMember, FollowUp, Opening, User
from portal.placements.services import token_for
from portal.roster.services import invitation_token
from portal.seed.demo import ADMIN_EMAIL, COORDINATOR_EMAIL, EMPLOYER_EMAIL, STUDENT_EMAIL, build_demo
from tests import factories


@dataclass(frozen=True)
class Visit:
    """Who (an email, or None for a visitor) looks at which paths."""

    email: str | None
    paths: tuple[str, ...]


def demo_world() -> dict[str, User]:
    """The `flask seed demo` world: every state a page can show, four known accounts."""
    build_demo()
    return {role: db.session.scalar(select(User).where(User.email == email)) for role, email in
            (("admin", ADMIN_EMAIL), ("coordinator", COORDINATOR_EMAIL),
             ("employer", EMPLOYER_EMAIL), ("student", STUDENT_EMAIL))}


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


def main_pages(world: dict[str, User]) -> dict[str, Visit]:
    """Every main page of every role, by role ("public" for visitors), over `demo_world()`.

    Token pages (reset, welcome, joining a company, a follow-up) get fresh tokens here."""
    opening = published_opening()
    company = company_of(world["employer"])
    busiest = busiest_opening(company)
    application = db.session.scalar(select(Application).where(Application.opening_id == busiest.id)
                                     .order_by(Application.id))
    join = invite(company, world["employer"], "colega.nueva@example.pe")
    imported = factories.student(email="importada@example.pe")
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.answer.is_(None)).order_by(FollowUp.id))
    public = ["/", "/ofertas", f"/ofertas/{opening.id}", "/ofertas?q=electricista&tipo=empleo&departamento=04",
              "/ofertas?q=zzzzzz", "/ingresar", "/registro", "/registro/estudiante", "/registro/empresa",
              "/recuperar", f"/recuperar/{reset_token(world['student'])}",
              f"/bienvenida/{invitation_token(imported.id, imported.password_hash)}",
              f"/empresa/unirse/{join}"]
    if follow_up is not None:
        public.append(f"/seguimiento/{token_for(follow_up)}")
    return {
        "public": Visit(None, tuple(public)),
        "student": Visit(world["student"].email, (
            "/estudiante", "/estudiante/perfil", "/estudiante/postulaciones", "/estudiante/recomendadas",
            "/notificaciones", f"/ofertas/{opening.id}")),
        "employer": Visit(world["employer"].email, (
            "/empresa", "/empresa/ofertas/nueva", f"/empresa/ofertas/{busiest.id}/editar",
            f"/empresa/ofertas/{busiest.id}/postulantes", f"/empresa/ofertas/{busiest.id}/recomendados",
            f"/empresa/postulaciones/{application.id}", "/empresa/perfil", "/empresa/equipo",
            "/empresa/convenios", "/notificaciones")),
        "coordinator": Visit(world["coordinator"].email, (
            "/coordinador", f"/coordinador/ofertas/{opening.id}/candidatos", "/coordinador/estudiantes",
            "/coordinador/estudiantes?estado=pending", "/coordinador/estudiantes/importar",
            "/coordinador/colocaciones", "/coordinador/convenios", "/coordinador/reportes",
            "/coordinador/empresas", "/notificaciones")),
        "admin": Visit(world["admin"].email, ("/admin", "/admin/empresas", "/admin/reportes", "/ofertas")),
    }
