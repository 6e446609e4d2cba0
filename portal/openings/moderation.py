"""Keeping openings honest: reports from anyone, suspension by staff (DESIGN.md §3).

Who hears about a report: every active admin, and the coordinators of the CETPROs the
opening is meant for — the chosen ones, or, when it targets all CETPROs, those of the
opening's department (an opening for all of Peru with no department reaches admins only).

Each of them is told with a link to the report itself: an admin to /admin/denuncias/<id>,
a coordinator to /coordinador/denuncias/<id> (portal/openings/moderation_queries.py lets the
same people read it).

Who may suspend: an admin, any published opening; a coordinator, a published opening
meant for its CETPRO, by name or because it targets all CETPROs. Suspension states its
reason to the company (notification and email), settles the opening's open reports, and
ends every open application with "Oferta suspendida", each applicant told why (see
portal/applications/states.py for why they are ended and not frozen).
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from portal import links, mail, vocab
from portal.applications.services import end_open
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.formatting import sentence
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


def _recipients(opening: Opening):
    """(id, role) of the users told about a report on this opening (see the module docstring)."""
    admins = select(User.id, User.role).where(User.role == "admin", User.active.is_(True))
    if opening.targets_all_cetpros:
        cetpros = select(Cetpro.id).where(Cetpro.department_code == (opening.department_code or "--"))
    else:
        cetpros = select(opening_cetpros.c.cetpro_id).where(opening_cetpros.c.opening_id == opening.id)
    coordinators = select(User.id, User.role).where(
        User.role == "coordinator", User.active.is_(True), User.cetpro_id.in_(cetpros)
    )
    return db.session.execute(admins.union(coordinators)).all()


def report_recipients(opening: Opening) -> list[int]:
    """Ids of the users told about a report on this opening (see the module docstring)."""
    return [user_id for user_id, _role in _recipients(opening)]


# Where each role reads a report (the pages live in the audience packages).
REPORT_PAGES = {"admin": "admin.opening_report", "coordinator": "coordinators.opening_report"}


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
    recipients = _recipients(opening)
    if recipients:
        urls = {role: links.path(endpoint, report_id=row.id) for role, endpoint in REPORT_PAGES.items()}
        db.session.execute(insert(Notification), [
            {"user_id": user_id, "kind": "opening-reported", "message": message[:500],
             "url": urls[role], "created_at": utcnow()}
            for user_id, role in recipients
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
    told = end_open(
        opening, "opening_suspended",
        f"La oferta «{opening.title}» de {company.display_name} fue suspendida: {sentence(reason)} "
        f"Tu postulación no continuará.",
        email=(f"La oferta {opening.title} fue suspendida",
               f"{by[0].upper()}{by[1:]} suspendió la oferta «{opening.title}» de {company.display_name}, "
               f"así que tu postulación no continuará.\n\nMotivo: {sentence(reason)}\n\n"
               f"Recuerda: ninguna empresa puede cobrarte por postular ni por su proceso de selección. "
               f"Si te pidieron dinero, no pagues. Hay más ofertas para ti en el portal."))
    applicants = (f"Avisamos a {told} postulante{'s' if told != 1 else ''} que su postulación no continuará."
                  if told else "No había postulaciones en curso.")
    for user_id, email, first_names in members:
        notify(user_id, "opening-suspended",
               f"Tu oferta «{opening.title}» fue suspendida: {sentence(reason)}", url)
        mail.queue(
            email,
            f"Tu oferta «{opening.title}» fue suspendida"[:200],
            f"Hola {first_names}:\n\n"
            f"La oferta «{opening.title}» de {company.display_name} fue suspendida por {by} "
            f"y ya no se muestra a los postulantes.\n\nMotivo: {sentence(reason)}\n\n"
            f"{applicants} Si crees que es un error, comunícate con {by}.\n\n{links.absolute(url)}\n",
        )
    audit("opening.suspended", opening, actor, reason=reason, applicants_told=told)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise NotPublished("Alguien cambió esta oferta hace un momento. Revisa su estado actual.") from None
    return opening
