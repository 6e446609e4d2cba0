"""Keeping openings honest: reports from anyone, suspension by staff (DESIGN.md §3).

Who hears about a report: every active admin, and the coordinators of the CETPROs the
opening is meant for — the chosen ones, or, when it targets all CETPROs, those of the
opening's department (an opening for all of Peru with no department reaches admins only).

Who may suspend: an admin, any published opening; a coordinator, a published opening
meant for its CETPRO, by name or because it targets all CETPROs. Suspension states its
reason to the company (notification and email) and settles the opening's open reports.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import links, mail, vocab
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    Cetpro,
    Company,
    CompanyMember,
    Notification,
    Opening,
    OpeningReport,
    User,
    opening_cetpros,
)
from portal.notifications.services import notify

MAX_DETAILS = 1000
MAX_REASON = 500


class ModerationError(ValueError):
    """A rule was broken; `field` names the form field the Spanish message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotAllowed(ModerationError):
    """This person may not act on this opening (the view answers 404)."""


class NotPublished(ModerationError):
    """Only a published opening can be suspended (the view answers 409)."""


def _label(opening: Opening, company: Company) -> str:
    return f"«{opening.title}» de {company.display_name}"


# --- Reports --------------------------------------------------------------------------------


def report_recipients(opening: Opening) -> list[int]:
    """Ids of the users told about a report on this opening (see the module docstring)."""
    admins = select(User.id).where(User.role == "admin", User.active.is_(True))
    if opening.targets_all_cetpros:
        cetpros = select(Cetpro.id).where(Cetpro.department_code == (opening.department_code or "--"))
    else:
        cetpros = select(opening_cetpros.c.cetpro_id).where(opening_cetpros.c.opening_id == opening.id)
    coordinators = select(User.id).where(
        User.role == "coordinator", User.active.is_(True), User.cetpro_id.in_(cetpros)
    )
    return list(db.session.scalars(admins.union(coordinators)))


def report(opening: Opening, reporter: User | None, reason: str, details: str | None) -> OpeningReport:
    """Record a report ("Reportar esta oferta") and tell the people who can act on it."""
    if reason not in vocab.REPORT_REASONS:
        raise ModerationError("Elige un motivo de la lista.", "reason")
    details = (details or "").strip()
    if len(details) > MAX_DETAILS:
        raise ModerationError(f"Máximo {MAX_DETAILS} caracteres.", "details")
    if reason == "other" and not details:
        raise ModerationError("Cuéntanos qué pasa con esta oferta.", "details")
    row = OpeningReport(opening_id=opening.id, reporter_id=reporter.id if reporter else None,
                        reason=reason, details=details or None)
    db.session.add(row)
    db.session.flush()
    company = db.session.get(Company, opening.company_id)
    message = f"Reportaron la oferta {_label(opening, company)}: {vocab.REPORT_REASONS[reason]}."
    recipients = report_recipients(opening)
    if recipients:
        url = links.path("openings.show", opening_id=opening.id)
        db.session.execute(insert(Notification), [
            {"user_id": user_id, "kind": "opening-reported", "message": message[:500],
             "url": url, "created_at": utcnow()}
            for user_id in recipients
        ])
    audit("opening.reported", opening, reporter, report=row.id, reason=reason)
    db.session.commit()
    return row


# --- Suspension -----------------------------------------------------------------------------


def can_suspend(user: User, opening: Opening) -> bool:
    """Whether this person may suspend this opening (whatever its state)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    if user.role != "coordinator" or user.cetpro_id is None:
        return False
    if opening.targets_all_cetpros:
        return True
    return db.session.scalar(
        select(opening_cetpros.c.cetpro_id).where(
            opening_cetpros.c.opening_id == opening.id, opening_cetpros.c.cetpro_id == user.cetpro_id)
    ) is not None


def suspend(opening: Opening, actor: User, reason: str) -> Opening:
    """Suspend a published opening with a reason the company reads."""
    if not can_suspend(actor, opening):
        raise NotAllowed("No puedes suspender esta oferta.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ModerationError("Escribe el motivo de la suspensión: la empresa lo leerá.", "reason")
    if len(reason) > MAX_REASON:
        raise ModerationError(f"Máximo {MAX_REASON} caracteres.", "reason")
    if opening.state != "published":
        state = vocab.OPENING_STATES[opening.state].lower()
        raise NotPublished(f"Esta oferta está {state}: solo se suspende una oferta publicada.")

    opening.state = "suspended"
    opening.state_reason = reason
    now = utcnow()
    db.session.execute(
        update(OpeningReport)
        .where(OpeningReport.opening_id == opening.id, OpeningReport.resolved_at.is_(None))
        .values(resolved_at=now, resolution=f"Oferta suspendida: {reason}"[:500])
        .execution_options(synchronize_session=False)
    )
    company = db.session.get(Company, opening.company_id)
    members = db.session.execute(
        select(User.id, User.email, User.first_names)
        .join(CompanyMember, CompanyMember.user_id == User.id)
        .where(CompanyMember.company_id == company.id, CompanyMember.state == "active",
               User.active.is_(True))
    ).all()
    url = links.path("openings.show", opening_id=opening.id)
    by = (f"la coordinación de {actor.cetpro.name}" if actor.role == "coordinator" and actor.cetpro
          else "el equipo de Enlace CETPRO")
    for user_id, email, first_names in members:
        notify(user_id, "opening-suspended",
               f"Tu oferta «{opening.title}» fue suspendida: {reason}"[:500], url)
        mail.queue(
            email,
            f"Tu oferta «{opening.title}» fue suspendida"[:200],
            f"Hola {first_names}:\n\n"
            f"La oferta «{opening.title}» de {company.display_name} fue suspendida por {by} "
            f"y ya no se muestra a los postulantes.\n\nMotivo: {reason}\n\n"
            f"Las postulaciones recibidas se conservan. Si crees que es un error, comunícate "
            f"con {by}.\n\n{links.absolute(url)}\n",
        )
    audit("opening.suspended", opening, actor, reason=reason)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise NotPublished("Alguien cambió esta oferta hace un momento. Revisa su estado actual.") from None
    return opening
