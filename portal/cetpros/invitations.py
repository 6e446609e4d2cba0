"""A CETPRO's coordinators: the emailed invitation that makes someone one (a single-use link,
valid 48 h, where the person chooses a password), sending it again (the old link dies),
revoking it, and deactivating or reactivating a coordinator (through the accounts service).

The link carries only the invitation's id and how many times it was sent (the shared link
machinery, portal/accounts/invitations.py): the row says whether it still works. No request,
no templates.
"""
from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal import links, mail
from portal.accounts import administration
from portal.accounts.invitations import InvitationLinks, LinkExpired, invited_account
from portal.accounts.passwords import password_problem
from portal.accounts.rules import normalize_email
from portal.audit import audit
from portal.cetpros import queries
from portal.clock import utcnow
from portal.extensions import db
from portal.models import Cetpro, CoordinatorInvitation, User

INVITE_MAX_AGE = 48 * 3600
LINKS = InvitationLinks(CoordinatorInvitation, "coordinator-invite", "COORDINATOR_INVITE_MAX_AGE", INVITE_MAX_AGE,
                        counts_sends=True)

# The shape only: the person proves the address by opening the link.
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"

REVOKED = ("Esta invitación fue anulada, así que el enlace ya no sirve. Si aún debes coordinar "
           "tu CETPRO en Enlace CETPRO, pide al equipo de Enlace CETPRO que te invite de nuevo.")
USED = ("Esta invitación ya se usó: el enlace sirve una sola vez. Si la aceptaste tú, ingresa con tu correo "
        "y tu contraseña.")
REPLACED = ("Te enviamos un enlace más nuevo para esta invitación: usa el del último correo. "
            "Cada nuevo envío anula los anteriores.")
EXPIRED = "El enlace venció: vale por {hours} horas. Pide al equipo de Enlace CETPRO que te lo envíe de nuevo."


class InvitationError(ValueError):
    """A rule broken by the data given; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def invite_max_age() -> int:
    return LINKS.max_age()


def _send(invitation: CoordinatorInvitation, actor: User | None) -> str:
    token = LINKS.token(invitation)
    cetpro = invitation.cetpro
    hours = invite_max_age() // 3600
    who = f"{actor.full_name} ({actor.email}), del equipo de Enlace CETPRO," if actor else "El equipo de Enlace CETPRO"
    mail.queue(
        invitation.email,
        f"Te invitamos a coordinar {cetpro.name} en Enlace CETPRO",
        f"Hola:\n\n{who} te invita a ser coordinador(a) de {cetpro.name} (código modular "
        f"{cetpro.codigo_modular}) en Enlace CETPRO, el portal de prácticas y empleo de los CETPRO del Perú. "
        "Como coordinador(a) gestionas los estudiantes de tu CETPRO, verificas empresas aliadas, "
        "recomiendas estudiantes para ofertas y registras colocaciones.\n\n"
        f"Elige tu contraseña con este enlace; vale por {hours} horas, una sola vez y solo para "
        f"{invitation.email}:\n{links.external('cetpros.accept', token=token)}\n\n"
        "Si no esperabas esta invitación, ignora este correo.\n",
    )
    return token


def invite(cetpro: Cetpro, email: str, actor: User | None) -> tuple[CoordinatorInvitation, str]:
    """Email someone a link to become a coordinator of `cetpro`; returns the invitation and
    the link's token. Inviting an email that already waits sends it again (a new link)."""
    email = normalize_email(email)
    if not email:
        raise InvitationError("Escribe el correo de la persona que coordinará el CETPRO.", "email")
    if len(email) > 254 or not re.fullmatch(EMAIL_PATTERN, email):
        raise InvitationError("Ese correo no parece válido (ejemplo: nombre@cetpro.edu.pe).", "email")
    if not cetpro.active:
        raise InvitationError(f"{cetpro.name} está desactivado: reactívalo antes de invitar a alguien.")
    existing = queries.user_by_email(email)
    if existing is not None:
        if existing.role == "coordinator" and existing.cetpro_id == cetpro.id:
            state = "" if existing.active else " (desactivada: puedes reactivarla en la lista de coordinadores)"
            raise InvitationError(f"{email} ya es coordinador(a) de {cetpro.name}{state}.", "email")
        raise InvitationError(f"Ya existe una cuenta con el correo {email}. Una cuenta tiene un solo rol: "
                              "invita otro correo para esta persona.", "email")
    invitation = queries.pending_invitation_for(cetpro, email)
    if invitation is not None:
        return invitation, resend(invitation, actor)
    invitation = CoordinatorInvitation(cetpro_id=cetpro.id, email=email, state="pending", sends=1,
                                       invited_by_id=actor.id if actor else None, sent_at=utcnow())
    invitation.cetpro = cetpro
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError:
        # The same email invited from another request at the same moment (a double click):
        # one waiting invitation per email and CETPRO, so this one sends that one again.
        db.session.rollback()
        invitation = queries.pending_invitation_for(cetpro, email)
        if invitation is None:
            raise InvitationError("No pudimos enviar la invitación; vuelve a intentarlo.") from None
        return invitation, resend(invitation, actor)
    token = _send(invitation, actor)
    audit("cetpro.coordinator_invited", cetpro, actor, email=email, invitation_id=invitation.id)
    db.session.commit()
    return invitation, token


