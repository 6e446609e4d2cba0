"""What a moderator does with a report (the queues at /admin/denuncias and /coordinador/denuncias):
dismiss it with a note, confirm an automatic suspension, reinstate a suspended opening, and
(admins only) suspend or reinstate a whole company.

Who may act on an opening is who may suspend it (moderation.can_suspend); suspending and
reinstating a company is the platform's decision, an admin's. Every action is audited; the
company is told what happened and why (notification and email); each signed-in reporter is
told the outcome of their report (a notification: who reported is never told to the company).
"""
from __future__ import annotations

from sqlalchemy import select

from portal.applications.services import restore_suspended
from portal.audit import audit
from portal.clock import today, utcnow
from portal.extensions import db
from portal.formatting import day, sentence
from portal.links import path
from portal.models import AuditEvent, Company, Opening, OpeningReport, User
from portal.notifications.services import notify
from portal.openings.moderation import (
    MAX_REASON,
    ModerationError,
    NotAllowed,
    NotPublished,
    can_suspend,
    clean_reason,
    commit_or_stale,
    settle_reports,
    suspend_now,
    tell_company,
)


def _label(opening: Opening, company: Company) -> str:
    return f"«{opening.title}» de {company.display_name}"


def _allowed(actor: User, opening: Opening) -> None:
    if not can_suspend(actor, opening):
        raise NotAllowed("No puedes moderar esta oferta.")


def dismiss(report: OpeningReport, actor: User, note: str) -> OpeningReport:
    """Settle one open report without acting on the opening; the note stays for the record."""
    opening = db.session.get(Opening, report.opening_id)
    _allowed(actor, opening)
    note = clean_reason(note, "Escribe por qué descartas la denuncia: queda en el historial.")
    if report.resolved_at is not None:
        raise NotPublished("Esta denuncia ya fue atendida.")
    report.resolved_at = utcnow()
    report.outcome = "dismissed"
    report.resolution = f"Descartada: {note}"[:MAX_REASON]
    if report.reporter_id:
        company = db.session.get(Company, opening.company_id)
        notify(report.reporter_id, "report-settled",
               f"Revisamos tu denuncia sobre la oferta {_label(opening, company)} y no encontramos motivo "
               f"para suspenderla. Gracias por avisarnos.",
               path("openings.show", opening_id=opening.id))
    audit("opening_report.dismissed", report, actor, opening=opening.id, note=note)
    db.session.commit()
    return report


def confirm(opening: Opening, actor: User, reason: str) -> Opening:
    """Confirm an automatic suspension: the reason (shown publicly) replaces the automatic one,
    the open reports are settled as acted on, and the company is told."""
    _allowed(actor, opening)
    reason = clean_reason(reason, "Escribe el motivo de la suspensión: la empresa y los postulantes lo leerán.")
    if opening.state != "suspended" or opening.suspension_source != "automatic":
        raise NotPublished("Esta oferta no espera revisión: solo se confirma una suspensión automática.")
    company = db.session.get(Company, opening.company_id)
    opening.state_reason = reason
    opening.suspension_source = "staff"
    settle_reports(opening, "acted", f"Suspensión confirmada: {reason}",
                   f"Gracias por tu denuncia: confirmamos la suspensión de la oferta {_label(opening, company)}.")
    url = path("openings.show", opening_id=opening.id)
    tell_company(
        company, "opening-suspended",
        f"Revisamos tu oferta «{opening.title}» y la suspensión queda confirmada: {sentence(reason)}",
        f"La suspensión de tu oferta «{opening.title}» queda confirmada",
        f"Revisamos las denuncias sobre la oferta «{opening.title}» de {company.display_name} y la suspensión "
        f"queda confirmada: la oferta no volverá a mostrarse.\n\nMotivo: {sentence(reason)}\n\n"
        f"Si crees que es un error, responde a este correo o comunícate con el equipo de Enlace CETPRO.",
        url)
    audit("opening.suspension_confirmed", opening, actor, reason=reason)
    commit_or_stale()
    return opening


def reinstate(opening: Opening, actor: User, note: str) -> Opening:
    """Publish a suspended opening again: its open reports are dismissed with the note, the
    applications its suspension ended go back to Recibida (each student told), and the company
    is told why."""
    _allowed(actor, opening)
    note = clean_reason(note, "Escribe por qué vuelve a publicarse: la empresa lo leerá.")
    if opening.state != "suspended":
        raise NotPublished("Esta oferta no está suspendida.")
    company = db.session.get(Company, opening.company_id)
    if company.suspended_at is not None:
        raise NotPublished("La empresa está suspendida: reactívala primero y sus ofertas volverán con ella.")
    if _past_deadline(opening):
        raise NotPublished(f"Su fecha límite ({day(opening.deadline)}) ya pasó: no puede volver a publicarse. "
                           "Si la suspensión no se justifica, descarta las denuncias; la oferta queda suspendida.")
    if actor.role != "admin" and _suspended_by_admin(opening):
        raise NotPublished("Administración suspendió esta oferta: solo administración puede volver a publicarla.")
    _republish(opening, company, note)
    settle_reports(opening, "dismissed", f"Oferta reactivada: {note}",
                   f"Revisamos tu denuncia sobre la oferta {_label(opening, company)} y la oferta vuelve a "
                   f"publicarse. Gracias por avisarnos.")
    url = path("openings.show", opening_id=opening.id)
    tell_company(
        company, "opening-reinstated",
        f"Tu oferta «{opening.title}» vuelve a estar publicada: {sentence(note)}",
        f"Tu oferta «{opening.title}» vuelve a estar publicada",
        f"Revisamos la oferta «{opening.title}» de {company.display_name} y vuelve a estar publicada.\n\n"
        f"{sentence(note)}\n\nLas postulaciones que la suspensión había detenido vuelven a «Recibida».",
        url)
    audit("opening.reinstated", opening, actor, note=note)
    commit_or_stale()
    return opening


