"""Spanish error pages, and fragments of them for htmx requests."""
from flask import Flask, g
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal import htmx
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


def error_response(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return htmx.render(
        "errors/error.html",
        "errors/_error.html",
        status=status,
        code=status,
        title=title,
        message=detail or message,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400, "Tu sesión expiró o el formulario no es válido. Recarga la página e inténtalo de nuevo."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
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
