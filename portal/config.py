"""Configuration from environment variables, with defaults that are safe to run locally.

`PORTAL_ENV=production` says the app serves real people: then what a deployment must give
(BASE_URL) is required, and the app refuses to start without it, one line per problem
(`ConfigurationError`). Anything else, or nothing, is development.
"""
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from joserfc.jwk import OKPKey
from limits import parse, parse_many

from portal import clock

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, or a random one kept in instance/ for local runs."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    return _made_once("secret_key", lambda: secrets.token_urlsafe(48))


def _made_once(name: str, make) -> str:
    """The text of instance/<name>, made by `make()` the first time (readable by this user only)."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / name
    if not path.exists():
        # Processes may start at once (test workers, gunicorn workers): each writes a draft,
        # the first draft linked into place wins, and every process reads that one key.
        draft = path.with_name(f"{name}.{os.getpid()}.draft")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


class ConfigurationError(RuntimeError):
    """Configuration the app must not start with; its text is one line per problem."""


MISSING_BASE_URL = ("Falta BASE_URL: en producción (PORTAL_ENV=production) es obligatoria; "
                    "pon la dirección por la que la gente entra, p. ej. BASE_URL=https://enlacecetpro.pe")


def log_format() -> str:
    """LOG_FORMAT: json (one object per line, the default in production) or text."""
    value = os.environ.get("LOG_FORMAT", "").strip().lower() or ("json" if production() else "text")
    if value not in ("json", "text"):
        raise ConfigurationError(f"LOG_FORMAT={value!r} no existe: usa json (producción) o text.")
    return value


# --- The keys that sign certificates as Verifiable Credentials (portal/certificates/credentials.py)

MISSING_CREDENTIAL_KEYS = ("Falta CREDENTIAL_SIGNING_KEYS: en producción es obligatoria y la misma en cada proceso y "
                           "servidor (firma los certificados descargables como credenciales verificables); genera "
                           "una con flask --app wsgi credentials new-key")


def new_signing_key() -> dict:
    """A new Ed25519 private key as a JWK, named (kid) by its RFC 7638 thumbprint."""
    key = OKPKey.generate_key("Ed25519", private=True)
    return {**key.as_dict(private=True), "kid": key.thumbprint(), "use": "sig", "alg": "EdDSA"}


def signing_keys_from(text: str) -> dict:
    """A JWK set ({"keys": [...]}, or one JWK) of Ed25519 keys: the first signs and must hold
    its private part ("d"); the others are earlier keys, still published so what they signed
    still verifies (their private part is not needed). Each gets its thumbprint as kid when
    it has none. ConfigurationError, in Spanish, for anything else."""
    where = "CREDENTIAL_SIGNING_KEYS"
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigurationError(f"{where} no es JSON: pon el conjunto de claves (JWK Set) que imprime "
                                 "flask --app wsgi credentials new-key") from None
    found = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    if not isinstance(found, list) or not found:
        raise ConfigurationError(f"{where} no tiene claves: debe ser un JWK Set {{\"keys\": [...]}}.")
    keys = []
    for position, entry in enumerate(found, start=1):
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            raise ConfigurationError(f"{where}: la clave {position} no es Ed25519 (kty OKP, crv Ed25519).")
        try:
            key = OKPKey.import_key(entry)
        except (ValueError, TypeError, KeyError):
            raise ConfigurationError(f"{where}: la clave {position} no se puede leer (revisa x y d).") from None
        if position == 1 and not key.is_private:
            raise ConfigurationError(f"{where}: la primera clave firma y le falta su parte privada (d).")
        derived = OKPKey.import_key(key.private_key.public_key()).as_dict()["x"] if key.is_private else entry.get("x")
        if derived != entry.get("x"):
            raise ConfigurationError(f"{where}: en la clave {position}, x no es la parte pública de d.")
        keys.append({**entry, "kid": entry.get("kid") or key.thumbprint()})
    kids = [key["kid"] for key in keys]
    if len(set(kids)) != len(kids):
        raise ConfigurationError(f"{where}: dos claves tienen el mismo kid; cada una necesita el suyo.")
    return {"keys": keys}


def credential_signing_keys() -> dict:
    """CREDENTIAL_SIGNING_KEYS: required in production, the same on every host (a credential
    signed by one is checked against the keys all publish). Development: one key made once
    into instance/credential_signing_keys.json."""
    if text := os.environ.get("CREDENTIAL_SIGNING_KEYS", "").strip():
        return signing_keys_from(text)
    if production():
        raise ConfigurationError(MISSING_CREDENTIAL_KEYS)
    return signing_keys_from(_made_once("credential_signing_keys.json",
                                        lambda: json.dumps({"keys": [new_signing_key()]})))


def _credential_keys_setting() -> None:
    """What `problems` checks: the setting when given (nothing is made here)."""
    if text := os.environ.get("CREDENTIAL_SIGNING_KEYS", "").strip():
        signing_keys_from(text)


def production() -> bool:
    return os.environ.get("PORTAL_ENV", "").strip().lower() == "production"


def base_url() -> str:
    """Where people reach the portal: the start of every link in an email, a share card or a
    canonical URL (portal/links.py builds them all).

    Production: BASE_URL, required; a request's Host header is never used (its sender
    chooses it). Development: BASE_URL when set, else the host and port `flask run` serves
    on (FLASK_RUN_HOST and FLASK_RUN_PORT, which `make run` sets from HOST and PORT), so
    `PORT=5401 make run` links to port 5401."""
    url = os.environ.get("BASE_URL", "").strip().rstrip("/")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"BASE_URL={url!r} no es una dirección: escríbela completa, "
                                     "p. ej. BASE_URL=https://enlacecetpro.pe")
        return url
    if production():
        raise ConfigurationError(MISSING_BASE_URL)
    host = os.environ.get("FLASK_RUN_HOST", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # served on every interface: link to this machine
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('FLASK_RUN_PORT', '').strip() or '5000'}"


def mail_backend() -> str:
    """MAIL_BACKEND: `smtp` (MAIL_SERVER and friends) or `console` (development: each email
    printed to the log, and listed on /dev/correo). Unset: `smtp` when MAIL_SERVER is set or in
    production, else `console`."""
    value = os.environ.get("MAIL_BACKEND", "").strip().lower()
    if not value:
        return "smtp" if os.environ.get("MAIL_SERVER", "").strip() or production() else "console"
    if value not in ("smtp", "console"):
        raise ConfigurationError(f"MAIL_BACKEND={value!r} no existe: usa smtp (producción) o console (desarrollo).")
    return value


def trusted_proxies() -> int:
    """How many proxies in front of the portal append to X-Forwarded-For (nginx, a load
    balancer): TRUSTED_PROXIES, 0 by default. With 0 the headers are ignored, so a server
    reached directly cannot be told another client address; with n, the address the n-th
    proxy from here saw is the client's (a value the client forged sits further left)."""
    value = os.environ.get("TRUSTED_PROXIES", "0").strip() or "0"
    if not value.isascii() or not value.isdigit() or int(value) > 5:
        raise ConfigurationError(f"TRUSTED_PROXIES must be a number of proxies from 0 to 5, not {value!r}.")
    return int(value)


