"""Writes to what the student adds to her generated CV (portal/profiles/generated_cv.py):
her own experiences (add, edit, remove) and what it shows (email, phone; which CV
employers see). Every rule is checked here, all at once; a bad input changes nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal import clock, vocab
from portal.audit import audit
from portal.extensions import db
from portal.models import CvExperience, CvPreferences, StudentProfile, User
from portal.profiles.services import ProfileError

MAX_EXPERIENCES = 10
MAX_ROLE = 120
MAX_EMPLOYER = 160
MAX_DESCRIPTION = 400
EARLIEST = date(1960, 1, 1)


@dataclass
class ExperienceData:
    kind: str
    role: str
    employer: str = ""
    start_date: date | None = None
    end_date: date | None = None
    description: str = ""


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _clean(data: ExperienceData, on: date) -> ExperienceData:
    errors: dict[str, str] = {}
    role, employer, description = _one_line(data.role), _one_line(data.employer), _one_line(data.description)
    if data.kind not in vocab.CV_EXPERIENCE_KINDS:
        errors["kind"] = "Elige el tipo: empleo, práctica o trabajo independiente."
    if not role:
        errors["role"] = "Escribe el puesto o la actividad (por ejemplo: Ayudante de cocina)."
    elif len(role) > MAX_ROLE:
        errors["role"] = f"Máximo {MAX_ROLE} caracteres; escribiste {len(role)}."
    if len(employer) > MAX_EMPLOYER:
        errors["employer"] = f"Máximo {MAX_EMPLOYER} caracteres; escribiste {len(employer)}."
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Máximo {MAX_DESCRIPTION} caracteres; escribiste {len(description)}."
    start, end = data.start_date, data.end_date
    if start is None:
        errors["start_date"] = "Indica desde cuándo (día/mes/año)."
    elif start > on:
        errors["start_date"] = "La fecha de inicio no puede ser futura."
    elif start < EARLIEST:
        errors["start_date"] = "Revisa el año de la fecha de inicio."
    if end is not None:
        if end > on:
            errors["end_date"] = "La fecha de fin no puede ser futura. Si sigues allí, déjala vacía."
        elif start is not None and end < start:
            errors["end_date"] = "La fecha de fin no puede ser anterior a la de inicio."
    if errors:
        raise ProfileError(errors)
    return ExperienceData(data.kind, role, employer, start, end, description)


def _own(profile: StudentProfile, actor: User) -> None:
    if actor.role != "student" or profile.user_id != actor.id:
        raise PermissionError("a student edits only her own CV")


def experience_of(profile: StudentProfile, experience_id: int) -> CvExperience | None:
    """One of her experiences; None for anyone else's."""
    return db.session.scalar(select(CvExperience).where(CvExperience.id == experience_id,
                                                        CvExperience.student_id == profile.id))


def add_experience(profile: StudentProfile, actor: User, data: ExperienceData,
                   on: date | None = None) -> CvExperience:
    _own(profile, actor)
    values = _clean(data, on or clock.today())
    held = db.session.scalar(select(func.count()).select_from(CvExperience)
                             .where(CvExperience.student_id == profile.id))
    if held >= MAX_EXPERIENCES:
        raise ProfileError({"role": f"Tu CV ya tiene {MAX_EXPERIENCES} experiencias: quita una antes de agregar otra."})
    experience = CvExperience(student_id=profile.id, kind=values.kind, role=values.role, employer=values.employer,
                              start_date=values.start_date, end_date=values.end_date,
                              description=values.description)
    db.session.add(experience)
    db.session.flush()
    audit("student.cv_experience_added", profile, actor, experience=experience.id)
    db.session.commit()
    return experience


def update_experience(profile: StudentProfile, actor: User, experience: CvExperience, data: ExperienceData,
                      on: date | None = None) -> bool:
    """Save the edit; False when nothing changed."""
    _own(profile, actor)
    if experience.student_id != profile.id:
        raise PermissionError("not her experience")
    values = _clean(data, on or clock.today())
    before = (experience.kind, experience.role, experience.employer, experience.start_date, experience.end_date,
              experience.description)
    after = (values.kind, values.role, values.employer, values.start_date, values.end_date, values.description)
    if before == after:
        return False
    (experience.kind, experience.role, experience.employer, experience.start_date, experience.end_date,
     experience.description) = after
    audit("student.cv_experience_updated", profile, actor, experience=experience.id)
    db.session.commit()
    return True


def remove_experience(profile: StudentProfile, actor: User, experience: CvExperience) -> None:
    _own(profile, actor)
    if experience.student_id != profile.id:
        raise PermissionError("not her experience")
    audit("student.cv_experience_removed", profile, actor, experience=experience.id)
    db.session.delete(experience)
    db.session.commit()


def set_preferences(profile: StudentProfile, actor: User, show_email: bool, show_phone: bool,
                    shown: str) -> bool:
    """Save what the CV shows; False when nothing changed. Which CV employers see is asked only
    of a student who uploaded one (without an upload they always see the generated CV)."""
    _own(profile, actor)
    held = db.session.get(CvPreferences, profile.id)
    if held is None:
        held = CvPreferences(student_id=profile.id, show_email=True, show_phone=True, shown="subido")
    shown = shown or held.shown  # without an upload the choice is not asked: it stays as it was
    if shown not in vocab.CV_SHOWN:
        raise ProfileError({"shown": "Elige qué CV ven las empresas: el que subiste o el generado."})
    db.session.add(held)
    before = (held.show_email, held.show_phone, held.shown)
    after = (bool(show_email), bool(show_phone), shown)
    if before == after:
        db.session.rollback()
        return False
    held.show_email, held.show_phone, held.shown = after
    audit("student.cv_preferences_updated", profile, actor, show_email=after[0], show_phone=after[1],
          shown=shown)
    db.session.commit()
    return True
