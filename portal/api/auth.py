"""Who calls: a CETPRO's token in `Authorization: Bearer <token>` (portal/apitokens), the
scopes each operation needs, the rate limit per token, and the audit trail of every call
made with a token. CSRF does not apply here (no cookies are read or set: portal.security)."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address

from portal.api import bp
from portal.api.problems import ApiProblem
from portal.apitokens import services
from portal.clock import utcnow
from portal.extensions import csrf, db, limiter
from portal.models import ApiToken, AuditEvent

csrf.exempt(bp)

REVOKED_OR_UNKNOWN = ("El token no es válido: no existe, fue revocado o ya venció. Pide uno nuevo a la "
                      "coordinación de tu CETPRO (página «API» del portal).")


def _bearer() -> str | None:
    """The secret sent, or None when no Authorization header came; "" when it is malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def current_token() -> ApiToken | None:
    """The live token of this call (looked up once), None without one; 401 for a bad one."""
    if "api_token" not in g:
        secret = _bearer()
        g.api_token = None if secret is None else services.authenticate(secret)
        g.api_token_refused = secret is not None and g.api_token is None
    if g.api_token_refused:
        raise ApiProblem(401, REVOKED_OR_UNKNOWN)
    return g.api_token


def _rate_key() -> str:
    """A token's calls share one bucket, whatever address they come from; calls without a
    (valid) token share their address's."""
    try:
        token = current_token()
    except ApiProblem:
        token = None
    return f"api-token:{token.id}" if token is not None else f"api-address:{get_remote_address()}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def requires(scope: str, public: bool = False) -> Callable:
    """The operation needs a token with `scope` (401 without one, 403 without the scope);
    `public`: it also answers without a token (a token sent must still be good)."""

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            token = current_token()
            if token is None and not public:
                raise ApiProblem(401)
            if token is not None and scope not in token.scope_list:
                raise ApiProblem(403, f"El token «{token.prefix}…» no tiene el permiso «{scope}» que esta "
                                      "operación necesita. La coordinación puede crear uno que lo tenga.")
            return view(*args, **kwargs)

        checked.scope = scope
        return checked

    return decorate


def cetpro_id() -> int:
    """The CETPRO of this call's token: every read and write of the API is within it."""
    token = current_token()
    if token is None:
        raise ApiProblem(401)
    return token.cetpro_id


@bp.after_request
def record_call(response: Response) -> Response:
    """Every call made with a token: in the audit trail (with its answer's status), and as
    the token's last use. Public calls without a token are not recorded (like /ofertas)."""
    token = g.get("api_token")
    if token is None:
        return response
    db.session.rollback()  # what the operation did is committed; nothing half-done goes with this
    now = utcnow()
    db.session.query(ApiToken).filter(ApiToken.id == token.id).update(
        {"last_used_at": now, "last_used_ip": (request.remote_addr or "")[:45]}, synchronize_session=False)
    db.session.add(AuditEvent(actor_id=None, action="api.called", object_type="ApiToken", object_id=token.id,
                              data={"method": request.method, "path": request.path[:200],
                                    "status": response.status_code, "address": (request.remote_addr or "")[:45],
                                    **g.get("api_audit", {})}))
    db.session.commit()
    return response
