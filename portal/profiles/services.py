"""Writes to the student's own profile and CV. No request, no templates.

Every rule is checked here, all of them at once, and a profile is saved whole or
not at all. The CETPRO vouches for the facts it certifies — programme, level,
status and graduation date — so changing one of them after the CETPRO decided sends
the profile back to "por verificar" and tells the CETPRO's coordinators; the audit
log keeps the old and the new values for them, at /coordinador/auditoria.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock, links, places, uploads, vocab
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_mobile
from portal.models import Module, Programme, StudentProfile, StudentSkill, User
from portal.notifications.services import notify
from portal.reference import live
from portal.skills import normalize_skill, split_skills

CV_FOLDER = "cv"
CV_MAX_BYTES = 2 * 1024 * 1024
MAX_SKILLS = 20
MAX_AVAILABILITY = 200
EARLIEST_GRADUATION = date(1960, 1, 1)
# What the CETPRO vouches for when it verifies a student: changing one asks it again.
VOUCHED_FIELDS = ("programme_id", "level", "status", "graduation_date")


class ProfileError(ValueError):
    """Broken rules, one Spanish message per form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Revisa los datos marcados.")
        self.errors = errors


@dataclass
class ProfileData:
    programme_id: int
    level: str
    status: str
    graduation_date: date | None = None
    module_ids: list[int] = field(default_factory=list)
    skills: str = ""
    department_code: str = ""
    province_code: str = ""
    district_code: str = ""
    phone: str = ""
    availability: str = ""
    open_to_offers: bool = True
    sex: str = ""


def data_of(profile: StudentProfile) -> ProfileData:
    """The profile as the form shows it."""
    return ProfileData(
        programme_id=profile.programme_id,
        level=profile.level,
        status=profile.status,
        graduation_date=profile.graduation_date,
        module_ids=[m.id for m in profile.modules],
        skills=", ".join(s.name for s in sorted(profile.skills, key=lambda s: s.normalized)),
        department_code=profile.department_code or "",
        province_code=profile.province_code or "",
        district_code=profile.district_code or "",
        phone=profile.user.phone or "",
        availability=profile.availability or "",
        open_to_offers=profile.open_to_offers,
        sex=profile.sex or "",
    )


@dataclass
class _Clean:
    programme: Programme
    level: str
    status: str
    graduation_date: date | None
    modules: list[Module]
    skills: list[str]
    department_code: str | None
    province_code: str | None
    district_code: str | None
    phone: str | None
    availability: str | None
    open_to_offers: bool
    sex: str | None = None


