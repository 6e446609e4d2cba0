"""Response headers that every page carries (OWASP ASVS V14), and the one input refused
before any view sees it."""
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from portal.errors import error_response, is_api_path

# htmx runs without eval here: no hx-on, no js: values, no trigger filters.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


EVERY_PAGE = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
              ("Referrer-Policy", "strict-origin-when-cross-origin"), ("X-Frame-Options", "DENY"),
              ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"))
HSTS = (("Strict-Transport-Security", "max-age=31536000"),)  # only where cookies are Secure (HTTPS)


NUL_REFUSED = ("Lo que enviaste tiene un carácter no válido (un byte nulo), quizá al copiar y pegar. "
               "Revisa el texto y vuelve a intentarlo.")


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    for data in (request.args, request.form):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class NoSessionOnApi(SecureCookieSessionInterface):
    """The signed-cookie session, except on the API (/api/…): a call there starts from an
    empty session whatever cookie it brings (a browser's session signs nobody in to the
    API), and its answer never sets the session cookie. Tokens are the API's only credential.

    The signing serializer is built once per secret (the key and its fallbacks): Flask
    builds it anew each time it opens or saves a session, twice a request."""

    _signing: tuple = ((), None)

    def get_signing_serializer(self, app):
        secret = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made_for, serializer = self._signing
        if made_for != secret:
            serializer = super().get_signing_serializer(app)
            self._signing = (secret, serializer)
        return serializer

    def open_session(self, app, request):
        if is_api_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if is_api_path(request.path):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = NoSessionOnApi()

    @app.before_request
    def refuse_nul_bytes():
        # Nobody types a NUL byte, and PostgreSQL text cannot hold one (the driver raises: a 500).
        if _has_nul():
            return error_response(400, NUL_REFUSED)
        return None

    @app.after_request
    def set_headers(response: Response) -> Response:
        # Each added unless the view set its own, in one look at the headers already there
        # (five `setdefault`s cost five scans).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        for name, value in (*EVERY_PAGE, *(HSTS if app.config.get("SESSION_COOKIE_SECURE") else ())):
            if name.lower() not in present:
                headers.add(name, value)
        if "cache-control" not in present and request.endpoint != "static" and response.mimetype == "text/html":
            # Pages hold personal data: never let a shared cache keep them.
            headers.add("Cache-Control", "no-store")
        return response
