"""Placements and follow-ups: the writes, from the hire in the pipeline to the follow-ups.
No request, no templates.

Every rule is checked here with a Spanish message, so the form, an htmx request
and the cron command meet the same checks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import BinaryIO

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import clock, links, places, signing, uploads, vocab
from portal.access import students_of
from portal.applications import queries as application_queries
from portal.applications import services as applications
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.formatting import day
from portal.identifiers import IdentifierError, clean_ruc
from portal.models import Application, Company, FollowUp, Opening, Placement, StudentProfile, User
from portal.notifications.services import notify
from portal.placements import rules
from portal.webhooks import events as webhook_events

EVIDENCE_FOLDER = "evidence"
EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
PAY_MAX = Decimal("100000")
BATCH = 200


class PlacementError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors if errors is not None else ({field: message} if field else {})


# --- Hiring through the portal -----------------------------------------------------------------


def move(actor: User, application: Application, change: applications.Move,
         today: date | None = None) -> Application:
    """An employer moves an applicant; hiring also records the placement (colocación).

    Why here and not in portal.applications: a hire is where a placement begins, and
    placements build on applications, never the reverse. So every pipeline move (the views,
    `move_many`) comes here: applications' transition (checked, written, told, audited, not
    committed), the placement when it is a hire, then one commit. A stale or refused move
    raises what `applications.services.transition` raises (ApplicationError, StaleApplication,
    IllegalTransition) and writes neither.
    """
    applications.transition(actor, application, change, today)
    if change.to_state == "hired":
        placement = _hire(actor, application, change.start_date)
        db.session.add(placement)
        db.session.flush()  # its id, for the webhooks (the application's row is already written)
        webhook_events.application_hired(application, placement)
        webhook_events.placement_created(placement)
    applications.commit_move(application)
    return application


def _hire(actor: User, application: Application, start_date: date) -> Placement:
    opening = application.opening
    company = db.session.get(Company, opening.company_id)
    return Placement(
        student_id=application.student_id,
        cetpro_id=application.student.cetpro_id,
        application_id=application.id,
        company_id=company.id,
        employer_name=company.display_name,
        employer_ruc=company.ruc,
        job_title=opening.title,
        kind=opening.kind,
        outcome=rules.outcome_of_kind(opening.kind),
        source="portal",
        start_date=start_date,
        pay_min=opening.pay_monthly,
        pay_max=opening.pay_monthly,
        department_code=opening.department_code,
        recorded_by_id=actor.id,
    )


def move_many(actor: User, opening: Opening, application_ids: list[int], change: applications.Move
              ) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Move several applicants of one opening; each is checked on its own (no version: bulk)."""
    moved, refused = [], []
    for application in application_queries.of_opening(opening, application_ids):
        try:
            move(actor, application, applications.Move(change.to_state, None, change.reason, change.note,
                                                       change.start_date))
        except applications.ApplicationError as error:
            db.session.rollback()
            refused.append((application, str(error)))
        else:
            moved.append(application)
    return moved, refused


# --- Recording a placement found outside the portal -------------------------------------------


@dataclass
class PlacementData:
    student_id: int
    employer_name: str
    employer_ruc: str
    job_title: str
    kind: str
    start_date: date | None
    end_date: date | None = None
    pay_min: Decimal | None = None
    pay_max: Decimal | None = None
    department_code: str = ""
    outcome: str = ""  # empty: from the kind (rules.outcome_of_kind), as before outcomes existed


def _outcome_and_kind(data: PlacementData, errors: dict[str, str]) -> tuple[str, str]:
    """The (outcome, kind) to store. A práctica needs its Ley 28518 modality; every other
    outcome is stored with kind "empleo" (no modality)."""
    if not data.outcome and data.kind not in vocab.OPENING_KINDS:
        errors["kind"] = "Elige si es un empleo o una modalidad formativa."
        return "empleo_dependiente", ""  # checked as the job it most likely is
    outcome = data.outcome or rules.outcome_of_kind(data.kind)
    if outcome not in vocab.PLACEMENT_OUTCOMES:
        errors["outcome"] = "Elige el resultado: empleo, trabajo independiente, práctica, estudios, buscando empleo o sin información."
        return "", ""
    if outcome == "practica":
        if data.kind not in vocab.FORMATIVE_KINDS:
            errors["kind"] = "Para una práctica, elige su modalidad formativa (Ley 28518)."
        return outcome, data.kind
    if data.kind and data.kind != "empleo" and data.kind in vocab.FORMATIVE_KINDS:
        errors["kind"] = "Una modalidad formativa es una práctica: elige «Práctica» como resultado, o la modalidad «Empleo»."
    elif data.kind and data.kind not in vocab.OPENING_KINDS:
        errors["kind"] = "Elige si es un empleo o una modalidad formativa."
    return outcome, "empleo"