def clean(data: ProfileData, on: date | None = None, held: StudentProfile | None = None) -> _Clean:
    """The data checked against every rule, or ProfileError with a message per field. A retired
    programme or module is refused unless the profile (`held`) already has it."""
    on = on or clock.today()
    errors: dict[str, str] = {}

    programme = db.session.get(Programme, data.programme_id) if data.programme_id else None
    if programme is not None and programme.id != (held.programme_id if held else None) and \
            not db.session.scalar(select(func.count()).where(Programme.id == programme.id, live.programmes())):
        programme = None  # retired from the catalogue: no longer chosen anew
    if programme is None:
        errors["programme_id"] = "Elige tu programa de estudios de la lista."

    if data.level not in vocab.LEVELS:
        errors["level"] = "Elige tu nivel: Auxiliar Técnico o Técnico."

    graduation = data.graduation_date
    if data.status not in vocab.STUDENT_STATUSES:
        errors["status"] = "Elige tu situación: estudiante, egresado(a) o titulado(a)."
    elif data.status == "estudiante":
        graduation = None  # a current student has not graduated: a stale date is dropped
    elif graduation is None:
        errors["graduation_date"] = "Indica la fecha en que egresaste: las prácticas profesionales dependen de ella."
    elif graduation > on:
        errors["graduation_date"] = "La fecha de egreso no puede ser futura. Si aún estudias, elige «Estudiante»."
    elif graduation < EARLIEST_GRADUATION:
        errors["graduation_date"] = "Revisa el año de la fecha de egreso."

    wanted = set(data.module_ids)
    modules: list[Module] = []
    if programme is not None and wanted:
        kept = {m.id for m in held.modules} if held else set()
        offered = set(db.session.scalars(select(Module.id).where(Module.programme_id == programme.id,
                                                                 live.modules(keep=kept))))
        modules = [m for m in programme.modules if m.id in wanted and m.id in offered]
        if len(modules) != len(wanted):
            errors["module_ids"] = (f"Marcaste módulos que no son de {programme.name}. "
                                    "Marca solo los módulos de tu programa que tienes certificados.")

    skills = split_skills(data.skills)
    if len(skills) > MAX_SKILLS:
        errors["skills"] = f"Escribe hasta {MAX_SKILLS} habilidades; escribiste {len(skills)}."

    department, province, district = (data.department_code or "").strip(), (data.province_code or "").strip(), \
        (data.district_code or "").strip()
    errors.update(places.place_errors(department, province, district))

    phone = None
    if (data.phone or "").strip():
        try:
            phone = clean_mobile(data.phone)
        except IdentifierError as error:
            errors["phone"] = str(error)

    availability = re.sub(r"\s+", " ", data.availability or "").strip()
    if len(availability) > MAX_AVAILABILITY:
        errors["availability"] = f"Máximo {MAX_AVAILABILITY} caracteres; escribiste {len(availability)}."

    sex = (data.sex or "").strip()
    if sex and sex not in vocab.SEXES:
        errors["sex"] = "Elige femenino, masculino o prefiero no decir (o déjalo en blanco)."

    if errors:
        raise ProfileError(errors)
    return _Clean(programme, data.level, data.status, graduation, modules, skills, department or None,
                  province or None, district or None, phone, availability or None, bool(data.open_to_offers),
                  sex or None)


def _set_skills(profile: StudentProfile, names: list[str]) -> None:
    """Replace the skill tags, keeping the rows whose normal form stays (no delete + insert
    of the same primary key in one flush)."""
    wanted = {normalize_skill(name): name for name in names}
    for skill in list(profile.skills):
        if skill.normalized in wanted:
            skill.name = wanted.pop(skill.normalized)
        else:
            profile.skills.remove(skill)
    for normalized, name in wanted.items():
        profile.skills.append(StudentSkill(normalized=normalized, name=name))


def _apply(profile: StudentProfile, values: _Clean) -> dict:
    """Write the checked values; return what changed, for the audit log."""
    user: User = profile.user
    before = {
        "programme_id": profile.programme_id, "level": profile.level, "status": profile.status,
        "graduation_date": profile.graduation_date, "modules": sorted(m.id for m in profile.modules),
        "skills": sorted(s.normalized for s in profile.skills), "department_code": profile.department_code,
        "province_code": profile.province_code, "district_code": profile.district_code, "phone": user.phone,
        "availability": profile.availability, "open_to_offers": profile.open_to_offers, "sex": profile.sex,
    }
    profile.programme_id = values.programme.id
    profile.level = values.level
    profile.status = values.status
    profile.graduation_date = values.graduation_date
    profile.modules = values.modules
    _set_skills(profile, values.skills)
    profile.department_code = values.department_code
    profile.province_code = values.province_code
    profile.district_code = values.district_code
    user.phone = values.phone
    profile.availability = values.availability
    profile.open_to_offers = values.open_to_offers
    profile.sex = values.sex  # the audit names the field, never its value (not in VOUCHED_FIELDS)
    after = {
        "programme_id": values.programme.id, "level": values.level, "status": values.status,
        "graduation_date": values.graduation_date, "modules": sorted(m.id for m in values.modules),
        "skills": sorted(normalize_skill(s) for s in values.skills), "department_code": values.department_code,
        "province_code": values.province_code, "district_code": values.district_code, "phone": values.phone,
        "availability": values.availability, "open_to_offers": values.open_to_offers, "sex": values.sex,
    }
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def _ask_again(profile: StudentProfile, actor: User, values: _Clean) -> None:
    """The CETPRO decided on other facts: back to "por verificar", and its coordinators are told.
    A rejected student who corrects them is asked about again too (the rejection said to)."""
    was = profile.verification_state
    profile.verification_state = "pending"
    profile.verification_note = None
    audit("student.verification_reopened", profile, actor, was=was)
    situation = vocab.STUDENT_STATUSES.get(values.status, values.status)
    message = (f"{actor.full_name} cambió su programa o situación ({values.programme.name}, {situation.lower()}) "
               "y volvió a «Por verificar».")
    coordinators = db.session.scalars(select(User.id).where(
        User.role == "coordinator", User.cetpro_id == profile.cetpro_id, User.active.is_(True)))
    for coordinator_id in coordinators:
        notify(coordinator_id, "student-changed", message, links.path("coordinators.roster", verificacion="pendiente"))


