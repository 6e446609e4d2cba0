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

Automatic suspension: when REPORT_SUSPEND_THRESHOLD (3) different signed-in people have open
reports on a published opening, the report that reaches the number suspends it (the system is
the actor), with the same consequences except that the reports stay open: the opening waits
for a moderator to confirm the suspension or publish it again (moderation_actions.py).
Anonymous reports are read like any other but do not count: anyone could send three.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, insert, select, update
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
    # One report of an opening at a time, so reports sent at the same instant cannot each
    # count too few reporters and leave the opening up. PostgreSQL: the opening's row is
    # locked first (NO KEY UPDATE: the report's foreign key check does not wait on it), and
    # the count below then sees every report committed before. SQLite: the insert takes
    # the database's write lock. Either way the opening is read again once this transaction
    # is alone, so its state is current.
    db.session.execute(select(Opening.id).where(Opening.id == opening.id).with_for_update(key_share=True))
    row = OpeningReport(opening_id=opening.id, reporter_id=reporter.id if reporter else None,
                        reason=reason, details=details or None)
    db.session.add(row)
    db.session.flush()
    db.session.refresh(opening)
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
    try:
        _maybe_suspend(opening)
        db.session.commit()
    except StaleDataError:  # the opening changed meanwhile: keep the report, review it by hand
        db.session.rollback()
        return report(db.session.get(Opening, opening.id), reporter, reason, details)
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


def clean_reason(reason: str | None, missing: str) -> str:
    """A reason typed by staff, on one line; `missing` is the message when there is none."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ModerationError(missing, "reason")
    if len(reason) > MAX_REASON:
        raise ModerationError(f"Máximo {MAX_REASON} caracteres.", "reason")
    return reason


def suspend(opening: Opening, actor: User, reason: str) -> Opening:
    """Suspend a published opening with a reason the company reads."""
    if not can_suspend(actor, opening):
        raise NotAllowed("No puedes suspender esta oferta.")
    reason = clean_reason(reason, "Escribe el motivo de la suspensión: la empresa lo leerá.")
    if opening.state != "published":
        state = vocab.OPENING_STATES[opening.state].lower()
        raise NotPublished(f"Esta oferta está {state}: solo se suspende una oferta publicada.")
    suspend_now(opening, actor, reason, "staff")
    commit_or_stale()
    return opening


def commit_or_stale() -> None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise NotPublished("Alguien cambió esta oferta hace un momento. Revisa su estado actual.") from None


def active_members(company: Company):
    """(id, email, first_names) of the company's active members, told about moderation."""
    return db.session.execute(
        select(User.id, User.email, User.first_names)
        .join(CompanyMember, CompanyMember.user_id == User.id)
        .where(CompanyMember.company_id == company.id, CompanyMember.state == "active",
               User.active.is_(True))
        .order_by(User.id)
    ).all()


def tell_company(company: Company, kind: str, notice: str, subject: str, body: str, url: str | None) -> None:
    """A notification and an email (through the outbox) to each active member of the company."""
    for user_id, email, first_names in active_members(company):
        notify(user_id, kind, notice, url)
        mail.queue(email, subject[:200],
                   f"Hola {first_names}:\n\n{body}" + (f"\n\n{links.absolute(url)}\n" if url else "\n"))


def settle_reports(opening: Opening, outcome: str, resolution: str, told: str) -> int:
    """Settle the opening's open reports with `outcome` (vocab.REPORT_OUTCOMES) and tell each
    signed-in reporter `told` (a notification). Not committed. Returns how many were settled."""
    reporters = db.session.scalars(
        select(OpeningReport.reporter_id).distinct()
        .where(OpeningReport.opening_id == opening.id, OpeningReport.resolved_at.is_(None),
               OpeningReport.reporter_id.is_not(None))
        .order_by(OpeningReport.reporter_id)
    ).all()
    settled = db.session.execute(
        update(OpeningReport)
        .where(OpeningReport.opening_id == opening.id, OpeningReport.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=resolution[:500], outcome=outcome)
        .execution_options(synchronize_session=False)
    ).rowcount
    url = links.path("openings.show", opening_id=opening.id)
    for user_id in reporters:
        notify(user_id, "report-settled", told, url)
    return settled


