"""Writing openings: drafts, edits, publication, deleting a draft and the end of a process.

States (DESIGN.md §3): draft → published → closed | filled | expired | suspended.
The allowed moves an employer makes live in TRANSITIONS; suspension (by
coordinators and admins) and expiry (by the clock) live in their own modules.
Whenever an opening ends, its open applications end with it (applications.services.end_open).

Only a draft that was never published can be deleted: nobody has seen it, so nothing else
points at it. An opening that was ever published is closed instead, so its applicants are
told and its history stays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, vocab
from portal.applications.services import end_open
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    AlertQueue,
    Application,
    Cetpro,
    Company,
    Family,
    Module,
    Nomination,
    Opening,
    OpeningReport,
    OpeningRequirement,
    Programme,
    User,
)
from portal.openings import legal, rmv
from portal.openings.choices import Held
from portal.reference import live
from portal.skills import normalize_skill
from portal.webhooks import events as webhook_events

# Employer actions: from-state → {action: to-state}.
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"publish": "published"},
    "published": {"close": "closed", "fill": "filled"},
}


class OpeningError(ValueError):
    """A broken rule; `problems` maps form fields to Spanish messages."""

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {}


class StaleOpening(OpeningError):
    """Someone changed the opening after this form was loaded."""


@dataclass
class OpeningData:
    title: str
    description: str
    kind: str
    family_id: int
    work_mode: str
    vacancies: int
    department_code: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    hours_per_day: Decimal | None = None
    hours_per_week: Decimal | None = None
    pay_monthly: Decimal | None = None
    start_date: date | None = None
    deadline: date | None = None
    programme_ids: list[int] = field(default_factory=list)
    required_module_ids: list[int] = field(default_factory=list)
    desired_module_ids: list[int] = field(default_factory=list)
    required_skills: list[str] = field(default_factory=list)
    desired_skills: list[str] = field(default_factory=list)
    targets_all_cetpros: bool = True
    cetpro_ids: list[int] = field(default_factory=list)


def legal_problems(data: OpeningData) -> dict[str, list[str]]:
    """Ley 28518's hours and pay, against the RMV in force on the start date (rmv.in_force)."""
    rate = rmv.in_force(data.start_date)
    if rate is None:
        return {"start_date": ["No hay una RMV registrada para esa fecha de inicio."]}
    problems: dict[str, list[str]] = {}
    for problem in legal.check(data.kind, data.hours_per_day, data.hours_per_week,
                               data.pay_monthly, rate.amount, rate.effective_from):
        problems.setdefault(problem.field, []).append(problem.message)
    return problems


def _rule_problems(data: OpeningData, today: date | None = None) -> dict[str, list[str]]:
    """Everything wrong with the data that a draft may not hold either."""
    today = today or clock.today()
    problems = legal_problems(data)
    if data.deadline and data.deadline < today:
        problems.setdefault("deadline", []).append("La fecha límite para postular ya pasó: elige una fecha desde hoy.")
    if data.deadline and data.start_date and data.start_date < data.deadline:
        problems.setdefault("start_date", []).append(
            "La fecha de inicio no puede ser antes de la fecha límite para postular."
        )
    if data.family_id:
        family_programmes = set(db.session.scalars(select(Programme.id).where(Programme.family_id == data.family_id)))
        if not set(data.programme_ids) <= family_programmes:
            problems.setdefault("programme_ids", []).append("Elige programas de la familia productiva de la oferta.")
        family_modules = set(
            db.session.scalars(select(Module.id).join(Programme).where(Programme.family_id == data.family_id))
        )
        if not set(data.required_module_ids + data.desired_module_ids) <= family_modules:
            problems.setdefault("required_module_ids", []).append("Elige módulos de la familia productiva de la oferta.")
    both = set(data.required_module_ids) & set(data.desired_module_ids)
    if both:
        problems.setdefault("desired_module_ids", []).append("Un módulo no puede ser requerido y deseable a la vez.")
    if not data.targets_all_cetpros and not data.cetpro_ids:
        problems.setdefault("cetpro_ids", []).append("Elige al menos un CETPRO, o publica para todos.")
    return problems