def update_profile(profile: StudentProfile, actor: User, data: ProfileData, on: date | None = None) -> list[str]:
    """Save the profile, all of it or nothing; return the names of the fields that changed."""
    if actor.role != "student" or profile.user_id != actor.id:
        raise PermissionError("a student edits only their own profile")
    values = clean(data, on, held=profile)
    for attempt in (1, 2):
        changes = _apply(profile, values)
        if changes:
            # What a coordinator must be able to review after verifying: the old and the new
            # programme and status; for the rest, which fields changed.
            detail = {name: [_jsonable(old), _jsonable(new)] for name, (old, new) in changes.items()
                      if name in VOUCHED_FIELDS}
            audit("student.profile_updated", profile, actor, fields=sorted(changes),
                  verified=profile.verification_state == "verified", **detail)
            if detail and profile.verification_state != "pending":
                _ask_again(profile, actor, values)
        try:
            db.session.commit()
        except IntegrityError:
            # Two tabs saved at the same moment and both added the same module or skill:
            # the other one won the race; write ours on top of it, once.
            db.session.rollback()
            if attempt == 2:
                raise
            values = clean(data, on, held=profile)
            continue
        return sorted(changes)
    return []


def replace_cv(profile: StudentProfile, actor: User, file_storage) -> None:
    """Store a new CV (a PDF by content, ≤ 2 MB) and let go of the old one, in one transaction.

    Raises uploads.UploadError with a Spanish message; the old CV stays in that case.
    """
    if actor.role != "student" or profile.user_id != actor.id:
        raise PermissionError("a student uploads only their own CV")
    relative = uploads.store_pdf(file_storage, CV_FOLDER, CV_MAX_BYTES)
    try:
        # Lock the row (PostgreSQL) so two uploads at once cannot both keep the same "old" file.
        db.session.refresh(profile, with_for_update=True)
        old = profile.cv_path
        profile.cv_path = relative
        profile.cv_uploaded_at = utcnow()
        audit("student.cv_uploaded", profile, actor, replaced=bool(old) or None)
        if old and old != relative:
            uploads.remove_stored(old)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the new file goes with it; the old CV stays
        raise


def remove_cv(profile: StudentProfile, actor: User) -> bool:
    """Forget the CV and delete its file; False if there was none."""
    if actor.role != "student" or profile.user_id != actor.id:
        raise PermissionError("a student removes only their own CV")
    db.session.refresh(profile, with_for_update=True)
    old = profile.cv_path
    if not old:
        db.session.rollback()
        return False
    profile.cv_path = None
    profile.cv_uploaded_at = None
    audit("student.cv_removed", profile, actor)
    uploads.remove_stored(old)
    db.session.commit()
    return True

