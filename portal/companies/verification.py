"""Verifying a company (DESIGN §3): who may, verifying or rejecting it, and telling its
members. No request, no templates."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from portal import links, mail
from portal.audit import audit
from portal.clock import utcnow
from portal.companies import queries
from portal.companies.errors import CompanyError, NotAllowed
from portal.extensions import db
from portal.models import Company, User
from portal.notifications.services import notify


def can_verify(company: Company, actor: User, on: date | None = None) -> bool:
    """An admin, or a coordinator whose CETPRO has a convenio in force with the company."""
    if not actor.active:
        return False
    if actor.role == "admin":
        return True
    if actor.role == "coordinator":
        return queries.has_active_convenio(actor.cetpro_id, company.id, on)
    return False


def _decided_by(actor: User) -> str:
    if actor.role == "coordinator" and actor.cetpro is not None:
        return actor.cetpro.name
    return "el equipo de Enlace CETPRO"


def _tell_members(company: Company, kind: str, message: str, subject: str, body: str) -> None:
    for member in queries.members(company):
        notify(member.user_id, kind, message, links.path("employers.dashboard"))
        mail.queue(member.user.email, subject, f"Hola {member.user.first_names}:\n\n{body}")


def verify(company: Company, actor: User, on: date | None = None) -> bool:
    """Mark the company verified. False when it already was (a double click changes nothing)."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes verificar esta empresa.")
    # A conditional UPDATE: two people verifying at once produce one change and one email.
    changed = db.session.execute(
        update(Company)
        .where(Company.id == company.id, Company.verification_state != "verified")
        .values(verification_state="verified", verification_note=None, verified_at=utcnow(),
                verified_by_id=actor.id, identity_changed_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    who = _decided_by(actor)
    _tell_members(
        company, "company-verified",
        f"{company.display_name} ya está verificada por {who}. Tus ofertas ya se pueden publicar.",
        f"{company.display_name} ya está verificada en Enlace CETPRO",
        f"{who} verificó a {company.display_name} (RUC {company.ruc}). Desde ahora tus ofertas se pueden "
        f"publicar y muestran la insignia «Verificada».\n{links.external('employers.dashboard')}\n",
    )
    audit("company.verified", company, actor, role=actor.role, cetpro_id=actor.cetpro_id)
    db.session.commit()
    return True


REASON_MAX = 500


def clean_reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CompanyError("Escribe el motivo del rechazo: la empresa lo leerá para corregir sus datos.", "reason")
    if len(reason) > REASON_MAX:
        raise CompanyError(f"El motivo puede tener hasta {REASON_MAX} caracteres; escribiste {len(reason)}.", "reason")
    return reason


def reject(company: Company, actor: User, reason: str, on: date | None = None) -> bool:
    """Mark the company rejected, with the reason its members will read."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes revisar esta empresa.")
    reason = clean_reason(reason)
    changed = db.session.execute(
        update(Company)
        .where(Company.id == company.id, Company.verification_state != "rejected")
        .values(verification_state="rejected", verification_note=reason, verified_at=None,
                verified_by_id=actor.id, identity_changed_at=None)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    who = _decided_by(actor)
    _tell_members(
        company, "company-rejected",
        f"{who} no pudo verificar a {company.display_name}. Motivo: {reason}",
        f"{company.display_name} no pudo ser verificada en Enlace CETPRO",
        f"{who} revisó a {company.display_name} (RUC {company.ruc}) y no pudo verificarla.\n\nMotivo: {reason}\n\n"
        "Corrige los datos en el perfil de la empresa: al guardarlos, la empresa vuelve a la cola de "
        f"verificación. Mientras tanto puedes preparar ofertas como borrador.\n{links.external('employers.profile')}\n",
    )
    audit("company.rejected", company, actor, role=actor.role, cetpro_id=actor.cetpro_id, reason=reason)
    db.session.commit()
    return True