def roster_import_limit() -> str:
    """How many roster files one coordinator may have checked: ROSTER_IMPORT_LIMIT, in
    Flask-Limiter's words ("10 per hour", "20/day")."""
    value = os.environ.get("ROSTER_IMPORT_LIMIT", "10 per hour").strip() or "10 per hour"
    try:
        parse_many(value)
    except ValueError:
        raise ConfigurationError(f"ROSTER_IMPORT_LIMIT={value!r} no es un límite: escríbelo como "
                                 "«10 per hour» o «20 per day».") from None
    return value


def seconds(name: str, default: int) -> int:
    """A duration setting in seconds (SESSION_MAX_AGE=2592000): a positive whole number."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise ConfigurationError(f"{name}={value!r} debe ser un número de segundos mayor que 0, p. ej. {name}={default}")
    return int(value)


def rate(name: str, default: str) -> str:
    """A rate setting as Flask-Limiter writes it ("5 per 15 minutes"); a typo refuses to start
    rather than turning the first sign-in into a 500."""
    value = os.environ.get(name, "").strip() or default
    try:
        parse(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r} no es un límite: escríbelo como {default!r}") from None
    return value


def count(name: str, default: int) -> int:
    """A number-of-times setting (LOGIN_ALERT_AFTER=10): a positive whole number."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise ConfigurationError(f"{name}={value!r} debe ser un número mayor que 0, p. ej. {name}={default}")
    return int(value)


