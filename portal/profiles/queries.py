"""Reads for the student's pages, always scoped to the signed-in student (or, for a CV,
to what `portal.access.students_visible_to` allows)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.access import students_visible_to
from portal.extensions import db
from portal.models import Application, Family, Module, Programme, StudentProfile, User
from portal.reference import live


def profile_of(user: User) -> StudentProfile | None:
    return db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == user.id))


def application_counts(profile: StudentProfile) -> dict[str, int]:
    rows = db.session.execute(
        select(Application.state, func.count())
        .where(Application.student_id == profile.id)
        .group_by(Application.state)
    )
    return {state: count for state, count in rows}


def programme_choices(keep: int | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
    """Programmes grouped by family in catalogue order, for <optgroup>s: the live ones, and
    `keep` (the student's own, even when it was retired)."""
    rows = db.session.execute(
        select(Family.name, Programme.id, Programme.name)
        .join(Programme, Programme.family_id == Family.id)
        .where(live.programmes(keep=[keep] if keep else None))
        .order_by(Family.position, Family.name, Programme.name)
    )
    grouped: dict[str, list[tuple[int, str]]] = {}
    for family, programme_id, programme in rows:
        grouped.setdefault(family, []).append((programme_id, programme))
    return list(grouped.items())


def programme_modules(programme_id: int | None, keep=None) -> list[Module]:
    """A programme's modules in catalogue order (the form's checkboxes): the live ones, and
    those in `keep` (the ones the student holds, even when retired)."""
    if not programme_id:
        return []
    return list(db.session.scalars(
        select(Module).where(Module.programme_id == programme_id, live.modules(keep=keep))
        .order_by(Module.position, Module.id)
    ))


def visible_profile(viewer: User, student_id: int) -> StudentProfile | None:
    """A student's profile if `viewer` may see their personal data (CV included)."""
    return db.session.scalar(students_visible_to(viewer).where(StudentProfile.id == student_id).limit(1))


@dataclass(frozen=True)
class Missing:
    """Something a complete profile has; `anchor` is the field on the profile page."""

    key: str
    label: str
    anchor: str


def missing(profile: StudentProfile) -> list[Missing]:
    """What the profile still lacks, in the order worth doing it.

    A CV is never missing: without an upload, employers get the CV generated from the
    profile (portal/profiles/generated_cv.py), so the dashboard offers that one to review,
    or an upload, instead of asking for a PDF."""
    items = []
    if not profile.modules:
        items.append(Missing("modules", "Marca los módulos que tienes certificados", "student-modules"))
    if not profile.user.phone:
        items.append(Missing("phone", "Agrega tu celular para que las empresas te contacten", "phone"))
    if not profile.open_to_offers:
        items.append(Missing("open_to_offers", "Activa «Quiero recibir ofertas» para aparecer ante las empresas",
                             "open_to_offers"))
    return items


def cv_name(profile: StudentProfile) -> str:
    """The file name a CV downloads as: CV-Quispe-Mamani.pdf."""
    user = profile.user
    return f"CV-{'-'.join((user.last_names or user.first_names).split())}.pdf"
