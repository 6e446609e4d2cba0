"""Verifying a company (DESIGN §3): who may, verifying or rejecting it, and telling its
members. No request, no templates."""
from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import links, mail
from portal.audit import audit
from portal.clock import utcnow
from portal.companies import queries
from portal.companies.errors import CompanyError, NotAllowed
from portal.extensions import db
from portal.models import Company, CompanyEndorsement, User
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


def _admin_holds(company: Company) -> bool:
    """An admin rejected the company (or it waits for an admin after that rejection): no
    CETPRO's statement can verify it now."""
    return company.decided_by_admin and company.verification_state != "verified"


def _endorse(company: Company, actor: User, state: str, note: str | None) -> bool:
    """Record the coordinator's CETPRO's statement. False when it already said so (a double
    click, or two coordinators of the same CETPRO at once: the second insert loses)."""
    found = db.session.scalar(
        select(CompanyEndorsement)
        .where(CompanyEndorsement.company_id == company.id, CompanyEndorsement.cetpro_id == actor.cetpro_id)
        .with_for_update())
    if found is not None and found.state == state:
        return False
    if found is None:
        db.session.add(CompanyEndorsement(company_id=company.id, cetpro_id=actor.cetpro_id, state=state, note=note,
                                          decided_by_id=actor.id, decided_at=utcnow()))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return False
    else:
        found.state, found.note, found.decided_by_id, found.decided_at = state, note, actor.id, utcnow()
    return True


def settle(company: Company) -> None:
    """The platform state of a company no admin decided on: verified while at least one
    CETPRO vouches for it, unverified otherwise (one CETPRO's rejection is its own
    statement, not the platform's). Not committed."""
    if company.decided_by_admin:
        return
    db.session.flush()
    vouched = db.session.scalar(select(CompanyEndorsement.id).where(
        CompanyEndorsement.company_id == company.id, CompanyEndorsement.state == "verified").limit(1))
    state = "verified" if vouched else "unverified"
    if company.verification_state != state:
        company.verification_state = state
        company.verification_note = None
        company.verified_at = utcnow() if vouched else None
    db.session.expire(company, ["endorsements"])


def _decide_for_platform(company: Company, actor: User, state: str, note: str | None) -> bool:
    # A conditional UPDATE: two admins deciding at once produce one change and one email.
    # A company verified only by CETPROs' statements becomes the platform's decision too.
    changed = db.session.execute(
        update(Company)
        .where(Company.id == company.id,
               or_(Company.verification_state != state, Company.decided_by_admin.is_(False)))
        .values(verification_state=state, verification_note=note,
                verified_at=utcnow() if state == "verified" else None,
                verified_by_id=actor.id, identity_changed_at=None, decided_by_admin=True)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    return bool(changed)


def verify(company: Company, actor: User, on: date | None = None) -> bool:
    """An admin verifies the company for the whole platform; a coordinator states that her
    CETPRO verified it ("Verificada por CETPRO X"), which is the company's badge unless an
    admin decided otherwise. False when it already was (a double click changes nothing)."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes verificar esta empresa.")
    if actor.role == "admin":
        changed = _decide_for_platform(company, actor, "verified", None)
    else:
        if _admin_holds(company):
            raise CompanyError("El equipo de Enlace CETPRO rechazó a esta empresa: solo ellos pueden verificarla "
                               "ahora. Si la conoces, escríbeles con lo que sabes de ella.", "reason")
        changed = _endorse(company, actor, "verified", None)
        if changed:
            company.identity_changed_at = None
            settle(company)
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
    """An admin rejects the company for the whole platform; a coordinator states that her
    CETPRO could not verify it (the badge goes only if it rested on her CETPRO alone; an
    admin's verification stays, and admins are asked to review). Members read the reason."""
    if not can_verify(company, actor, on):
        raise NotAllowed("No puedes revisar esta empresa.")
    reason = clean_reason(reason)
    if actor.role == "admin":
        changed = _decide_for_platform(company, actor, "rejected", reason)
    else:
        changed = _endorse(company, actor, "rejected", reason)
        if changed:
            settle(company)
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
    if actor.role == "coordinator" and company.is_verified:
        # Still verified by the platform or another CETPRO: an admin decides whether it stays.
        for admin_id in db.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))):
            notify(admin_id, "company-disputed",
                   f"{who} rechazó a {company.display_name} (RUC {company.ruc}), que sigue verificada. "
                   f"Motivo: {reason}", links.path("admin.companies", estado="verificadas"))
    audit("company.rejected", company, actor, role=actor.role, cetpro_id=actor.cetpro_id, reason=reason)
    db.session.commit()
    return True
