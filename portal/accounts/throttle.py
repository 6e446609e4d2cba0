"""Failed sign-ins, throttled so that an attacker cannot turn the throttle against the owner.

A lockout per account lets anyone lock anyone out (five wrong passwords and the owner
waits, right password or not), and a tight limit per address blocks every honest person
behind one carrier NAT. So failures are counted three ways, and each answers a different
attack:

- per (account, address) pair, LOGIN_LIMIT_PER_PAIR (5 per 15 minutes): one machine
  guessing one account waits; nobody else does;
- per account, from anywhere: past LOGIN_DELAY_AFTER failures each further attempt must
  wait a growing delay after the last failure (1 s, 2 s, 4 s … at most a minute), and past
  LOGIN_LIMIT_PER_ACCOUNT (50 per hour) attempts wait for the hour to end: a botnet
  spreading guesses over many addresses gets a few dozen per hour;
- per address, on any accounts: LOGIN_LIMIT_PER_ADDRESS (300 per 15 minutes), high
  enough for a carrier NAT, low enough to stop one machine spraying a password.

A KNOWN DEVICE, one where the account signed in before (a signed `dispositivo` cookie,
valid KNOWN_DEVICE_MAX_AGE), is never held by the account or the address counts, and its
pair is counted per device rather than per address: whatever an attacker does elsewhere,
the owner's usual phone signs in. A new device can always get in through a password reset
link, which the alert email offers.

When an account reaches LOGIN_ALERT_AFTER failures in the account window, its owner gets
one email (per window) through the outbox.

An attempt is judged before its password is checked, and the answer is the same for an
account that does not exist: a refusal says nothing about the password or the account.

The counters live in the rate limiter's storage (RATELIMIT_STORAGE_URI: Redis in
production, shared by every process; memory in tests), in fixed windows numbered by the
portal's clock, so tests move time with the frozen clock. RATELIMIT_ENABLED=false turns
the throttle off with the other limits. While the store is down each process counts in its
own memory (and logs it), as Flask-Limiter's fallback does: no sign-in fails for it.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from limits.storage import MemoryStorage, Storage
from sqlalchemy import select

from portal import clock, links, mail, signing
from portal.accounts.rules import normalize_email
from portal.extensions import db, limiter
from portal.models import User

log = logging.getLogger("portal.accounts.throttle")
T = TypeVar("T")

DEVICE_COOKIE = "dispositivo"
DEVICE_SALT = "known-device"
DEVICE_ACCOUNTS = 5  # accounts one device remembers (a family's shared phone)
MAX_DELAY = 60  # seconds: the longest growing delay between attempts on one account


@dataclass(frozen=True)
class Refusal:
    """Why an attempt waits, in Spanish, and for how many seconds."""

    message: str
    retry_after: int


PAIR_MESSAGE = ("Hubo demasiados intentos fallidos para esta cuenta desde aquí. Espera {wait} y vuelve a "
                "intentarlo, o cambia tu contraseña con «¿Olvidaste tu contraseña?».")
ACCOUNT_MESSAGE = ("Esta cuenta recibió muchos intentos fallidos. Espera {wait} y vuelve a intentarlo; si "
                   "eres la dueña o el dueño, puedes entrar ya con «¿Olvidaste tu contraseña?».")
ADDRESS_MESSAGE = ("Demasiados intentos fallidos desde tu conexión. Espera {wait} y vuelve a intentarlo.")


def _wait(seconds: int) -> str:
    if seconds < 60:
        return "unos segundos" if seconds > 1 else "un segundo"
    minutes = math.ceil(seconds / 60)
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def _on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _rate(setting: str) -> tuple[int, int]:
    """(amount, window in seconds) of a rate setting such as "5 per 15 minutes"."""
    item = parse(current_app.config[setting])
    return item.amount, item.get_expiry()


def _window(period: int, now: float) -> tuple[int, int]:
    """(number of the fixed window `now` falls in, seconds until it ends)."""
    number = int(now // period)
    return number, max(1, math.ceil((number + 1) * period - now))


def _key(kind: str, ident: str, period: int, number: int) -> str:
    return f"signin/{kind}/{ident}/{period}/{number}"


class _Counter:
    """One fixed-window count in the limiter's storage."""

    def __init__(self, kind: str, ident: str, setting: str, now: float):
        self.limit, self.period = _rate(setting)
        number, self.remaining = _window(self.period, now)
        self.key = _key(kind, ident, self.period, number)

    def full(self, store: Storage) -> bool:
        return store.get(self.key) >= self.limit

    def add(self, store: Storage) -> int:
        return store.incr(self.key, self.period + 60)


@cache
def _fallback() -> Storage:
    return MemoryStorage()


def _counted(operation: Callable[[Storage], T]) -> T:
    """`operation` on the shared store, or, while it is down, on this process's memory (as
    Flask-Limiter's in-memory fallback does): sign-in stays throttled and never fails."""
    try:
        return operation(limiter.storage)
    except Exception as error:  # noqa: BLE001 - any store failure: count here, say it in one line
        log.warning("sign-in throttle: the rate-limit store is unavailable (%s); counting in this process", error)
        return operation(_fallback())


# --- Known devices -----------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return signing.serializer(DEVICE_SALT)