def _check(actor: User, data: PlacementData, on: date) -> tuple[StudentProfile | None, Company | None, str | None]:
    errors: dict[str, str] = {}
    student = None
    if data.student_id:
        student = db.session.scalar(select(StudentProfile).where(
            StudentProfile.id == data.student_id, students_of(actor.cetpro_id)))
    if student is None:
        errors["student_id"] = "Elige a la persona de la lista de estudiantes de tu CETPRO."
    ruc, company = None, None
    if (data.employer_ruc or "").strip():
        try:
            ruc = clean_ruc(data.employer_ruc)
        except IdentifierError as error:
            errors["employer_ruc"] = str(error)
        else:
            company = db.session.scalar(select(Company).where(Company.ruc == ruc))
    outcome, _kind = _outcome_and_kind(data, errors)
    working = outcome in vocab.WORKING_OUTCOMES
    name = " ".join((data.employer_name or "").split())
    if not name and company is None and "employer_ruc" not in errors and outcome in ("empleo_dependiente", "practica"):
        errors["employer_name"] = ("Escribe el nombre de la empresa, o el RUC de una empresa registrada en el portal."
                                   if ruc else "Escribe el nombre o el RUC de la empresa.")
    elif len(name) > 200:
        errors["employer_name"] = "El nombre de la empresa tiene como máximo 200 caracteres."
    title = " ".join((data.job_title or "").split())
    if not title and working:
        errors["job_title"] = ("Escribe el puesto (por ejemplo «Electricista de mantenimiento»)." if outcome != "independiente"
                               else "Escribe la actividad (por ejemplo «Taller propio de confección»).")
    elif len(title) > 160:
        errors["job_title"] = "El puesto tiene como máximo 160 caracteres."
    if data.start_date is None:
        errors.setdefault("start_date", "Indica la fecha en que empezó a trabajar." if working
                          else "Indica desde qué fecha vale esta situación.")
    elif data.start_date > on:
        errors["start_date"] = (f"La fecha de inicio ({day(data.start_date)}) está en el futuro. Registra la "
                                "colocación cuando la persona ya haya empezado a trabajar.")
    elif data.start_date < date(2000, 1, 1):
        errors["start_date"] = "Revisa la fecha de inicio: parece demasiado antigua."
    if data.end_date is not None and data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = "La fecha de fin no puede ser anterior a la de inicio."
    for field_name in ("pay_min", "pay_max"):
        amount = getattr(data, field_name)
        if amount is not None and not (0 <= amount <= PAY_MAX):
            errors[field_name] = "Escribe un monto mensual entre S/ 0 y S/ 100,000."
    if (data.pay_min is not None and data.pay_max is not None and "pay_min" not in errors
            and "pay_max" not in errors and data.pay_min > data.pay_max):
        errors["pay_max"] = "El pago máximo no puede ser menor que el mínimo."
    if data.department_code and not (len(data.department_code) == 2 and places.name(data.department_code)):
        errors["department_code"] = "Elige un departamento de la lista."
    if errors:
        raise PlacementError(next(iter(errors.values())), errors=errors)
    return student, company, ruc


def record_manual(actor: User, data: PlacementData, evidence: BinaryIO | None = None,
                  on: date | None = None) -> tuple[Placement, bool]:
    """A coordinator records work found outside the portal. Returns (placement, created);
    the same placement sent twice (a double click) gives back the first one."""
    on = on or clock.today()
    student, company, ruc = _check(actor, data, on)
    outcome, kind = _outcome_and_kind(data, {})
    name = " ".join((data.employer_name or "").split()) or (company.display_name if company else "")
    title = " ".join(data.job_title.split())
    existing = db.session.scalar(select(Placement).where(
        Placement.student_id == student.id, Placement.source == "manual", Placement.outcome == outcome,
        # Both sides lowered by the database: SQLite's lower() folds ASCII only, so Python's
        # would miss «D’Ángelo» or «ＡＢＣ» and a double submission would record twice.
        Placement.start_date == data.start_date, func.lower(Placement.employer_name) == func.lower(name),
        func.lower(Placement.job_title) == func.lower(title)))
    if existing is not None:
        return existing, False
    evidence_path = None
    if evidence is not None and getattr(evidence, "filename", None):
        try:
            evidence_path = uploads.store_pdf(evidence, EVIDENCE_FOLDER, EVIDENCE_MAX_BYTES)
        except uploads.UploadError as error:
            raise PlacementError(str(error), "evidence") from None
    placement = Placement(
        student_id=student.id,
        cetpro_id=student.cetpro_id,
        company_id=company.id if company else None,
        employer_name=name,
        employer_ruc=ruc,
        job_title=title,
        kind=kind,
        outcome=outcome,
        source="manual",
        start_date=data.start_date,
        end_date=data.end_date,
        pay_min=data.pay_min,
        pay_max=data.pay_max,
        department_code=data.department_code or student.department_code,
        evidence_path=evidence_path,
        recorded_by_id=actor.id,
    )
    db.session.add(placement)
    try:
        db.session.flush()
        audit("placement.recorded", placement, actor, source="manual")
        webhook_events.placement_created(placement)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the evidence file goes with it
        raise
    return placement, True


