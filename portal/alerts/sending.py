"""Sending job alerts, from the worker (portal/worker.py), through the outbox.

- "inmediata": publishing an opening queues it (`AlertQueue`, in the publish's own
  transaction, so the request does no matching); `run_immediate` (every minute) finds the
  alerts whose searches find it in the worker's index of the running alerts
  (portal/alerts/index.py: bitmasks by filter, intersected), keeps those made before it was
  published and that never sent it, and checks the students' eligibility in one batch
  (`alerts_for_opening`); no alert's whole search is computed, no candidate read.
- "diaria" every morning, "semanal" on Mondays (`run_digests`, 07:30 Lima): for each
  running alert, the open openings its search finds that were published since it was
  made, that she may apply to (`recommendations.applicable`: her CETPRO targeted, the
  law's modality rule, not applied to) and that it never sent; the newest
  `MAX_PER_EMAIL` in one email, with "ver todas" linking to the saved search.

Idempotent: what an email lists is written to `alert_deliveries` (unique per alert and
opening) in the same transaction as the email, whole alerts at a time (`send_all`). A worker
stopped mid-run has committed whole alerts or nothing of one, and the next run skips what
was sent.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, links, mail, places, vocab
from portal.alerts import index as alert_index
from portal.alerts.services import filters_of, label, search_args, unsubscribe_token
from portal.extensions import db
from portal.matching import recommendations
from portal.models import Alert, AlertDelivery, AlertQueue, StudentProfile, User
from portal.openings import listing
from portal.openings.listing import OpeningSet, OpenOpening, OpenOpenings

log = logging.getLogger(__name__)
MAX_PER_EMAIL = 10
WEEKLY_DAY = 0  # Monday
BATCH = 500
QUEUE_BATCH = 200
COMMIT_EVERY = 100


def _reachable_rows(*columns):
    """A select of running alerts whose student can receive email: an active, confirmed, not
    deleted account."""
    return (select(*columns).select_from(Alert).join(StudentProfile, StudentProfile.id == Alert.student_id)
            .join(User, User.id == StudentProfile.user_id)
            .where(Alert.paused.is_(False), User.active.is_(True), User.email_confirmed_at.is_not(None),
                   User.deleted_at.is_(None)))


def _reachable():
    """Those alerts as rows to send, with their student, her programme and her account."""
    student = joinedload(Alert.student)
    return _reachable_rows(Alert).options(student.joinedload(StudentProfile.user),
                                          student.joinedload(StudentProfile.programme))


def alerts_for_opening(opening: OpenOpening, open_now: OpenOpenings, frequency: str) -> list[int]:
    """The ids of the running alerts of this frequency that would send this one open opening
    now, in order: for each, what `new_openings` holds of it (tests hold the two to
    agreeing), found without computing any alert's whole search. Whether her account can
    receive email is checked when they are read to be sent (`run_immediate`).

    The alerts whose searches find it come from the worker's index of the running alerts
    (portal/alerts/index.py: masks intersected, each distinct search words checked once);
    of those, the ones made before it was published, that never sent it, and whose
    student may apply to it (`recommendations.admitted`, in one batch)."""
    published = open_now.published_at(opening.id)
    if published is None:  # an opening without a publication date is never "new"
        return []
    meeting = alert_index.current(open_now).meeting(opening, open_now, frequency)
    if not meeting:
        return []
    sent = set(db.session.scalars(select(AlertDelivery.alert_id).where(AlertDelivery.opening_id == opening.id)))
    asking = [held for held in meeting if held.created_at <= published and held.id not in sent]
    may = recommendations.admitted(open_now, opening.id, [held.student for held in asking], open_now.version[1])
    return [held.id for held in asking if held.student.id in may]  # in order: positions follow ids


def new_openings(alert: Alert, open_now: OpenOpenings) -> OpeningSet:
    """What the alert may send now: its search, published since it was made, open to her,
    never sent by it."""
    return new_openings_of([alert], open_now)[alert.id]


def new_openings_of(alerts: Sequence[Alert], open_now: OpenOpenings) -> dict[int, OpeningSet]:
    """`new_openings` for a batch of alerts, by alert id: what they sent and what their
    students applied to read in one statement each."""
    searched = {alert.id: open_now.matching(filters_of(alert)) & open_now.published_since(alert.created_at)
                for alert in alerts}
    asking = [alert for alert in alerts if searched[alert.id]]
    may = recommendations.applicable_to(open_now, [alert.student for alert in asking], open_now.version[1])
    sent: dict[int, list[int]] = {}
    ids = [alert.id for alert in asking]
    for start in range(0, len(ids), BATCH):
        for alert_id, opening_id in db.session.execute(select(AlertDelivery.alert_id, AlertDelivery.opening_id)
                                                       .where(AlertDelivery.alert_id.in_(ids[start:start + BATCH]))):
            sent.setdefault(alert_id, []).append(opening_id)
    return {alert.id: (searched[alert.id] & may[alert.student_id]) - open_now.of_ids(sent.get(alert.id, ()))
            if searched[alert.id] else searched[alert.id] for alert in alerts}


def unsubscribe_header(alert: Alert) -> str:
    """List-Unsubscribe (RFC 2369): the signed one-click https link, and a mailto when the
    deployment has an address that handles unsubscriptions (MAIL_UNSUBSCRIBE)."""
    token = unsubscribe_token(alert)
    value = f"<{links.external('alerts.unsubscribe', token=token)}>"
    if address := current_app.config.get("MAIL_UNSUBSCRIBE"):
        value += f", <mailto:{address}?subject=baja%20{token}>"
    return value


def _body(alert: Alert, cards, total: int) -> str:
    user = alert.student.user
    frequency = vocab.ALERT_FREQUENCIES[alert.frequency].lower()
    lines = [f"Hola {user.first_names}:", "",
             (f"Hay una oferta nueva para tu alerta ({label(alert)}):" if total == 1 else
              f"Hay {total} ofertas nuevas para tu alerta ({label(alert)}):"), ""]
    for card in cards:
        code = card.province_code or card.department_code
        where = "Remoto" if card.work_mode == "remoto" else (places.name(code) if code else "") or ""
        facts = " · ".join(part for part in (card.company.display_name, vocab.OPENING_KINDS.get(card.kind, ""),
                                             where, card.pay_label,
                                             f"postula hasta el {card.deadline_label}" if card.deadline else "")
                           if part)
        lines += [f"- {card.title}", f"  {facts}", f"  {links.external('openings.show', opening_id=card.id)}", ""]
    if total > len(cards):
        lines.append(f"Te mostramos {len(cards)} de {total}.")
    lines += [f"Ver todas: {links.external('openings.index', **search_args(alert))}", "",
              "--",
              f"Recibes este correo porque guardaste esta búsqueda como alerta ({frequency}).",
              f"Cambia, pausa o borra tus alertas: {links.external('students.alerts')}",
              f"Dejar de recibir esta alerta: {links.external('alerts.unsubscribe', token=unsubscribe_token(alert))}",
              f"Enlace CETPRO · {links.base_url()}", ""]
    return "\n".join(lines)


def _queue(alert: Alert, found: OpeningSet) -> None:
    """Queue the email of the newest of `found` (at most MAX_PER_EMAIL) and record them as
    sent (not committed)."""
    cards = found.first(MAX_PER_EMAIL)
    now = clock.utcnow()
    for card in cards:
        db.session.add(AlertDelivery(alert_id=alert.id, opening_id=card.id, sent_at=now))
    alert.last_sent_at = now
    total = len(found)
    subject = (f"Nueva oferta: {cards[0].title}" if total == 1 else f"{total} ofertas nuevas para tu alerta")
    mail.queue(alert.student.user.email, subject[:200], _body(alert, cards, total),
               unsubscribe=unsubscribe_header(alert))


def send(alert: Alert, found: OpeningSet) -> int:
    """Email the newest of `found` and record them as sent, in one transaction; 1 if an
    email was queued. Another worker that sent one first wins."""
    if not found:
        return 0
    _queue(alert, found)
    try:
        db.session.commit()
    except IntegrityError:  # sent meanwhile by another run: nothing of this one is kept
        db.session.rollback()
        return 0
    return 1


def send_all(alerts: Sequence[Alert], found: dict[int, OpeningSet]) -> int:
    """`send` for many alerts, COMMIT_EVERY whole alerts to a transaction (a commit per alert
    would cost more than the rest of a digest); when another run sent one of a group first,
    that group is sent again alert by alert. Emails queued."""
    due = [alert for alert in alerts if found[alert.id]]
    sent = 0
    with _kept_on_commit():
        for start in range(0, len(due), COMMIT_EVERY):
            sent += _send_group(due[start:start + COMMIT_EVERY], found)
    return sent


def _send_group(group: Sequence[Alert], found: dict[int, OpeningSet]) -> int:
    for alert in group:
        _queue(alert, found[alert.id])
    try:
        db.session.commit()
        return len(group)
    except IntegrityError:
        db.session.rollback()
        return sum(send(alert, found[alert.id]) for alert in group)


@contextmanager
def _kept_on_commit():
    """The alerts a run loaded stay loaded across its commits (each group's commit would
    otherwise make the next group read its alerts again, one statement each); what they
    send is guarded by alert_deliveries' unique key, not by what they hold."""
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before