# Sign-in settings: (reader, name, default). Sessions: portal/accounts/sessions.py; failed
# sign-ins: portal/accounts/throttle.py.
SIGN_IN_SETTINGS = (
    (seconds, "SESSION_MAX_AGE", 30 * 86400),
    (seconds, "STAFF_IDLE_TIMEOUT", 8 * 3600),
    (seconds, "KNOWN_DEVICE_MAX_AGE", 180 * 86400),
    (rate, "LOGIN_LIMIT_PER_PAIR", "5 per 15 minutes"),
    (rate, "LOGIN_LIMIT_PER_ACCOUNT", "50 per hour"),
    (rate, "LOGIN_LIMIT_PER_ADDRESS", "300 per 15 minutes"),
    (count, "LOGIN_DELAY_AFTER", 10),
    (count, "LOGIN_ALERT_AFTER", 10),
)


def api_rate_limit() -> str:
    """Calls per API token (portal/api/auth.py): API_RATE_LIMIT, as Flask-Limiter writes a rate."""
    value = os.environ.get("API_RATE_LIMIT", "").strip() or "120 per minute"
    try:
        parse(value)
    except ValueError:
        raise ConfigurationError(f"API_RATE_LIMIT={value!r} no es un límite: escríbelo como "
                                 "'120 per minute'") from None
    return value


def report_suspend_threshold() -> int:
    """How many open reports from different signed-in people suspend a published opening
    automatically, pending review (portal/openings/moderation.py): REPORT_SUSPEND_THRESHOLD, 3."""
    value = os.environ.get("REPORT_SUSPEND_THRESHOLD", "").strip() or "3"
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 100:
        raise ConfigurationError(f"REPORT_SUSPEND_THRESHOLD={value!r} debe ser un número de denuncias de 1 a 100, "
                                 "p. ej. REPORT_SUSPEND_THRESHOLD=3")
    return int(value)


def sign_in_settings() -> dict:
    return {name: read(name, default) for read, name, default in SIGN_IN_SETTINGS}


# Personal data kept no longer than needed (Ley 29733), in days: the grace period of an
# account deletion (portal/privacy/deletion.py), then how long sent emails (their links and
# names) and unconfirmed sign-ups stay (portal/privacy/retention.py).
RETENTION_SETTINGS = (
    (count, "DELETION_GRACE_DAYS", 7),
    (count, "OUTBOX_RETENTION_DAYS", 30),
    (count, "UNCONFIRMED_RETENTION_DAYS", 7),
)


def retention_settings() -> dict:
    return {name: read(name, default) for read, name, default in RETENTION_SETTINGS}


def problems(strict: bool | None = None, workers: int = 1) -> list[str]:
    """What the app must not start with, one Spanish line each (empty when all is well).

    `strict`: also what production needs (default: when PORTAL_ENV=production);
    `workers`: how many processes will share this configuration (gunicorn's -w)."""
    strict = production() if strict is None else strict
    found = []
    for read in (base_url, trusted_proxies, mail_backend, roster_import_limit, report_suspend_threshold,
                 sign_in_settings, retention_settings, _credential_keys_setting):
        try:
            read()
        except ConfigurationError as error:
            found.append(str(error))
    if strict:
        found += _production_problems(workers)
    return list(dict.fromkeys(found))


def _production_problems(workers: int) -> list[str]:
    found = []
    if not os.environ.get("SECRET_KEY", "").strip():
        found.append("Falta SECRET_KEY: en producción es obligatoria y la misma en cada proceso y servidor (sin ella "
                     "cada uno firmaría las sesiones con su propia clave); genera una con "
                     "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'")
    if not database_url().startswith("postgresql"):
        found.append("DATABASE_URL debe ser PostgreSQL en producción, p. ej. "
                     "DATABASE_URL=postgresql+psycopg://usuario:clave@servidor:5432/enlace")
    url = os.environ.get("BASE_URL", "").strip()
    if not url:
        found.append(MISSING_BASE_URL)
    elif urlsplit(url).scheme != "https":
        found.append(f"BASE_URL={url!r} debe empezar con https:// en producción (la gente entra por TLS).")
    if os.environ.get("MAIL_BACKEND", "").strip().lower() == "console":
        found.append("MAIL_BACKEND=console en producción: los correos (con sus enlaces de confirmación y de "
                     "contraseña) solo se imprimirían en el log; usa MAIL_BACKEND=smtp con MAIL_SERVER.")
    elif not os.environ.get("MAIL_SERVER", "").strip():
        found.append("Falta MAIL_SERVER: en producción los correos (confirmación, recuperar contraseña) salen por "
                     "SMTP; configura MAIL_SERVER, MAIL_PORT, MAIL_USERNAME y MAIL_PASSWORD.")
    if not os.environ.get("CREDENTIAL_SIGNING_KEYS", "").strip():
        found.append(MISSING_CREDENTIAL_KEYS)
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://").strip()
    if workers > 1 and storage.startswith("memory://"):
        found.append(f"RATELIMIT_STORAGE_URI={storage} con {workers} procesos: cada uno contaría sus propios "
                     "límites; usa un almacén compartido, p. ej. RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0")
    return found


