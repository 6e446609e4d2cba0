"""A company's team: email invitations (rows an owner can revoke), joining by one (with a new
account or an existing one), accepting or declining join requests, and an owner removing a
member, whose sessions end at once. No request, no templates."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from portal import links, mail
from portal.accounts.invitations import InvitationLinks, LinkExpired, invited_account
from portal.accounts.passwords import end_sessions, password_problem
from portal.accounts.rules import email_taken, normalize_email
from portal.audit import audit
from portal.clock import utcnow
from portal.companies import queries
from portal.companies.errors import CompanyError, NotAllowed
from portal.extensions import db
from portal.models import Company, CompanyInvitation, CompanyMember, User
from portal.notifications.services import notify

INVITE_MAX_AGE = 7 * 24 * 3600
# Inviting the same email again sends another link for the same row; each works until the
# invitation is used or revoked (the shared machinery: portal/accounts/invitations.py).
LINKS = InvitationLinks(CompanyInvitation, "company-invite", "COMPANY_INVITE_MAX_AGE", INVITE_MAX_AGE,
                        counts_sends=False)

REVOKED = ("La empresa anuló esta invitación, así que el enlace ya no sirve. Si aún debes unirte, "
           "pide a alguien del equipo que te invite de nuevo.")
USED = ("Esta invitación ya se usó: el enlace sirve una sola vez. Si la aceptaste tú, ingresa con tu cuenta; "
        "si no, pide a alguien del equipo que te invite de nuevo.")


class NotOwner(CompanyError):
    """A member who does not administer the company tried what only its owners may do."""


def invite_max_age() -> int:
    return LINKS.max_age()


def invite(company: Company, actor: User, email: str) -> str:
    """Email a colleague a link to join the company; returns the link's token.

    One invitation per email and company while it waits: inviting again sends a new link
    for the same row (revoking it ends every link it was sent with)."""
    if not queries.is_active_member(company, actor):
        raise NotAllowed("Solo un miembro activo de la empresa puede invitar.")
    email = normalize_email(email)
    existing = queries.user_by_email(email)
    membership = queries.membership_of(existing) if existing else None
    if membership is not None and membership.company_id == company.id:
        if membership.state == "active":
            raise CompanyError(f"{email} ya es parte del equipo de {company.display_name}.", "email")
        raise CompanyError(f"{email} ya pidió unirse: acéptalo en «Solicitudes pendientes».", "email")
    invitation = queries.pending_invitation_for(company, email)
    if invitation is None:
        invitation = CompanyInvitation(company_id=company.id, email=email, state="pending")
        db.session.add(invitation)
    invitation.invited_by_id = actor.id
    invitation.sent_at = utcnow()
    db.session.flush()
    token = LINKS.token(invitation)
    days = invite_max_age() // 86400
    mail.queue(
        email,
        f"{actor.full_name} te invita a {company.display_name} en Enlace CETPRO",
        f"Hola:\n\n{actor.full_name} ({actor.email}) te invita a actuar en nombre de {company.display_name} "
        f"(RUC {company.ruc}) en Enlace CETPRO, el portal de prácticas y empleo de los CETPRO del Perú.\n\n"
        f"Acepta la invitación con este enlace; vale por {days} días, una sola vez y solo para {email}:\n"
        f"{links.external('employers.join', token=token)}\n\n"
        "Si no conoces a esta persona, ignora este correo.\n",
    )
    audit("company.member_invited", company, actor, email=email, invitation_id=invitation.id)
    db.session.commit()
    return token


def read_invitation(token: str) -> CompanyInvitation | None:
    """The invitation a link names, or None if the link is forged, expired or names nothing.
    A revoked or used invitation is returned: `invitation_problem` says why it no longer works."""
    try:
        return LINKS.read(token)[0]
    except LinkExpired:
        return None


def invitation_problem(invitation: CompanyInvitation) -> str | None:
    """Why this invitation's link no longer works, in Spanish, or None while it waits."""
    return {"revoked": REVOKED, "accepted": USED}.get(invitation.state)


def join_problem(invitation: CompanyInvitation, user: User) -> str | None:
    """Why this signed-in account cannot take the invitation, in Spanish, or None."""
    if problem := invitation_problem(invitation):
        return problem
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