def resend(invitation: CoordinatorInvitation, actor: User | None) -> str:
    """Send a new link for a pending invitation: every earlier link stops working, and the
    48 hours count from now."""
    if invitation.state != "pending":
        raise InvitationError(invitation_problem(invitation) or USED)
    if not LINKS.renew(invitation, actor):
        db.session.refresh(invitation)
        raise InvitationError(invitation_problem(invitation) or USED)
    token = _send(invitation, actor)
    audit("cetpro.coordinator_invitation_resent", invitation.cetpro, actor, email=invitation.email,
          invitation_id=invitation.id, sends=invitation.sends)
    db.session.commit()
    return token


def revoke(invitation: CoordinatorInvitation, actor: User) -> bool:
    """Revoke a pending invitation: its link stops working. False when it was already used
    or revoked (another tab, a double click)."""
    if not LINKS.revoke(invitation, actor):
        return False
    audit("cetpro.coordinator_invitation_revoked", invitation.cetpro, actor, email=invitation.email,
          invitation_id=invitation.id)
    db.session.commit()
    db.session.refresh(invitation)
    return True


def read(token: str) -> tuple[CoordinatorInvitation | None, str | None]:
    """The invitation a link names and why it no longer works (None while it works).
    (None, None) when the link is forged or names nothing."""
    try:
        invitation, sends = LINKS.read(token)
    except LinkExpired:
        return None, EXPIRED.format(hours=invite_max_age() // 3600)
    if invitation is None:
        return None, None
    if problem := invitation_problem(invitation):
        return invitation, problem
    if sends != invitation.sends:
        return invitation, REPLACED
    if not invitation.cetpro.active:
        return invitation, REVOKED
    return invitation, None


def invitation_problem(invitation: CoordinatorInvitation) -> str | None:
    return {"revoked": REVOKED, "accepted": USED}.get(invitation.state)


def accept(invitation: CoordinatorInvitation, sends: int | None, first_names: str, last_names: str,
           password: str) -> User:
    """Create the invited person's coordinator account with the password they chose. The
    invitation is used up in the same transaction: its link works once."""
    first_names, last_names = " ".join((first_names or "").split()), " ".join((last_names or "").split())
    if not first_names:
        raise InvitationError("Escribe tus nombres.", "first_names")
    if len(first_names) > 120 or len(last_names) > 120:
        raise InvitationError("Nombres y apellidos tienen como máximo 120 caracteres cada uno.", "first_names")
    if problem := password_problem(password, invitation.email):
        raise InvitationError(problem, "password")
    return add_coordinator(invitation.cetpro, invitation.email, first_names, password,
                           last_names=last_names, invitation=invitation, sends=sends)


def add_coordinator(cetpro: Cetpro, email: str, first_names: str, password: str, last_names: str = "",
                    actor: User | None = None, invitation: CoordinatorInvitation | None = None,
                    sends: int | None = None) -> User:
    """Make an active coordinator account of `cetpro`: from an accepted invitation, or
    directly from the command line (`users create-coordinator`, for bootstrapping)."""
    email = normalize_email(email)
    if queries.user_by_email(email) is not None:
        raise InvitationError(f"Ya existe una cuenta con el correo {email}: ingresa con ella.", "email")
    if invitation is None and (problem := password_problem(password, email)):
        raise InvitationError(problem, "password")
    if not cetpro.active:
        raise InvitationError(f"{cetpro.name} está desactivado.")
    if invitation is not None:
        # Taken by one request only: a revocation, a newer link or another tab loses here.
        if not LINKS.claim(invitation, sends):
            db.session.refresh(invitation)
            raise InvitationError(invitation_problem(invitation) or REPLACED)
    # The link came by email to this address (or an admin typed it on the server): confirmed.
    user = invited_account(email, "coordinator", first_names, last_names, password, cetpro_id=cetpro.id, active=True)
    if user is None:  # the same link submitted twice at once
        raise InvitationError(USED)
    if invitation is not None:
        db.session.execute(update(CoordinatorInvitation).where(CoordinatorInvitation.id == invitation.id)
                           .values(user_id=user.id, ended_by_id=user.id)
                           .execution_options(synchronize_session=False))
        audit("cetpro.coordinator_joined", cetpro, user, user_id=user.id, invitation_id=invitation.id,
              invited_by=invitation.invited_by_id)
    audit("coordinator.created", user, actor or (user if invitation else None), cetpro_id=cetpro.id)
    db.session.commit()
    return user


def set_coordinator_active(cetpro: Cetpro, coordinator: User, active: bool, actor: User, reason: str = "") -> bool:
    """Deactivate a coordinator of `cetpro` (cannot sign in, every session ends at once, data
    stays) or reactivate one. False when it already was so.

    The CETPRO page only checks the person coordinates this CETPRO: the change itself is the
    accounts service's (/admin/usuarios/<id> uses it too), so a coordinator deactivated from
    either page ends the same way: one `user.deactivated` event with the reason, sessions ended
    through `session_version`, nothing written twice when another admin was first. Raises
    AccountError for what that service refuses (an erased account, a reason too long)."""
    if coordinator.role != "coordinator" or coordinator.cetpro_id != cetpro.id:
        raise InvitationError("Esa cuenta no coordina este CETPRO.")
    if active:
        return administration.reactivate(coordinator, actor)
    return administration.deactivate(coordinator, actor, reason)
