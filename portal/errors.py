"""Spanish error pages, and fragments of them for htmx requests; and, when SENTRY_DSN is
set, each unexpected error reported to Sentry (or a compatible service such as GlitchTip)
without personal data: no cookies, no form bodies, no user or address, only the request
id that the person's page and the logs also carry."""
import json

import sentry_sdk
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sentry_sdk.integrations.flask import FlaskIntegration
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import config, htmx
from portal.extensions import db, login_manager

MESSAGES = {
    400: ("Solicitud no válida", "No pudimos procesar lo que enviaste. Vuelve a intentarlo."),
    403: ("Acceso no permitido", "Tu cuenta no tiene permiso para ver esta página."),
    404: ("Página no encontrada", "La página que buscas no existe o ya no está disponible."),
    405: ("Método no permitido", "Esta dirección no acepta esa acción."),
    409: ("Conflicto", "Alguien cambió estos datos mientras los editabas. Revisa la versión actual."),
    413: ("Archivo demasiado grande", "El archivo supera el tamaño permitido."),
    429: ("Demasiados intentos", "Hiciste demasiados intentos seguidos. Espera unos minutos y vuelve a intentarlo."),
    500: ("Algo salió mal", "Tuvimos un problema al atender tu solicitud. Ya quedó registrado; inténtalo de nuevo en unos minutos."),
    503: ("Servicio no disponible", "El portal no puede atenderte en este momento. Vuelve a intentarlo en unos minutos."),
}


# The API's answers (/api/v1, portal/api): RFC 9457 problem details, in Spanish, for a
# program and the person who reads its logs.
API_MESSAGES = {
    400: ("Solicitud no válida", "No pudimos leer la solicitud: revisa que el cuerpo sea JSON válido."),
    401: ("Falta autenticación", "Esta operación necesita un token de API válido en la cabecera "
          "Authorization: Bearer <token>. Pídelo a la coordinación de tu CETPRO."),
    403: ("Permiso insuficiente", "El token no tiene el permiso que esta operación necesita."),
    404: ("No encontrado", "Esta dirección no existe en la API. La documentación está en /api/v1/docs."),
    405: ("Método no permitido", "Esta dirección de la API no acepta ese método HTTP."),
    409: ("Conflicto", "Otra solicitud cambió estos datos al mismo tiempo. Vuelve a intentarlo."),
    413: ("Solicitud demasiado grande", "El cuerpo de la solicitud supera el tamaño permitido."),
    415: ("Tipo de contenido no admitido", "Envía el cuerpo como JSON (Content-Type: application/json)."),
    422: ("Datos no válidos", "Algunos datos de la solicitud no son válidos."),
    429: ("Demasiadas solicitudes", "Este token hizo demasiadas llamadas seguidas. Espera los segundos que "
          "indica Retry-After y vuelve a intentarlo."),
    500: ("Error interno", "Tuvimos un problema al atender la solicitud. Ya quedó registrado; vuelve a "
          "intentarlo en unos minutos."),
    503: ("Servicio no disponible", "La API no puede atenderte en este momento. Vuelve a intentarlo en unos "
          "minutos."),
}


def is_api_path(path: str) -> bool:
    """Whether a path is under the API's root (/api/…, from the API blueprint's declared
    prefix /api/v1): a call there gets no pages and no cookies, and problem details."""
    root = current_app.blueprints["api"].url_prefix.rsplit("/", 1)[0]
    return path.startswith(root + "/")


def is_api() -> bool:
    """Whether this request is a call to the API (no pages, no cookies: problem details)."""
    return has_request_context() and is_api_path(request.path)


def problem(status: int, detail: str | None = None, **extra) -> Response:
    """An RFC 9457 `application/problem+json` answer with a Spanish `detail`; `extra` adds
    members (e.g. `errors`: the fields refused and why)."""
    title, message = API_MESSAGES.get(status, API_MESSAGES[500])
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or message, **extra}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def error_response(status: int, detail: str | None = None):
    if is_api():
        return problem(status, detail)
    title, message = MESSAGES.get(status, MESSAGES[500])
    return htmx.render(
        "errors/error.html",
        "errors/_error.html",
        status=status,
        code=status,
        title=title,
        message=detail or message,
    )


def _tag_request(event, _hint):
    if has_request_context() and g.get("request_id"):
        event.setdefault("tags", {})["request_id"] = g.request_id
    return event


def init_reporting(dsn: str, environment: str) -> None:
    """Report unexpected errors to `dsn`; personal data stays out (no user, cookies, headers,
    query strings, request bodies or local variables: forms and rows carry DNIs, phones, passwords)."""
    off = {"mode": "off"}
    sentry_sdk.init(dsn=dsn, environment=environment, integrations=[FlaskIntegration()], traces_sample_rate=0,
                    before_send=_tag_request,
                    data_collection={"user_info": False, "cookies": off, "http_headers": {"request": off},
                                     "http_bodies": [], "url_query_params": off, "database_query_data": False,
                                     "stack_frame_variables": False})


def init_app(app: Flask) -> None:
    if dsn := app.config.get("SENTRY_DSN"):
        init_reporting(dsn, "production" if config.production() else "development")

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400, "Tu sesión expiró o el formulario no es válido. Recarga la página e inténtalo de nuevo."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if is_api() and error.response is not None:
            return error.response  # an API problem that names its fields (portal/api/problems.py)
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            # A limit that explains itself (in Spanish); the others get the generic page.
            return error_response(429, error.description)
        return error_response(error.code)

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        app.logger.error("database unavailable: %s", error)
        db.session.rollback()
        # Draw the page as for a visitor: loading (or refreshing) the signed-in user needs
        # the database again, and failing inside this handler would end in a bare 500.
        g._login_user = login_manager.anonymous_user()
        return error_response(503)

    @app.teardown_appcontext
    def close_session(_error) -> None:
        # Runs before Flask-SQLAlchemy's own teardown. If the database went away after the
        # answer was ready (a restart), the closing rollback fails on the dead connection;
        # the connection is already discarded, so closing again succeeds. Without this the
        # finished answer became gunicorn's bare 500.
        try:
            db.session.remove()
        except OperationalError as error:
            app.logger.warning("database connection lost at the end of a request: %s", error)
            db.session.remove()

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        return error_response(500)