def _device() -> dict | None:
    """The device cookie of this request ({"d": device id, "u": [account ids]}), if valid."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=current_app.config["KNOWN_DEVICE_MAX_AGE"])
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("u"), list):
        return None
    return data


def _known_device_of(account: str) -> str | None:
    """The device id when this device signed in to `account` before."""
    device = _device()
    if device is None or not device["u"]:
        return None
    user_id = db.session.scalar(select(User.id).where(User.email == account))
    return device["d"] if user_id in device["u"] else None


def remember_device(response: Response, user: User) -> Response:
    """After a sign-in that proved the password (or the inbox): this device is known to `user`."""
    device = _device() or {"d": secrets.token_urlsafe(12), "u": []}
    accounts = [user.id] + [i for i in device["u"] if i != user.id and isinstance(i, int)]
    value = _serializer().dumps({"d": device["d"], "u": accounts[:DEVICE_ACCOUNTS]})
    config = current_app.config
    response.set_cookie(DEVICE_COOKIE, value, max_age=config["KNOWN_DEVICE_MAX_AGE"], httponly=True,
                        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax")
    return response


# --- Attempts --------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One sign-in attempt: who for, from where, and its counters."""

    account: str
    device: str | None
    pair: _Counter
    per_account: _Counter
    per_address: _Counter


def attempt(email: str) -> Attempt | None:
    """The counters of a sign-in attempt for `email` from this request (None: throttle off)."""
    if not _on():
        return None
    account = normalize_email(email)
    now = clock.now().timestamp()
    device = _known_device_of(account)
    address = request.remote_addr or "unknown"
    # Keys name the account by a digest: the store holds no email, and a megabyte typed in
    # the email field makes a key of 32 characters like any other.
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    pair_ident = f"{digest}|device:{device}" if device else f"{digest}|{address}"
    return Attempt(account=account, device=device,
                   pair=_Counter("pair", pair_ident, "LOGIN_LIMIT_PER_PAIR", now),
                   per_account=_Counter("account", digest, "LOGIN_LIMIT_PER_ACCOUNT", now),
                   per_address=_Counter("address", address, "LOGIN_LIMIT_PER_ADDRESS", now))


def refusal(current: Attempt | None) -> Refusal | None:
    """Why this attempt must wait (before its password is checked), or None to go ahead."""
    if current is None:
        return None
    return _counted(lambda store: _refusal(current, store))


def _refusal(current: Attempt, store: Storage) -> Refusal | None:
    if current.pair.full(store):
        return Refusal(PAIR_MESSAGE.format(wait=_wait(current.pair.remaining)), current.pair.remaining)
    if current.device:
        return None  # the owner's device: never held by what happens elsewhere
    if current.per_address.full(store):
        return Refusal(ADDRESS_MESSAGE.format(wait=_wait(current.per_address.remaining)),
                       current.per_address.remaining)
    if current.per_account.full(store):
        return Refusal(ACCOUNT_MESSAGE.format(wait=_wait(current.per_account.remaining)),
                       current.per_account.remaining)
    failures = store.get(current.per_account.key)
    after = current_app.config["LOGIN_DELAY_AFTER"]
    if failures < after:
        return None
    # After the n-th failure the account takes one attempt per `delay` seconds, counted from
    # that failure, the delay doubling with each failure; "turns" number those attempts, so
    # attempts sent at once cannot all go through.
    delay = min(2 ** (failures - after), MAX_DELAY)
    waited = clock.now().timestamp() - store.get(_failure_time_key(current, failures))
    if waited < delay:
        return Refusal(ACCOUNT_MESSAGE.format(wait=_wait(math.ceil(delay - waited))), math.ceil(delay - waited))
    turn = int((waited - delay) // delay)
    if store.incr(f"{current.per_account.key}/turn/{failures}/{turn}", current.per_account.period + 60) > 1:
        remaining = max(1, math.ceil(delay - (waited - delay) % delay))
        return Refusal(ACCOUNT_MESSAGE.format(wait=_wait(remaining)), remaining)
    return None


def _failure_time_key(current: Attempt, failures: int) -> str:
    return f"{current.per_account.key}/at/{failures}"


def failed(current: Attempt | None) -> None:
    """Count a wrong password (or an unknown email), and alert the owner once per window."""
    if current is None:
        return

    def count(store: Storage) -> int:
        current.pair.add(store)
        current.per_address.add(store)
        failures = current.per_account.add(store)
        # The store keeps counters only: the n-th failure's time is a counter raised once,
        # from zero, by the epoch second (each n is reached by exactly one request).
        store.incr(_failure_time_key(current, failures), current.per_account.period + 60,
                   amount=int(clock.now().timestamp()))
        return failures

    failures = _counted(count)
    if failures == current_app.config["LOGIN_ALERT_AFTER"]:
        _alert(current.account, failures)


def succeeded(current: Attempt | None) -> None:
    """The right password: this pair starts again from zero (the owner's typos are forgiven)."""
    if current is None:
        return
    _counted(lambda store: store.clear(current.pair.key))


def _alert(account: str, failures: int) -> None:
    user = db.session.scalar(select(User).where(User.email == account))
    if user is None or not user.active:
        return
    mail.queue(
        user.email,
        "Alguien está intentando entrar a tu cuenta de Enlace CETPRO",
        f"Hola {user.first_names}:\n\n"
        f"Alguien está intentando entrar a tu cuenta de Enlace CETPRO: hubo {failures} intentos con una "
        "contraseña equivocada en poco tiempo. Si fuiste tú, no necesitas hacer nada.\n\n"
        "Tu cuenta sigue protegida: desde los dispositivos donde ya ingresaste puedes seguir entrando. "
        "Si no fuiste tú, o si tu contraseña es fácil de adivinar o la usas en otros sitios, cámbiala aquí:\n"
        f"{links.external('accounts.forgot')}\n\n"
        "No respondas este correo: nadie del portal te pedirá tu contraseña.\n",
    )
    db.session.commit()