def _apply(opening: Opening, data: OpeningData) -> None:
    if opening.deadline != data.deadline:
        # A new deadline earns its own warning before it passes (openings.expiry.warn_due).
        opening.deadline_warned_at = None
    for name in ("title", "description", "kind", "family_id", "work_mode", "vacancies",
                 "department_code", "province_code", "district_code", "hours_per_day",
                 "hours_per_week", "pay_monthly", "start_date", "deadline", "targets_all_cetpros"):
        setattr(opening, name, getattr(data, name))
    opening.title = data.title.strip()
    opening.description = data.description.strip()
    opening.programmes = list(db.session.scalars(select(Programme).where(Programme.id.in_(data.programme_ids))))
    # A deactivated CETPRO can no longer be chosen; one the opening already targets stays.
    already = [c.id for c in opening.cetpros]
    opening.cetpros = [] if data.targets_all_cetpros else list(db.session.scalars(
        select(Cetpro).where(Cetpro.id.in_(data.cetpro_ids), or_(Cetpro.active.is_(True), Cetpro.id.in_(already)))
    ))
    wanted = _requirements(data)
    if sorted(wanted, key=repr) == sorted(((r.module_id, r.skill, r.skill_normalized, r.required)
                                           for r in opening.requirements), key=repr):
        return  # saved as they were: rewriting them would make every worker rebuild its index
    opening.requirements.clear()
    db.session.flush()
    for module_id, skill, key, required in wanted:
        opening.requirements.append(OpeningRequirement(module_id=module_id, skill=skill, skill_normalized=key,
                                                       required=required))


def _requirements(data: OpeningData) -> list[tuple]:
    """(module id, skill, normalised skill, required) of each requirement the form asks for."""
    wanted: list[tuple] = []
    for module_ids, required in ((data.required_module_ids, True), (data.desired_module_ids, False)):
        wanted.extend((module_id, None, None, required) for module_id in dict.fromkeys(module_ids))
    seen = set()
    for skills, required in ((data.required_skills, True), (data.desired_skills, False)):
        for skill in skills:
            key = normalize_skill(skill)
            if key and key not in seen:
                seen.add(key)
                wanted.append((None, skill.strip()[:80], key, required))
    return wanted


def _target_problems(opening: Opening | None, data: OpeningData) -> dict[str, list[str]]:
    """A deactivated CETPRO can no longer be chosen (one the opening already targets may stay)."""
    if data.targets_all_cetpros or not data.cetpro_ids:
        return {}
    already = [c.id for c in opening.cetpros] if opening is not None else []
    usable = set(db.session.scalars(select(Cetpro.id).where(
        Cetpro.id.in_(data.cetpro_ids), or_(Cetpro.active.is_(True), Cetpro.id.in_(already)))))
    if usable != set(data.cetpro_ids):
        return {"cetpro_ids": ["Elige CETPRO de la lista: uno de los elegidos ya no está activo."]}
    return {}


def _retired_problems(data: OpeningData, opening: Opening | None = None) -> dict[str, list[str]]:
    """Catalogue items retired by an admin are not chosen anew; an opening keeps those it holds."""
    held = Held.of(opening)
    problems: dict[str, list[str]] = {}
    if data.family_id and not db.session.scalar(
            select(func.count()).where(Family.id == data.family_id, live.families(held.families))):
        problems["family_id"] = ["Esa familia productiva ya no se ofrece: elige otra."]
    wanted = set(data.programme_ids)
    if wanted and len(wanted) != db.session.scalar(select(func.count()).select_from(Programme).where(
            Programme.id.in_(wanted), live.programmes(held.programmes))):
        problems["programme_ids"] = ["Elegiste un programa que ya no se ofrece: quítalo."]
    modules = set(data.required_module_ids + data.desired_module_ids)
    if modules and len(modules) != db.session.scalar(select(func.count()).select_from(Module).where(
            Module.id.in_(modules), live.modules(held.modules))):
        problems["required_module_ids"] = ["Elegiste un módulo que ya no se ofrece: quítalo."]
    return problems