# --- Follow-ups: the cron command and the one-tap link ------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return signing.serializer(rules.TOKEN_SALT)


def token_for(follow_up: FollowUp) -> str:
    return _serializer().dumps({"f": follow_up.id})


def read_token(token: str) -> tuple[FollowUp | None, str | None]:
    """(follow_up, None), or (None, "expired" | "invalid")."""
    try:
        data = _serializer().loads(token, max_age=rules.TOKEN_MAX_AGE)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(data, dict) or not isinstance(data.get("f"), int):
        return None, "invalid"
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.id == data["f"])
        .options(joinedload(FollowUp.placement).joinedload(Placement.student).joinedload(StudentProfile.user))
    )
    return (follow_up, None) if follow_up is not None else (None, "invalid")


def wording(follow_up: FollowUp) -> rules.FollowUpWording:
    """How this follow-up asks: by what the placement recorded (work, studies, looking)."""
    placement = follow_up.placement
    return rules.follow_up_wording(placement.outcome, follow_up.months, placement.job_title,
                                   placement.employer_display_name)


def _ask(follow_up: FollowUp, now) -> None:
    """Email the graduate the one-tap question (and leave it in their notifications)."""
    placement = follow_up.placement
    token = token_for(follow_up)
    asked = wording(follow_up)
    question = f"{asked.situation} {asked.title}"
    choices = " / ".join(label for _answer, label in asked.buttons)
    notify(placement.student.user_id, "follow-up", question, links.path("placements.follow_up", token=token),
           email=(f"{asked.title} Cuéntale a tu CETPRO",
                  f"{question}\n\nResponde con un toque ({choices}). "
                  "Tu respuesta ayuda a tu CETPRO a mejorar su formación. El enlace vale 60 días:"))
    follow_up.emailed_at = now


def _pending_placements(on: date, after_id: int, limit: int) -> list[Placement]:
    """Placements with at least one due follow-up row missing, in id order from `after_id`."""
    c3, c6, c12 = (rules.latest_start_due(on, m) for m in rules.FOLLOW_UP_MONTHS)
    # Rows with start_date <= c3 owe one follow-up, <= c6 two, <= c12 all three.
    due_count = case((Placement.start_date <= c12, 3), (Placement.start_date <= c6, 2), else_=1)
    existing = (select(func.count(FollowUp.id))
                .where(FollowUp.placement_id == Placement.id, FollowUp.due_date <= on)
                .correlate(Placement).scalar_subquery())
    return list(db.session.scalars(
        select(Placement)
        .options(selectinload(Placement.follow_ups), joinedload(Placement.student).joinedload(StudentProfile.user))
        .where(Placement.start_date <= c3, Placement.id > after_id, existing < due_count)
        .order_by(Placement.id)
        .limit(limit)
    ))


def schedule_due(on: date | None = None) -> tuple[int, int]:
    """Create every follow-up due by `on` that does not exist yet, and email the graduate.

    Idempotent: (placement_id, months) is unique, so a second run, or two at once,
    creates nothing twice. Per placement only the newest follow-up is emailed, and only
    while its question is still current (due within the link's 60 days): a placement
    recorded a year late does not get three emails about the past; its coordinator
    fills those in. Returns (created, emailed).
    """
    on = on or clock.today()
    created = emailed = 0
    last_id = 0
    recent = on - timedelta(seconds=rules.TOKEN_MAX_AGE)
    while True:
        batch = _pending_placements(on, last_id, BATCH)
        if not batch:
            break
        for _attempt in range(3):
            try:
                batch_created, batch_emailed = _schedule_batch(batch, on, recent)
                db.session.commit()
                break
            except IntegrityError:
                # Another run created some of these first: start the batch again, skipping them.
                db.session.rollback()
                batch = [db.session.get(Placement, p.id) for p in batch]
        else:
            raise RuntimeError("could not schedule follow-ups: the batch kept conflicting")
        created += batch_created
        emailed += batch_emailed
        last_id = batch[-1].id
    return created, emailed