def _by(actor: User | None) -> str:
    if actor is None:
        return "Enlace CETPRO, de forma automática,"
    if actor.role == "coordinator" and actor.cetpro:
        return f"la coordinación de {actor.cetpro.name}"
    return "el equipo de Enlace CETPRO"


def suspend_now(opening: Opening, actor: User | None, reason: str, source: str) -> int:
    """Suspend a published opening (not committed): staff's decision settles its open reports
    (each signed-in reporter told); an automatic one leaves them open for review. Every open
    application ends with "Oferta suspendida", each applicant told; the company is told why.
    `actor` None: the system. Returns how many applicants were told."""
    opening.state = "suspended"
    opening.state_reason = reason
    opening.suspension_source = source
    company = db.session.get(Company, opening.company_id)
    if source != "automatic":
        settle_reports(opening, "acted", f"Oferta suspendida: {reason}",
                       f"Gracias por tu denuncia: suspendimos la oferta {_label(opening, company)}.")
    url = links.path("openings.show", opening_id=opening.id)
    by = _by(actor)
    told = end_open(
        opening, "opening_suspended",
        f"La oferta «{opening.title}» de {company.display_name} fue suspendida: {sentence(reason)} "
        f"Tu postulación no continuará.",
        email=(f"La oferta {opening.title} fue suspendida",
               f"{by[0].upper()}{by[1:]} suspendió la oferta «{opening.title}» de {company.display_name}, "
               f"así que tu postulación no continuará.\n\nMotivo: {sentence(reason)}\n\n"
               f"Recuerda: ninguna empresa puede cobrarte por postular ni por su proceso de selección. "
               f"Si te pidieron dinero, no pagues. Hay más ofertas para ti en el portal."))
    if source != "company":  # a suspended company hears once, about all its openings
        applicants = (f"Avisamos a {told} postulante{'s' if told != 1 else ''} que su postulación no continuará."
                      if told else "No había postulaciones en curso.")
        review = (" Una persona del equipo la revisará pronto: puede volver a publicarla o confirmar la suspensión."
                  if source == "automatic" else "")
        tell_company(
            company, "opening-suspended",
            f"Tu oferta «{opening.title}» fue suspendida: {sentence(reason)}",
            f"Tu oferta «{opening.title}» fue suspendida",
            f"La oferta «{opening.title}» de {company.display_name} fue suspendida por {by} "
            f"y ya no se muestra a los postulantes.\n\nMotivo: {sentence(reason)}{review}\n\n"
            f"{applicants} Si crees que es un error, comunícate con {_by(actor) if actor else 'el equipo de Enlace CETPRO'}.",
            url)
    audit("opening.suspended", opening, actor, reason=reason, applicants_told=told, source=source)
    return told


# --- Automatic suspension ---------------------------------------------------------------------


def threshold() -> int:
    return int(current_app.config.get("REPORT_SUSPEND_THRESHOLD", 3))


def reporters_count(opening_id: int) -> int:
    """Different signed-in people with an open report on this opening (anonymous reports
    do not count: anyone could send as many as they like)."""
    return db.session.scalar(
        select(func.count(OpeningReport.reporter_id.distinct()))
        .where(OpeningReport.opening_id == opening_id, OpeningReport.resolved_at.is_(None))
    ) or 0


def automatic_reason(count: int) -> str:
    return (f"Recibió {count} denuncias de personas distintas; queda suspendida mientras "
            f"el equipo de Enlace CETPRO la revisa.")


def _maybe_suspend(opening: Opening) -> bool:
    """Suspend a published opening once enough different people reported it (not committed)."""
    if opening.state != "published":
        return False
    count = reporters_count(opening.id)
    if count < threshold():
        return False
    suspend_now(opening, None, automatic_reason(count), "automatic")
    return True
