"""Deadlines: a published opening whose deadline has passed becomes `expired`, and its
employer is warned before that happens.

Two ways, so no page ever shows a past-deadline opening as open: `flask --app wsgi
openings expire` (cron, daily), and on read (the listing leaves such openings out; the
detail page expires the one it shows).

Expiry ends the process, as closing does: the employer did not decide in time, so every
open application ends as Descartado/a with the reason "La empresa no decidió a tiempo",
and its student is told so, instead of waiting on "Recibida" forever (an expired opening
can no longer be closed). So that it never takes an employer by surprise, the same daily
command first warns each company whose published opening reaches its deadline within
WARN_DAYS days with applicants still undecided: once per deadline (moving the deadline
earns a new warning), saying how many wait and that a later deadline gives more time.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from portal import clock, links
from portal.applications.services import end_open
from portal.applications.states import OPEN_STATES
from portal.audit import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.formatting import day
from portal.models import Application, CompanyMember, Opening, User
from portal.notifications.services import notify

WARN_DAYS = 3


def _past_deadline():
    return (Opening.state == "published", Opening.deadline < clock.today())


def _expire(opening: Opening) -> bool:
    """Expire this opening if it is still published and past its deadline, ending its open
    applications in the same transaction. Committed; False when there was nothing to do."""
    moved = db.session.execute(
        update(Opening)
        .where(Opening.id == opening.id, *_past_deadline())
        # A version bump, so an edit form loaded before the expiry is refused as stale.
        .values(state="expired", version=Opening.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        db.session.rollback()
        return False
    company = opening.company.display_name
    told = end_open(
        opening, "opening_expired",
        f"La oferta «{opening.title}» de {company} venció y la empresa no decidió a tiempo: "
        f"tu postulación no continuará.",
        email=(f"Terminó el plazo de {opening.title}",
               f"La oferta «{opening.title}» de {company} venció el {day(opening.deadline)} sin que "
               f"la empresa tomara una decisión sobre tu postulación, así que no continuará. No es una "
               f"opinión sobre tu perfil: hay más ofertas para ti en el portal."))
    audit("opening.expired", opening, None, applicants_told=told)
    db.session.commit()
    return True


def expire_due() -> int:
    """Expire every published opening whose deadline has passed; returns how many."""
    ids = db.session.scalars(select(Opening.id).where(*_past_deadline()).order_by(Opening.id)).all()
    return sum(_expire(db.session.get(Opening, opening_id)) for opening_id in ids)


def expire_if_due(opening: Opening) -> bool:
    """Expire this opening if its deadline has passed (cheap when it has not: no query)."""
    if opening.state != "published" or opening.deadline is None or opening.deadline >= clock.today():
        return False
    return _expire(opening)


def _undecided(opening: Opening, waiting: int) -> tuple[str, str]:
    """The warning's words: (notification, email subject)."""
    people = ("1 postulación sigue sin decisión" if waiting == 1
              else f"{waiting} postulaciones siguen sin decisión")
    them = "le diremos" if waiting == 1 else "les diremos"
    text = (f"El plazo de «{opening.title}» termina el {day(opening.deadline)} y {people}. "
            f"Si no decides antes, {them} que la empresa no decidió a tiempo; si necesitas más tiempo, "
            f"amplía la fecha límite.")
    subject = (f"1 postulación a {opening.title} espera tu decisión" if waiting == 1
               else f"{waiting} postulaciones a {opening.title} esperan tu decisión")
    return text, subject


def warn_due() -> int:
    """Warn the companies of published openings whose deadline comes within WARN_DAYS days
    and that still have undecided applicants; once per deadline. Returns how many openings."""
    today = clock.today()
    due = db.session.execute(
        select(Opening.id, func.count(Application.id))
        .join(Application, Application.opening_id == Opening.id)
        .where(Opening.state == "published", Opening.deadline >= today,
               Opening.deadline <= today + timedelta(days=WARN_DAYS), Opening.deadline_warned_at.is_(None),
               Application.state.in_(OPEN_STATES))
        .group_by(Opening.id)
        .order_by(Opening.id)
    ).all()
    warned = 0
    for opening_id, waiting in due:
        # Claimed by a guarded UPDATE (two runs at once warn once), without a version bump:
        # a warning is not an edit, so it must not make the employer's open form stale.
        claimed = db.session.execute(
            update(Opening)
            .where(Opening.id == opening_id, Opening.deadline_warned_at.is_(None))
            .values(deadline_warned_at=utcnow(), updated_at=Opening.updated_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            continue
        opening = db.session.get(Opening, opening_id)
        text, subject = _undecided(opening, waiting)
        members = db.session.scalars(
            select(User.id).join(CompanyMember, CompanyMember.user_id == User.id)
            .where(CompanyMember.company_id == opening.company_id, CompanyMember.state == "active",
                   User.active.is_(True))
            .order_by(User.id)
        ).all()
        url = links.path("employers.pipeline", opening_id=opening_id)
        for user_id in members:
            notify(user_id, "applications-deadline", text, url, email=(subject, f"{text} Tus postulantes:"))
        db.session.commit()
        warned += 1
    return warned
