"""Saving, changing and stopping job alerts (writes; portal/alerts/sending.py sends them).

An alert keeps the listing's own normalized query string (`queries.Filters`, the same
parsing /ofertas does: unknown or inconsistent values dropped, order and page left out),
and beside it the filters an opening's columns answer (family, programme, department,
province, kind, mode) as columns, for SQL reads. Sending reads the query itself
(portal/alerts/index.py parses it as /ofertas does).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal import clock, signing, vocab
from portal.extensions import db
from portal.models import Alert, StudentProfile
from portal.openings.queries import Filters

NOT_SEARCH = ("orden", "pagina")  # how a list is shown, not what it finds
MAX_ALERTS = 20
UNSUBSCRIBE_SALT = "job-alert-unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=180)
FREQUENCY_ERROR = "Elige cada cuánto quieres recibir la alerta."


class AlertError(ValueError):
    pass


def filters_from(args: Mapping) -> Filters:
    """A search as /ofertas reads it from its query string."""
    return Filters.from_args(args)


def query_of(filters: Filters) -> str:
    """The normalized query string of a search: what an alert stores and links to."""
    return urlencode([(key, value) for key, value in filters.args().items() if key not in NOT_SEARCH])


def query_args(args: Mapping) -> dict:
    """`url_for` arguments of a search, normalized (back to /ofertas after saving it)."""
    return dict(parse_qsl(query_of(filters_from(args))))


def filters_of(alert: Alert) -> Filters:
    return search_filters(alert.query)


def search_filters(query: str) -> Filters:
    """The search a stored query string names."""
    return Filters.from_args(MultiDict(parse_qsl(query)))


def search_args(alert: Alert) -> dict:
    """`url_for` arguments of the alert's search on /ofertas."""
    return dict(parse_qsl(alert.query))


def label(alert: Alert) -> str:
    """The search in words: «soldador» · Familia: Metalmecánica · Departamento: Lima."""
    active = [text for _key, text in filters_of(alert).active()]
    return " · ".join(active) if active else "Todas las ofertas"


def _columns(filters: Filters) -> dict:
    return {"words": filters.q or None, "family_id": filters.familia or None,
            "programme_id": filters.programa or None, "department_code": filters.departamento or None,
            "province_code": filters.provincia or None, "kind": filters.tipo or None,
            "work_mode": filters.modalidad or None}


def _check_frequency(frequency: str) -> None:
    if frequency not in vocab.ALERT_FREQUENCIES:
        raise AlertError(FREQUENCY_ERROR)


def save(profile: StudentProfile, args: Mapping, frequency: str) -> tuple[Alert, bool]:
    """Save a search as an alert; (alert, created). The same search saved again keeps the
    one alert, now with this frequency and running (not committed)."""
    _check_frequency(frequency)
    filters = filters_from(args)
    query = query_of(filters)
    existing = db.session.scalar(select(Alert).where(Alert.student_id == profile.id, Alert.query == query))
    if existing is not None:
        existing.frequency, existing.paused = frequency, False
        return existing, False
    held = db.session.scalar(select(func.count()).select_from(Alert).where(Alert.student_id == profile.id))
    if held >= MAX_ALERTS:
        raise AlertError(f"Puedes tener hasta {MAX_ALERTS} alertas. Borra una que ya no uses para crear otra.")
    alert = Alert(student_id=profile.id, query=query, frequency=frequency, paused=False, **_columns(filters))
    db.session.add(alert)
    db.session.flush()
    return alert, True


def set_frequency(alert: Alert, frequency: str) -> bool:
    """Change how often the alert is sent; False when it was already so."""
    _check_frequency(frequency)
    if alert.frequency == frequency:
        return False
    alert.frequency = frequency
    return True


def set_paused(alert: Alert, paused: bool) -> bool:
    if alert.paused == paused:
        return False
    alert.paused = paused
    return True


def delete(alert: Alert) -> None:
    db.session.delete(alert)  # its deliveries go with it (ON DELETE CASCADE, and below)


# --- The emailed unsubscribe link ------------------------------------------------------


class _ClockSigner(TimestampSigner):
    """Signs with the portal's clock (portal/clock.py), so a link's age is read on it too."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing.keys(), salt=UNSUBSCRIBE_SALT, signer=_ClockSigner)


def unsubscribe_token(alert: Alert) -> str:
    return _serializer().dumps(alert.id)


def alert_for_token(token: str) -> Alert | None:
    """The alert a signed unsubscribe link names; None when the signature is bad or old,
    or the alert no longer exists."""
    try:
        alert_id = _serializer().loads(token, max_age=int(UNSUBSCRIBE_MAX_AGE.total_seconds()))
    except BadSignature:  # forged, or older than UNSUBSCRIBE_MAX_AGE (SignatureExpired)
        return None
    return db.session.get(Alert, alert_id) if isinstance(alert_id, int) else None


def unsubscribe(alert: Alert) -> bool:
    """Stop the alert (paused: she can resume it from her alerts page); False if it was."""
    return set_paused(alert, True)
