"""The events, queued: each function is called by the service where its event happens,
inside that service's transaction, and only adds rows (nothing is sent here: the worker
sends them, portal/webhooks/sending.py).

A CETPRO receives only its own events: a hire, a placement or a follow-up of one of its
students; an opening published for it by name, or for every CETPRO in a family
productiva it teaches (or naming one of its programmes), as the CETPRO's dashboard
shows them (matching.index.relevant_to_cetpro)."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import joinedload

from portal import links
from portal.clock import utcnow
from portal.extensions import db
from portal.models import (
    Application,
    Company,
    FollowUp,
    Opening,
    Placement,
    Programme,
    StudentProfile,
    WebhookDelivery,
    WebhookEndpoint,
    cetpro_programmes,
)


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _endpoints(event: str, cetpro_ids: Iterable[int] | None = None) -> list[WebhookEndpoint]:
    """The active endpoints subscribed to `event` (of these CETPROs, when given)."""
    query = select(WebhookEndpoint).options(joinedload(WebhookEndpoint.cetpro)).where(WebhookEndpoint.paused.is_(False))
    if cetpro_ids is not None:
        ids = sorted(set(cetpro_ids))
        if not ids:
            return []
        query = query.where(WebhookEndpoint.cetpro_id.in_(ids))
    return [e for e in db.session.scalars(query.order_by(WebhookEndpoint.id)) if event in (e.events or [])]


def _queue(event: str, endpoints: list[WebhookEndpoint], data_for) -> int:
    """One delivery per endpoint; `data_for(cetpro_id)` gives the event's `data`."""
    if not endpoints:
        return 0
    event_id, now = str(uuid.uuid4()), utcnow()
    rows = []
    for endpoint in endpoints:
        cetpro = endpoint.cetpro
        payload = {"id": event_id, "type": event, "created_at": _iso(now),
                   "cetpro": {"id": cetpro.id, "codigo_modular": cetpro.codigo_modular, "name": cetpro.name},
                   "data": data_for(cetpro.id)}
        rows.append({"endpoint_id": endpoint.id, "event": event, "event_id": event_id, "payload": payload,
                     "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now})
    db.session.execute(insert(WebhookDelivery), rows)  # one statement for every endpoint
    return len(rows)


def _student(profile: StudentProfile) -> dict:
    user = profile.user
    return {"id": profile.id, "document_type": profile.document_type, "document_number": profile.document_number,
            "first_names": user.first_names, "last_names": user.last_names,
            "programme": profile.programme.name if profile.programme else None}


def _placement(placement: Placement) -> dict:
    return {"id": placement.id, "source": placement.source, "application_id": placement.application_id,
            "kind": placement.kind, "outcome": placement.outcome, "job_title": placement.job_title,
            "employer_name": placement.employer_display_name, "employer_ruc": placement.employer_ruc,
            "start_date": _iso(placement.start_date), "end_date": _iso(placement.end_date),
            "pay_min": _money(placement.pay_min), "pay_max": _money(placement.pay_max),
            "department_code": placement.department_code}


def _opening(opening: Opening) -> dict:
    company = db.session.get(Company, opening.company_id)
    return {"id": opening.id, "title": opening.title, "kind": opening.kind, "work_mode": opening.work_mode,
            "family": opening.family.name if opening.family else None,
            "programmes": [p.name for p in opening.programmes],
            "department_code": opening.department_code, "province_code": opening.province_code,
            "pay_monthly": _money(opening.pay_monthly), "vacancies": opening.vacancies,
            "deadline": _iso(opening.deadline), "published_at": _iso(opening.published_at),
            "url": links.external("openings.show", opening_id=opening.id),
            "company": {"id": company.id, "name": company.display_name, "ruc": company.ruc}}


def application_hired(application: Application, placement: Placement) -> int:
    """An employer hired a student through the portal (placements.services.move)."""
    profile = application.student
    endpoints = _endpoints("application.hired", [profile.cetpro_id])
    return _queue("application.hired", endpoints, lambda _cetpro: {
        "application": {"id": application.id, "state": application.state,
                        "hired_at": _iso(application.state_changed_at)},
        "student": _student(profile), "opening": _opening(application.opening),
        "placement_id": placement.id, "start_date": _iso(placement.start_date)})


def placement_created(placement: Placement) -> int:
    """A placement was recorded: from a hire (source "portal") or by a coordinator ("manual")."""
    endpoints = _endpoints("placement.created", [placement.cetpro_id])
    profile = db.session.get(StudentProfile, placement.student_id)
    return _queue("placement.created", endpoints,
                  lambda _cetpro: {"placement": _placement(placement), "student": _student(profile)})


def followup_answered(follow_up: FollowUp, by: str) -> int:
    """A follow-up was answered, by the graduate or her coordinator (`by`)."""
    placement = follow_up.placement
    endpoints = _endpoints("followup.answered", [placement.cetpro_id])
    return _queue("followup.answered", endpoints, lambda _cetpro: {
        "follow_up": {"id": follow_up.id, "months": follow_up.months, "answer": follow_up.answer,
                      "outcome": follow_up.outcome, "current_employer": follow_up.current_employer,
                      "answered_at": _iso(follow_up.answered_at), "answered_by": by},
        "placement": _placement(placement), "student": _student(placement.student)})


def reached_by(opening: Opening, cetpro_ids: Iterable[int]) -> set[int]:
    """Which of these CETPROs an opening reaches: named by it, or (an opening for every
    CETPRO) teaching a programme of its family or one it names."""
    ids = set(cetpro_ids)
    if not ids:
        return set()
    if not opening.targets_all_cetpros:
        return ids & {c.id for c in opening.cetpros}
    named = [p.id for p in opening.programmes]
    teaching = (select(cetpro_programmes.c.cetpro_id)
                .join(Programme, Programme.id == cetpro_programmes.c.programme_id)
                .where(cetpro_programmes.c.cetpro_id.in_(sorted(ids)),
                       or_(Programme.family_id == opening.family_id, Programme.id.in_(named or [-1])))
                .distinct())
    return set(db.session.scalars(teaching))


def opening_published(opening: Opening) -> int:
    """An opening was published (openings.services._publish): the CETPROs it reaches."""
    endpoints = _endpoints("opening.published")
    reached = reached_by(opening, {e.cetpro_id for e in endpoints})
    endpoints = [e for e in endpoints if e.cetpro_id in reached]
    if not endpoints:
        return 0
    data = _opening(opening)
    return _queue("opening.published", endpoints, lambda _cetpro: {"opening": data})