def _send_among(alerts: Sequence[Alert], open_now: OpenOpenings) -> int:
    return send_all(alerts, new_openings_of(alerts, open_now))


def run_immediate() -> int:
    """Check the just-published openings against the "inmediata" alerts; emails queued."""
    open_now = listing.open_openings(clock.today())
    sent = 0
    queued = db.session.scalars(select(AlertQueue.opening_id).order_by(AlertQueue.queued_at, AlertQueue.opening_id)
                                .limit(QUEUE_BATCH)).all()
    for opening_id in queued:
        if (opening := open_now.get(opening_id)) is not None:
            only = open_now.of_ids([opening_id])
            ids = alerts_for_opening(opening, open_now, "inmediata")
            for start in range(0, len(ids), BATCH):
                alerts = list(db.session.scalars(_reachable().where(Alert.id.in_(ids[start:start + BATCH]))
                                                 .order_by(Alert.id)).unique())
                sent += send_all(alerts, dict.fromkeys((alert.id for alert in alerts), only))
        # Only once every alert was seen to: a stop before this checks it again (nothing is resent).
        db.session.execute(delete(AlertQueue).where(AlertQueue.opening_id == opening_id))
        db.session.commit()
    return sent


def digest_frequencies(day) -> tuple[str, ...]:
    return ("diaria", "semanal") if day.weekday() == WEEKLY_DAY else ("diaria",)


def run_digests() -> int:
    """Send the daily digests (and the weekly ones on Mondays); emails queued. Reads the
    alerts in batches by id and logs its progress."""
    today = clock.today()
    frequencies = digest_frequencies(today)
    sent = seen = 0
    after = 0
    while True:
        open_now = listing.open_openings(today)  # the newest version, batch by batch
        alerts = list(db.session.scalars(_reachable().where(Alert.frequency.in_(frequencies), Alert.id > after)
                                         .order_by(Alert.id).limit(BATCH)).unique())
        if not alerts:
            break
        after = alerts[-1].id
        sent += _send_among(alerts, open_now)
        seen += len(alerts)
        db.session.commit()
        log.info("alert digests (%s): %s alerts read, %s emails", "+".join(frequencies), seen, sent)
    return sent