def check(workers: int = 1) -> None:
    """Raise ConfigurationError, one line per problem, when the app must not start."""
    if found := problems(workers=workers):
        raise ConfigurationError("\n".join(found))


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'enlace.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # Many gunicorn workers write to one file: wait for the lock instead of failing.
        return {"connect_args": {"timeout": 15}}
    # pool_pre_ping: one more round trip when a request takes a connection from the pool, so
    # a connection PostgreSQL dropped (a restart, a failover, an idle timeout) is replaced
    # instead of failing that request with a 500. Measured in process on the large set
    # (2026-12-04): 0.06 ms a request on a quiet machine, 1-2.6 ms under a load of 5 on
    # 2 cores, when every round trip waits for a core; of the employer pipeline's 9 round
    # trips, 1. Kept: a 500 after every database restart costs more than that.
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}


def from_env() -> dict:
    check()
    url = database_url()
    https = _flag("HTTPS", False)
    sign_in = sign_in_settings()
    return {
        "SECRET_KEY": _secret_key(),
        # Earlier keys, still accepted on sessions and links while a new one takes over.
        "SECRET_KEY_FALLBACKS": [key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",")
                                 if key.strip()],
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "BASE_URL": base_url(),
        "BABEL_DEFAULT_LOCALE": "es_PE",
        "BABEL_DEFAULT_TIMEZONE": clock.LIMA.key,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
        # gzip is what every browser accepts over plain HTTP too; static files stream.
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["gzip"],
        "TRUSTED_PROXIES": trusted_proxies(),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory (and log it) rather than answer 500;
        # /salud then says "degraded". The store's own timeouts bound the wait for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "LOG_FORMAT": log_format(),
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", "").strip(),
        "METRICS_ALLOW": os.environ.get("METRICS_ALLOW", "127.0.0.1/32,::1/128"),
        "ACCESS_LOG": _flag("ACCESS_LOG", production()),
        # portal/openings/fastpath.py (off only to measure what it saves: docs/PERFORMANCE.md)
        "LISTING_FAST_PATH": _flag("LISTING_FAST_PATH", True),
        # Roster files checked per coordinator: each row tells whether a DNI or email is taken.
        "ROSTER_IMPORT_LIMIT": roster_import_limit(),
        "REPORT_SUSPEND_THRESHOLD": report_suspend_threshold(),
        # Calls per API token (portal/api/): every answer carries the X-RateLimit-* headers.
        "API_RATE_LIMIT": api_rate_limit(),
        **sign_in,
        **retention_settings(),
        "MAIL_BACKEND": mail_backend(),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Enlace CETPRO <no-responder@enlacecetpro.pe>"),
        # An address whose mail an operator reads to stop job alerts: the mailto of their
        # List-Unsubscribe header (optional; the signed one-click https link is always there).
        "MAIL_UNSUBSCRIBE": os.environ.get("MAIL_UNSUBSCRIBE", "").strip(),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "EMAIL_CONFIRM_MAX_AGE": int(os.environ.get("EMAIL_CONFIRM_MAX_AGE", str(48 * 3600))),
        # Read only by the migration that moved uploaded files into the database (0016).
        "UPLOAD_PATH": os.environ.get("UPLOAD_PATH", str(INSTANCE / "uploads")),
        # The worker's nightly backup (portal/backup.py): off unless a folder is given.
        "BACKUP_PATH": os.environ.get("BACKUP_PATH", "").strip(),
        "BACKUP_KEEP": max(1, int(os.environ.get("BACKUP_KEEP", "14"))),
        # Certificates as signed Verifiable Credentials: a JWK set, the first key signs.
        "CREDENTIAL_SIGNING_KEYS": credential_signing_keys(),
    }