def join(invitation: CompanyInvitation, user: User) -> CompanyMember:
    """Make the invited account an active member (a pending request elsewhere is replaced).
    The invitation is used up in the same transaction: its link works once."""
    company = invitation.company
    membership = queries.membership_of(user)
    if membership is not None and membership.state == "active" and membership.company_id == company.id:
        return membership  # already in: following the link twice changes nothing
    if problem := join_problem(invitation, user):
        raise CompanyError(problem)
    # Taken by one request only: a revocation or another tab at the same moment loses here.
    if not LINKS.claim(invitation, by=user):
        membership = queries.membership_of(user)
        if membership is not None and membership.state == "active" and membership.company_id == company.id:
            return membership
        db.session.refresh(invitation)
        raise CompanyError(invitation_problem(invitation) or USED)
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
    audit("company.member_joined", company, user, member_id=membership.id, invitation_id=invitation.id,
          invited_by=invitation.invited_by_id)
    db.session.commit()
    return membership


def register_and_join(invitation: CompanyInvitation, first_names: str, last_names: str, password: str) -> User:
    """Create the invited person's employer account and make it an active member at once."""
    if problem := invitation_problem(invitation):
        raise CompanyError(problem)
    if email_taken(invitation.email):
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.")
    if problem := password_problem(password, invitation.email):
        raise CompanyError(problem, "password")
    user = invited_account(invitation.email, "employer", first_names.strip(), last_names.strip(), password)
    if user is None:  # the same link submitted twice at once
        raise CompanyError("Ya existe una cuenta con este correo: ingresa con ella para aceptar la invitación.")
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


# --- Owners: removing members and revoking invitations ------------------------------------


def _require_owner(company: Company, actor: User, what: str) -> None:
    if not queries.is_active_member(company, actor):
        raise NotAllowed(f"Solo un miembro activo de la empresa puede {what}.")
    if not queries.is_owner(company, actor):
        raise NotOwner(f"Solo quien administra la empresa (quien la registró) puede {what}. "
                       "Pídeselo a esa persona.")


def pending_invitations(company: Company) -> list[CompanyInvitation]:
    """The invitations whose links still work."""
    return queries.pending_invitations(company, utcnow() - timedelta(seconds=invite_max_age()))


def revoke_invitation(company: Company, actor: User, invitation: CompanyInvitation) -> bool:
    """Revoke a pending invitation: every link it was sent with stops working. False when it
    was already used or revoked (another tab, a double click)."""
    _require_owner(company, actor, "anular invitaciones")
    if not LINKS.revoke(invitation, actor, CompanyInvitation.company_id == company.id):
        return False
    audit("company.invitation_revoked", company, actor, invitation_id=invitation.id, email=invitation.email)
    db.session.commit()
    return True


def remove_member(company: Company, actor: User, member: CompanyMember) -> bool:
    """An owner removes an active member: the membership goes, every session of that account
    ends at once (a departed employee keeps no access to applicants), and it is audited.
    The account stays, without a company. False when someone already removed them.

    Nobody removes themselves here, and the last owner is never removed: the company always
    keeps someone who can manage its team."""
    _require_owner(company, actor, "quitar miembros del equipo")
    owners = queries.lock_owners(company)  # held until the commit: see lock_owners
    if actor.id not in owners:  # removed by a co-owner a moment ago
        db.session.rollback()
        raise NotOwner("Ya no administras esta empresa: otra persona te quitó del equipo.")
    if member.is_owner and [owner for owner in owners if owner != member.user_id] == []:
        raise CompanyError("No puedes quitar a la única persona que administra la empresa: "
                           "sin ella nadie podría manejar el equipo.")
    if member.user_id == actor.id:
        raise CompanyError("No puedes quitarte a ti mismo(a) del equipo. Si dejas la empresa, "
                           "pide a otra persona que la administre que te quite.")
    person = member.user
    member_id = member.id
    changed = db.session.execute(
        delete(CompanyMember)
        .where(CompanyMember.id == member_id, CompanyMember.company_id == company.id,
               CompanyMember.state == "active")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        db.session.rollback()
        return False
    mail.queue(
        person.email,
        f"Ya no eres parte de {company.display_name} en Enlace CETPRO",
        f"Hola {person.first_names}:\n\n{actor.full_name} te quitó del equipo de {company.display_name} en "
        "Enlace CETPRO: tu cuenta sigue activa, pero ya no actúa en nombre de la empresa ni ve a sus "
        "postulantes. Cerramos tus sesiones abiertas.\n\nSi crees que es un error, habla con tu empresa.\n",
    )
    audit("company.member_removed", company, actor, member_id=member_id, user_id=person.id, email=person.email,
          was_owner=member.is_owner or None)
    end_sessions(person)  # commits the removal, the email and the audit event with it
    return True