def _edit_problems(data: OpeningData, opening: Opening | None = None) -> dict[str, list[str]]:
    problems = _rule_problems(data)
    for name, messages in (_retired_problems(data, opening) | _target_problems(opening, data)).items():
        problems.setdefault(name, []).extend(messages)
    return problems


def create_draft(company: Company, actor: User, data: OpeningData) -> Opening:
    if problems := _edit_problems(data):
        raise OpeningError("Revisa los datos marcados.", problems)
    opening = Opening(company_id=company.id, created_by_id=actor.id, state="draft")
    db.session.add(opening)
    _apply(opening, data)
    db.session.flush()
    audit("opening.created", opening, actor)
    db.session.commit()
    return opening


def update_opening(opening: Opening, actor: User, data: OpeningData, version: int,
                   publish: bool = False) -> Opening:
    """Save an edit, unless the opening changed since the form was loaded.

    With `publish`, a draft is also published in the same transaction ("Publicar" on its
    edit page), with the checks of `publish()`: if it cannot be published, nothing is saved
    and the OpeningError says why (the form still holds what was typed).
    """
    if opening.version != version:
        raise StaleOpening(
            "Alguien modificó esta oferta mientras la editabas. Te mostramos la versión actual: revisa y vuelve a guardar."
        )
    if opening.state not in ("draft", "published"):
        raise OpeningError(f"Una oferta {vocab.OPENING_STATES[opening.state].lower()} ya no se puede editar.")
    if problems := _edit_problems(data, opening):
        raise OpeningError("Revisa los datos marcados.", problems)
    _apply(opening, data)
    audit("opening.updated", opening, actor)
    if publish:
        try:
            _publish(opening, actor)
        except OpeningError:
            db.session.rollback()
            raise
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleOpening("Alguien modificó esta oferta mientras la editabas. Te mostramos la versión actual.") from None
    return opening


def _move(opening: Opening, action: str) -> str:
    target = TRANSITIONS.get(opening.state, {}).get(action)
    if target is None:
        state = vocab.OPENING_STATES[opening.state].lower()
        raise OpeningError(f"Esta oferta está {state}: esa acción ya no se puede hacer.")
    return target


def publish(opening: Opening, actor: User) -> Opening:
    """Publish a draft of a verified company whose data meets every rule."""
    _publish(opening, actor)
    db.session.commit()
    return opening


def _publish(opening: Opening, actor: User) -> None:
    target = _move(opening, "publish")
    company = db.session.get(Company, opening.company_id)
    if company.suspended_at is not None:
        raise OpeningError(
            f"Tu empresa está suspendida en Enlace CETPRO ({company.suspension_reason}); mientras lo esté "
            "no puede publicar ofertas y esta queda como borrador."
        )
    if not company.is_verified:
        raise OpeningError(
            "Tu empresa aún no está verificada. Un CETPRO con convenio o el equipo de Enlace CETPRO "
            "debe verificarla; mientras tanto la oferta queda como borrador."
        )
    data = data_of(opening)
    if problems := _rule_problems(data):
        raise OpeningError("La oferta no cumple las reglas para publicarse: " +
                           " ".join(m for ms in problems.values() for m in ms), problems)
    opening.state = target
    opening.published_at = utcnow()
    # The worker checks it against the "inmediata" job alerts (portal/alerts/sending.py).
    db.session.merge(AlertQueue(opening_id=opening.id, queued_at=opening.published_at))
    audit("opening.published", opening, actor)
    # The CETPROs it reaches that asked for it: queued now, sent by the worker.
    webhook_events.opening_published(opening)