def _suspended_by_admin(opening: Opening) -> bool:
    """Whether the opening's latest suspension (or its confirmation) was an admin's: a
    coordinator may lift an automatic one, or a coordinator's, never the platform's."""
    actor_role = db.session.execute(
        select(User.role).select_from(AuditEvent).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "Opening", AuditEvent.object_id == opening.id,
               AuditEvent.action.in_(("opening.suspended", "opening.suspension_confirmed")))
        .order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return actor_role == "admin"


def _past_deadline(opening: Opening) -> bool:
    return opening.deadline is not None and opening.deadline < today()


def _republish(opening: Opening, company: Company, note: str) -> int:
    opening.state = "published"
    opening.state_reason = None
    opening.suspension_source = None
    return restore_suspended(
        opening,
        f"La oferta «{opening.title}» de {company.display_name} vuelve a estar publicada y tu postulación "
        f"sigue en curso (Recibida).",
        email=(f"La oferta {opening.title} vuelve a estar publicada",
               f"Revisamos la oferta «{opening.title}» de {company.display_name} y vuelve a estar publicada, "
               f"así que tu postulación sigue en curso: está otra vez como «Recibida».\n\n{sentence(note)}"))


# --- Companies (admins) -----------------------------------------------------------------------


def _admin(actor: User) -> None:
    if getattr(actor, "role", None) != "admin":
        raise NotAllowed("Solo el equipo de Enlace CETPRO suspende empresas.")


def suspend_company(company: Company, actor: User, reason: str) -> int:
    """Suspend a company: every published opening of it is suspended (each applicant told),
    its members cannot publish until it is reinstated, and they are told why. Returns how
    many openings were suspended."""
    _admin(actor)
    reason = clean_reason(reason, "Escribe el motivo de la suspensión: la empresa lo leerá.")
    if company.suspended_at is not None:
        raise NotPublished("Esta empresa ya está suspendida.")
    company.suspended_at = utcnow()
    company.suspension_reason = reason
    openings = db.session.scalars(
        select(Opening).where(Opening.company_id == company.id, Opening.state == "published").order_by(Opening.id)
    ).all()
    for opening in openings:
        suspend_now(opening, actor, f"La empresa fue suspendida: {reason}", "company")
    count = len(openings)
    titles = "".join(f"\n- {o.title}" for o in openings)
    tell_company(
        company, "company-suspended",
        f"{company.display_name} fue suspendida en Enlace CETPRO: {sentence(reason)}",
        f"{company.display_name} fue suspendida en Enlace CETPRO",
        f"El equipo de Enlace CETPRO suspendió a {company.display_name}: mientras siga suspendida, nadie de la "
        f"empresa puede publicar ofertas.\n\nMotivo: {sentence(reason)}\n\n"
        + (f"Suspendimos también sus {count} ofertas publicadas y avisamos a sus postulantes:{titles}"
           if count else "No tenía ofertas publicadas.")
        + "\n\nSi crees que es un error, responde a este correo.",
        path("employers.dashboard"))
    audit("company.suspended", company, actor, reason=reason, openings=[o.id for o in openings])
    commit_or_stale()
    return count


def reinstate_company(company: Company, actor: User, note: str) -> int:
    """Lift a company's suspension: its members may publish again, and the openings suspended
    with it are published again (their applications back to Recibida). Returns how many."""
    _admin(actor)
    note = clean_reason(note, "Escribe por qué se reactiva la empresa: la empresa lo leerá.")
    if company.suspended_at is None:
        raise NotPublished("Esta empresa no está suspendida.")
    company.suspended_at = None
    company.suspension_reason = None
    openings = [o for o in db.session.scalars(
        select(Opening).where(Opening.company_id == company.id, Opening.state == "suspended",
                              Opening.suspension_source == "company").order_by(Opening.id)
    ) if not _past_deadline(o)]  # one whose deadline passed meanwhile stays suspended
    for opening in openings:
        _republish(opening, company, note)
    count = len(openings)
    tell_company(
        company, "company-reinstated",
        f"{company.display_name} ya no está suspendida: {sentence(note)}",
        f"{company.display_name} ya no está suspendida",
        f"El equipo de Enlace CETPRO levantó la suspensión de {company.display_name}: ya pueden publicar "
        f"ofertas.\n\n{sentence(note)}\n\n"
        + (f"Sus {count} ofertas suspendidas con la empresa vuelven a estar publicadas." if count else ""),
        path("employers.dashboard"))
    audit("company.reinstated", company, actor, note=note, openings=[o.id for o in openings])
    commit_or_stale()
    return count


__all__ = ["ModerationError", "NotAllowed", "NotPublished", "confirm", "dismiss", "reinstate",
           "reinstate_company", "suspend_company"]