def _schedule_batch(batch: list[Placement], on: date, recent: date) -> tuple[int, int]:
    now = utcnow()
    created = emailed = 0
    existing = {(f.placement_id, f.months) for f in db.session.scalars(
        select(FollowUp).where(FollowUp.placement_id.in_([p.id for p in batch])))}
    for placement in batch:
        newest = None
        for months in rules.due_months(placement.start_date, on):
            if (placement.id, months) in existing:
                continue
            follow_up = FollowUp(placement_id=placement.id, months=months,
                                 due_date=rules.due_date(placement.start_date, months))
            follow_up.placement = placement
            db.session.add(follow_up)
            created += 1
            newest = follow_up
        if newest is not None:
            db.session.flush()
            if newest.due_date >= recent and placement.student.user.active:
                _ask(newest, now)
                emailed += 1
    db.session.flush()
    return created, emailed


def answer(follow_up: FollowUp, choice: str, current_employer: str | None, actor: User | None,
           outcome: str = "") -> bool:
    """Record the answer once. Returns False, changing nothing, when it was already answered.

    The update is conditional (answer IS NULL), so two taps or a coordinator and the
    graduate at the same moment still leave exactly the first answer. The answer's outcome
    category (`outcome`, or the answer's default: rules.follow_up_outcome) is kept on the
    follow-up; the latest answered one is the placement's current category
    (Placement.current_outcome), the placement's own `outcome` staying what was recorded.
    """
    if choice not in vocab.FOLLOW_UP_ANSWERS:
        raise PlacementError("Elige una de las tres respuestas.", "answer")
    placement = follow_up.placement
    new_outcome = rules.follow_up_outcome(choice, outcome or "", placement.outcome)
    if new_outcome is None:
        raise PlacementError("Esa situación no coincide con la respuesta: si trabajas, elige empleo, trabajo "
                             "independiente o práctica; si no, estudios o buscando empleo.", "outcome")
    employer = " ".join((current_employer or "").split())[:200] or None
    if choice == "still_there":
        employer = placement.employer_display_name
    elif choice == "not_working":
        employer = None
    answered_by = actor.id if actor is not None else placement.student.user_id
    result = db.session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up.id, FollowUp.answer.is_(None))
        .values(answer=choice, current_employer=employer, outcome=new_outcome, answered_at=utcnow(),
                answered_by_id=answered_by)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount == 1
    if changed:
        by = "coordinator" if actor is not None else "graduate"
        audit("follow_up.answered", follow_up, actor, answer=choice, outcome=new_outcome, months=follow_up.months,
              by=by)
        db.session.refresh(follow_up)  # the answer just written, for the webhook's payload
        webhook_events.followup_answered(follow_up, by)
    db.session.commit()
    db.session.refresh(follow_up)
    return changed


def answer_for(actor: User, placement: Placement, months: int, choice: str, current_employer: str | None,
               on: date | None = None, outcome: str = "") -> tuple[FollowUp, bool]:
    """A coordinator records the answer in place; the follow-up row is made if cron has not yet."""
    on = on or clock.today()
    if months not in rules.FOLLOW_UP_MONTHS:
        raise PlacementError("Ese seguimiento no existe: son a los 3, 6 y 12 meses.")
    due = rules.due_date(placement.start_date, months)
    if due > on:
        raise PlacementError(f"El seguimiento de los {months} meses corresponde desde el {day(due)}.")
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.placement_id == placement.id, FollowUp.months == months))
    if follow_up is None:
        db.session.add(FollowUp(placement_id=placement.id, months=months, due_date=due))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # made a moment ago by cron or another tab: use that one
        follow_up = db.session.scalar(
            select(FollowUp).where(FollowUp.placement_id == placement.id, FollowUp.months == months))
    return follow_up, answer(follow_up, choice, current_employer, actor, outcome)


# --- The convenio de prácticas checklist ------------------------------------------------------


def record_agreement(actor: User, placement: Placement, signed_on: date | None, registered_on: date | None,
                     on: date | None = None) -> Placement:
    """Signed and MTPE-registered dates of an internship's convenio (empty clears a date)."""
    on = on or clock.today()
    if placement.kind not in vocab.FORMATIVE_KINDS:
        raise PlacementError("Solo las modalidades formativas (prácticas, aprendizaje, pasantía…) llevan convenio.")
    errors: dict[str, str] = {}
    if signed_on is not None and signed_on > on:
        errors["signed_on"] = "La fecha de firma no puede estar en el futuro."
    if registered_on is not None:
        if signed_on is None:
            errors["registered_on"] = "Primero indica cuándo se firmó el convenio."
        elif registered_on < signed_on:
            errors["registered_on"] = "El registro ante el MTPE no puede ser anterior a la firma."
        elif registered_on > on:
            errors["registered_on"] = "La fecha de registro no puede estar en el futuro."
    if errors:
        raise PlacementError(next(iter(errors.values())), errors=errors)
    placement.agreement_signed_on = signed_on
    placement.agreement_registered_on = registered_on
    audit("placement.agreement", placement, actor, signed_on=signed_on and signed_on.isoformat(),
          registered_on=registered_on and registered_on.isoformat())
    db.session.commit()
    return placement