def finish(opening: Opening, actor: User, action: str) -> int:
    """Close or mark filled; every open application ends as Descartado/a, "Proceso finalizado".

    Returns how many applicants were told.
    """
    target = _move(opening, action)
    opening.state = target
    opening.closed_at = utcnow()
    company = db.session.get(Company, opening.company_id)
    told = end_open(
        opening, "process_finished",
        f"{company.display_name} terminó el proceso de «{opening.title}». Gracias por postular.",
        email=(f"Terminó el proceso de {opening.title}",
               f"{company.display_name} terminó el proceso de selección de «{opening.title}» y tu "
               f"postulación no continuará. Gracias por postular: hay más ofertas para ti en el portal."))
    audit(f"opening.{target}", opening, actor, applicants_told=told)
    db.session.commit()
    return told


def deletion_obstacle(opening: Opening) -> str | None:
    """Why this opening cannot be deleted (Spanish), or None for a draft nobody has seen."""
    if opening.state == "published":
        return ("Solo se puede eliminar un borrador. Esta oferta ya se publicó: ciérrala para que deje de "
                "recibir postulaciones y avisemos a quienes siguen en proceso.")
    if opening.state != "draft" or opening.published_at is not None:
        return "Solo se puede eliminar un borrador. Esta oferta ya se publicó y queda en el historial de tu empresa."
    touched = db.session.scalar(select(
        exists().where(Application.opening_id == opening.id)
        | exists().where(Nomination.opening_id == opening.id)
        | exists().where(OpeningReport.opening_id == opening.id)
    ))
    if touched:
        return "Esta oferta ya tiene postulaciones o recomendaciones: no se puede eliminar."
    return None


def delete_draft(opening: Opening, actor: User) -> str:
    """Delete a draft that was never published; returns its title. The audit trail keeps its id and title."""
    if problem := deletion_obstacle(opening):
        raise OpeningError(problem)
    title = opening.title
    audit("opening.deleted", opening, actor, title=title)
    db.session.delete(opening)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleOpening("Alguien cambió esta oferta hace un momento. Revisa su estado actual.") from None
    return title


def duplicate(opening: Opening, actor: User) -> Opening:
    """A new draft with the same content; dates are cleared so they get chosen again."""
    data = data_of(opening)
    copy = Opening(company_id=opening.company_id, created_by_id=actor.id, state="draft")
    db.session.add(copy)
    data.title = f"{opening.title} (copia)"[:160]
    data.start_date = data.deadline = None
    _apply(copy, data)
    db.session.flush()
    audit("opening.duplicated", copy, actor, source=opening.id)
    db.session.commit()
    return copy


def data_of(opening: Opening) -> OpeningData:
    return OpeningData(
        title=opening.title,
        description=opening.description,
        kind=opening.kind,
        family_id=opening.family_id,
        work_mode=opening.work_mode,
        vacancies=opening.vacancies,
        department_code=opening.department_code,
        province_code=opening.province_code,
        district_code=opening.district_code,
        hours_per_day=opening.hours_per_day,
        hours_per_week=opening.hours_per_week,
        pay_monthly=opening.pay_monthly,
        start_date=opening.start_date,
        deadline=opening.deadline,
        programme_ids=[p.id for p in opening.programmes],
        required_module_ids=[r.module_id for r in opening.requirements if r.module_id and r.required],
        desired_module_ids=[r.module_id for r in opening.requirements if r.module_id and not r.required],
        required_skills=[r.skill for r in opening.requirements if r.skill and r.required],
        desired_skills=[r.skill for r in opening.requirements if r.skill and not r.required],
        targets_all_cetpros=opening.targets_all_cetpros,
        cetpro_ids=[c.id for c in opening.cetpros],
    )
