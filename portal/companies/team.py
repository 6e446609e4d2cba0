"""A company's team: email invitations, joining by one (with a new account or an existing
one), and accepting or declining join requests. No request, no templates."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from portal import links, mail
from portal.accounts.passwords import password_problem
from portal.accounts.rules import email_taken, normalize_email
from portal.audit import audit
from portal.clock import utcnow
from portal.companies import queries
from portal.companies.errors import CompanyError, NotAllowed
from portal.extensions import db
from portal.models import Company, CompanyMember, User
from portal.notifications.services import notify

INVITE_SALT = "company-invite"
INVITE_MAX_AGE = 7 * 24 * 3600


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invite_max_age() -> int:
    return int(current_app.config.get("COMPANY_INVITE_MAX_AGE", INVITE_MAX_AGE))


@dataclass
class Invitation:
    company: Company
    email: str
    inviter: User | None


def invite(company: Company, actor: User, email: str) -> str:
    """Email a colleague a signed link to join the company; returns the token."""
    if not queries.is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede invitar.")
    email = normalize_email(email)
    existing = queries.user_by_email(email)
    membership = queries.membership_of(existing) if existing else None
    if membership is not None and membership.company_id == company.id:
        if membership.state == "active":
            raise CompanyError(f"{email} ya es parte del equipo de {company.display_name}.", "email")
        raise CompanyError(f"{email} ya pidió unirse: acéptalo en «Solicitudes pendientes».", "email")
    token = _invite_serializer().dumps({"c": company.id, "e": email, "by": actor.id})
    days = invite_max_age() // 86400
    mail.queue(
        email,
        f"{actor.full_name} te invita a {company.display_name} en Enlace CETPRO",
        f"Hola:\n\n{actor.full_name} ({actor.email}) te invita a actuar en nombre de {company.display_name} "
        f"(RUC {company.ruc}) en Enlace CETPRO, el portal de prácticas y empleo de los CETPRO del Perú.\n\n"
        f"Acepta la invitación con este enlace; vale por {days} días y solo para {email}:\n"
        f"{links.external('employers.join', token=token)}\n\n"
        "Si no conoces a esta persona, ignora este correo.\n",
    )
    audit("company.member_invited", company, actor, email=email)
    db.session.commit()
    return token


def read_invitation(token: str) -> Invitation | None:
    """The invitation a link carries, or None if it is forged, expired or its company is gone."""
    try:
        data = _invite_serializer().loads(token, max_age=invite_max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    company = db.session.get(Company, data["c"])
    if company is None:
        return None
    inviter = db.session.get(User, data["by"]) if isinstance(data.get("by"), int) else None
    return Invitation(company=company, email=data["e"], inviter=inviter)


def join_problem(invitation: Invitation, user: User) -> str | None:
    """Why this signed-in account cannot take the invitation, in Spanish, or None."""
    if normalize_email(user.email) != invitation.email:
        return (f"Esta invitación es para {invitation.email} y ingresaste como {user.email}. "
                "Sal e ingresa con la cuenta de ese correo, o pide una invitación para el tuyo.")
    if user.role != "employer":
        return "Esta invitación es para una cuenta de empresa; tu cuenta es de otro tipo."
    membership = queries.membership_of(user)
    if membership is not None and membership.state == "active" and membership.company_id != invitation.company.id:
        return ("Tu cuenta ya actúa por otra empresa, y cada cuenta actúa por una sola. "
                "Para unirte a esta, pide la invitación para otro correo.")
    return None


def join(invitation: Invitation, user: User) -> CompanyMember:
    """Make the invited account an active member (a pending request elsewhere is replaced)."""
    if problem := join_problem(invitation, user):
        raise CompanyError(problem)
    company = invitation.company
    membership = queries.membership_of(user)
    if membership is not None and membership.state == "active":
        return membership  # already in: following the link twice changes nothing
    colleagues = queries.members(company)
    if membership is None:
        membership = CompanyMember(company_id=company.id, user_id=user.id, state="active")
        db.session.add(membership)
    else:
        membership.company_id = company.id
        membership.state = "active"
    for member in colleagues:
        notify(member.user_id, "member-joined",
               f"{user.full_name} ({user.email}) aceptó la invitación y ya es parte de {company.display_name}.",
               links.path("employers.team"))
    try:
        db.session.flush()
    except IntegrityError:
        # The same account joined from another request at the same moment (a double click):
        # one membership per account (a unique key), and this request's answer is theirs.
        db.session.rollback()
        membership = queries.membership_of(user)
        if membership is not None and membership.state == "active" and membership.company_id == company.id:
            return membership
        raise CompanyError("No pudimos unirte a la empresa; vuelve a intentarlo.") from None
    audit("company.member_joined", company, user, member_id=membership.id,
          invited_by=invitation.inviter.id if invitation.inviter else None)
    db.session.commit()
    return membership


def register_and_join(invitation: Invitation, first_names: str, last_names: str, password: str) -> User:
    """Create the invited person's employer account and make it an active member at once."""
    if email_taken(invitation.email):
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.")
    if problem := password_problem(password, invitation.email):
        raise CompanyError(problem, "password")
    # The invitation link came by email to this address: that confirms it.
    user = User(email=invitation.email, role="employer", first_names=first_names.strip(),
                last_names=last_names.strip(), email_confirmed_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same link submitted twice at once
        db.session.rollback()
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.") from None
    audit("employer.registered_by_invitation", user, user, company_id=invitation.company.id)
    join(invitation, user)
    return user


def accept_member(company: Company, actor: User, member: CompanyMember) -> bool:
    """Accept a pending join request. False when someone already handled it (double click)."""
    if not queries.is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede aceptar solicitudes.")
    changed = db.session.execute(
        update(CompanyMember)
        .where(CompanyMember.id == member.id, CompanyMember.company_id == company.id,
               CompanyMember.state == "pending")
        .values(state="active")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    person = member.user
    notify(person.id, "member-accepted",
           f"{actor.full_name} te aceptó en {company.display_name}. Ya puedes actuar por la empresa.",
           links.path("employers.dashboard"))
    mail.queue(
        person.email,
        f"Ya eres parte de {company.display_name} en Enlace CETPRO",
        f"Hola {person.first_names}:\n\n{actor.full_name} aceptó tu solicitud: ya puedes publicar ofertas y "
        f"ver postulantes de {company.display_name} en Enlace CETPRO.\n"
        f"{links.external('employers.dashboard')}\n",
    )
    audit("company.member_accepted", company, actor, member_id=member.id, user_id=person.id)
    db.session.commit()
    return True


def decline_member(company: Company, actor: User, member: CompanyMember) -> bool:
    """Decline a pending join request: the account stays, without a company."""
    if not queries.is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede rechazar solicitudes.")
    person = member.user
    member_id = member.id
    changed = db.session.execute(
        delete(CompanyMember)
        .where(CompanyMember.id == member_id, CompanyMember.company_id == company.id,
               CompanyMember.state == "pending")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    notify(person.id, "member-declined",
           f"{company.display_name} no aceptó tu solicitud para unirte. Si crees que es un error, habla con tu empresa.",
           links.path("employers.dashboard"))
    mail.queue(
        person.email,
        f"Tu solicitud para unirte a {company.display_name}",
        f"Hola {person.first_names}:\n\nUn miembro de {company.display_name} no aceptó tu solicitud para actuar "
        "en nombre de la empresa en Enlace CETPRO. Si crees que es un error, habla con tu empresa: pueden "
        "invitarte por correo.\n",
    )
    audit("company.member_declined", company, actor, member_id=member_id, user_id=person.id)
    db.session.commit()
    return True
