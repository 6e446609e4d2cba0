"""An anonymous listing fragment, answered before Flask's stack: from memory when repeated,
by the view alone or its results template alone when first asked.

The listing's fragment is kept in memory already (portal/openings/fragments.py), yet a
repeated one still cost about 2 ms in process: Flask's contexts, Flask-Limiter,
Flask-Login, the security, metrics and request-id hooks, Werkzeug's headers. This WSGI
middleware, wrapped around `app.wsgi_app`, answers the commonest request of all — an
anonymous visitor's htmx search asked before — with the exact status, headers and gzip
bytes the app sent the last time it answered that request, without entering Flask.

What it keeps is what the app itself answered: the first time a request qualifies it goes
through Flask, and a 200 gzip answer without Set-Cookie is kept under (the open openings'
version, the raw query string, the visitor's session class). So the headers are the app's
own (security headers, CSP, Vary, Cache-Control, HX-Push-Url, Content-Length), only the
X-Request-ID is new, made as portal/logs.py makes it. The app's fragment store (keyed by the
normalised query, so two spellings of a search are one entry there) holds the same bytes
object: Werkzeug hands the body over as it is and a one-part join returns it, so an
anonymous search's bytes are held once per process, with two small entries pointing at it. A request qualifies when it is
certain to get the same answer:

- GET of the listing's URL, htmx 4's partial request (`HX-Request: true`,
  `HX-Request-Type: partial`, neither boosted nor a history restore), accepting gzip;
- anonymous: no remember-me cookie, and either no session cookie or one that the app's
  own serializer reads with nobody signed in (`_user_id` absent). The session's content
  besides its CSRF token (Flask-Login's `_fresh` mark) is part of the key, so a session
  the app would change (and answer with Set-Cookie) is never answered from here;
- the version read now (`versions.current` and Lima's date, as the listing reads them on
  every request, on a connection of its own in autocommit mode) is the one the answer was kept under: a
  write in any process is seen on the next request, and the store empties when it moves.
  When Flask answers, the app's listing takes this read as its own (`VERSION_KEY`) rather
  than reading again, so a first answer makes no statement on the app's pool at all;
- Flask-Limiter puts no limit on the listing (it has none today). With any limit that
  could apply (application, default, meta, the view's or blueprint's) the middleware
  answers nothing and Flask counts every request.

A first answer to such a request (a search not asked since the version moved) is made by
the listing's view alone, in request and app contexts of its own, without the app's
before- and after-request functions (a third of a first answer's time), when what those
functions would add is known. They read of an answer only its status, its headers and
the session (its content, empty, permanent, read, changed), and for this request (anonymous, GET,
unlimited, no NUL byte, which `security` refuses) they do nothing else that shows. So the
first time the view answers with a given shape (the status and the view's headers but for
the length and the pushed URL, and the session's state), Flask answers and its headers
are learnt (`_learn_shape`: the view is run again on that request, finds the fragment in
the store, and must give the same body); later answers of that shape get those headers
with their own length and URL. A view that raised, answered in another shape, or changed
the session (Flask would set a cookie) leaves the request to Flask.

A search's first page of results is made cheaper still (`_rendered_here`): the listing's
template alone renders it (`routes.first_results`), in contexts of its own where the session
is opened and the visitor loaded as for the view (Flask-Login's session protection
included; a session that would change goes to the view), and it gets the headers Flask gave
a page of results for a visitor in the same session state (`_state`: the names of what the
session holds, not the values). A state's headers are learnt from an answer Flask gave
(`_learn_results`), and only when the template alone made that request's answer byte for
byte as the app did, pushed URL included. A later page ("Ver más"'s rows) is the view's. It
is the same template and the same search as the view's, without the view's response, Flask's
render_template (the fragment reads no context processor) and the fragment store.

Anything else — a signed-in student, another method or header, an answer that was not a
plain 200 — goes to Flask unchanged. What the app's hooks record is recorded here too, for
the answers given from here: the request counter and latency of portal/metrics.py
(endpoint `openings.index`), and the access log line of portal/logs.py.

The trade-off: one more place that must know what the listing's answer depends on. If
the fragment ever depends on something besides the version, the query, the htmx headers
and the session's content (a cookie of its own, a header), this key must learn it; and
if an app-wide before- or after-request function ever does something for a listing
request besides its headers (a count of its own, a log line), it must be done here too,
as the metrics and the access log are. tests/openings/test_fastpath.py compares the
answers with the app's without this path, header by header and byte for byte.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from http.cookies import SimpleCookie

from flask import Flask, Response, g, request
from flask_login import current_user
from flask_login.config import COOKIE_NAME
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from portal import clock, logs, metrics, versions
from portal.extensions import db, limiter, limits_may_apply
from portal.openings import fragments
from portal.openings.index import VERSION_KEY
from portal.openings.routes import first_results

ENDPOINT = "openings.index"
LIMIT = 2048  # answers kept per process (a fragment of a few KB each)
SHAPES = 16  # the view's answers' shapes learnt (a page of results, "Ver más"'s rows…)
VARIES = frozenset({"Content-Length", "HX-Push-Url"})  # what differs between answers of one shape
LEARN_TRIES = 3  # answers the template alone may differ from before it is no longer tried
CSRF_KEY = "csrf_token"  # Flask-WTF's token: the fragment never shows it


class ListingFastPath:
    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.kept: OrderedDict = OrderedDict()
        self.version = None
        self.lock = threading.Lock()
        self.served = 0  # repeated answers given from here (tests read it)
        self.made = 0  # first answers made here, by the view alone or from the template (tests read it)
        self.rendered = 0  # of those, rendered from the template alone (`_rendered_here`; tests read it)
        self.shapes: dict = {}  # Flask's headers by the view's answer's shape (`_view_alone`)
        # Flask's headers for a page of results, by the visitor's session state (`_learn_results`).
        self.results_headers: dict[tuple, list] = {}
        self.results_misses = 0  # answers the template alone made otherwise than the app
        self.connections = threading.local()  # one database connection per thread
        self._ready = False

    def _prepare(self) -> None:
        """What needs the finished app (its routes, engine and limits), once."""
        app = self.app
        with app.app_context():
            # Its own engine, without a pool: the connection each thread keeps takes no
            # place in the app's pool (threaded workers would otherwise drain it).
            options = {k: v for k, v in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).items()
                       if not k.startswith(("pool", "max_overflow"))}
            self.engine = create_engine(db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", **options)
            self.path = next(app.url_map.iter_rules(ENDPOINT)).rule
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.max_age = int(app.permanent_session_lifetime.total_seconds())
        self.trust_proxy_id = bool(app.config.get("TRUSTED_PROXIES", 0))
        self.log_access = bool(app.config.get("ACCESS_LOG", False))
        self.unlimited = not limiter.enabled or not limits_may_apply(app, ENDPOINT)
        self.view = app.view_functions[ENDPOINT]
        self._ready = True

    def __call__(self, env, start_response):
        if not self._ready:
            self._prepare()
        key = self._key(env)
        if key is None:
            return self.wsgi_app(env, start_response)
        started = time.perf_counter()
        try:
            version = self._current_version()
        except Exception:  # noqa: BLE001 - the database went away: Flask answers (and says so)
            self._disconnect()
            return self.wsgi_app(env, start_response)
        with self.lock:
            if self.version != version:
                self.version, self.kept = version, OrderedDict()
            held = self.kept.get(key)
            if held is not None:
                self.kept.move_to_end(key)
        if held is None:
            # The app's listing uses this read rather than making its own (VERSION_KEY).
            env[VERSION_KEY] = version
            held = self._made_here(env, key)
            if held is None:
                return self._through_flask(env, start_response, version, key)
            self._keep(version, key, held)
            self.made += 1
        else:
            self.served += 1
        status, headers, body = held
        request_id = logs.request_id(env.get("HTTP_X_REQUEST_ID", "") if self.trust_proxy_id else "")
        start_response(status, [(name, request_id if name == "X-Request-ID" else value) for name, value in headers])
        elapsed = time.perf_counter() - started
        metrics.REQUESTS.labels(ENDPOINT, "GET", "200").inc()
        metrics.LATENCY.labels(ENDPOINT).observe(elapsed)
        if self.log_access:
            logs.log_access("GET", env.get("PATH_INFO", ""), 200, elapsed, request_id=request_id, route=ENDPOINT)
        return [body]

    def _key(self, env):
        """What the answer depends on, or None when this request is not certainly anonymous
        and repeated-able (then Flask answers it)."""
        if (env.get("REQUEST_METHOD") != "GET" or env.get("PATH_INFO") != self.path
                or env.get("HTTP_HX_REQUEST") != "true" or env.get("HTTP_HX_REQUEST_TYPE") != "partial"
                or "HTTP_HX_BOOSTED" in env or "HTTP_HX_HISTORY_RESTORE_REQUEST" in env
                or "gzip" not in env.get("HTTP_ACCEPT_ENCODING", "").lower() or not self.unlimited):
            return None
        session = ()
        if cookie := env.get("HTTP_COOKIE"):
            session = self._anonymous_session(cookie)
            if session is None:
                return None
        return env.get("QUERY_STRING", ""), session

    def _anonymous_session(self, cookie_header: str):
        """The session's content besides its CSRF token when nobody is signed in, else None."""
        try:
            cookies = SimpleCookie(cookie_header)
        except Exception:  # noqa: BLE001 - a header the standard parser refuses: Flask decides
            return None
        if self.remember_cookie in cookies:
            return None
        morsel = cookies.get(self.session_cookie)
        if morsel is None:
            return ()
        try:
            data = self.serializer.loads(morsel.value, max_age=self.max_age)
        except Exception:  # noqa: BLE001 - expired or forged: Flask starts a new session (Set-Cookie)
            return None
        if not isinstance(data, dict) or "_user_id" in data:
            return None
        return tuple(sorted((name, repr(value)) for name, value in data.items() if name != CSRF_KEY))

    def _current_version(self) -> tuple:
        """As the app reads it (`versions.current`), on this thread's own connection, kept
        in autocommit mode: each read sees the last commit and no transaction stays open.
        A pool checkout per request (with its ping and reset) cost most of an answer, and
        SQLAlchemy's execution of the read more than the read (`versions.reader_on`)."""
        read = getattr(self.connections, "read", None)
        if read is None:
            connection = self.connections.connection = self.engine.connect()
            read = self.connections.read = versions.reader_on(connection, "openings")
        return read(), clock.today()

    def _disconnect(self) -> None:
        connection = getattr(self.connections, "connection", None)
        self.connections.connection = self.connections.read = None
        if connection is not None:
            try:
                connection.invalidate()
            except Exception:  # noqa: BLE001 - already gone
                pass

    def _through_flask(self, env, start_response, version, key):
        """Flask's answer, kept when it can be given again as it is."""
        answered = {}

        def keep_start(status, headers, exc_info=None):
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        iterable = self.wsgi_app(env, keep_start)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        headers = answered.get("headers", [])
        names = [name.lower() for name, _ in headers]
        if (answered.get("status") == "200 OK" and "set-cookie" not in names and "x-request-id" in names
                and ("Content-Encoding", "gzip") in headers):
            self._keep(version, key, (answered["status"], list(headers), body))
            if len(self.shapes) < SHAPES and names.count("content-length") == 1:
                self._learn_shape(env, key, headers, body)
                self._learn_results(env, headers, body)
        return [body]

    def _keep(self, version, key, answer) -> None:
        with self.lock:
            if self.version == version:
                self.kept[key] = answer
                while len(self.kept) > LIMIT:
                    self.kept.popitem(last=False)

    # --- A first answer without Flask's hooks -------------------------------------------

    def _made_here(self, env, key):
        """This request's answer made here, when what Flask's hooks would add to it is known:
        a first page of results from the template alone, for a visitor in a session state
        Flask answered such a page for (`_learn_results`); else by the listing's view alone,
        which answered with the same shape as for an answer Flask gave (`_learn_shape`).
        Flask's headers are that answer's, with this body's length and pushed URL (and a
        request id of its own). None: Flask answers it."""
        query = env.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return None  # portal/security.py refuses it (400)
        if self.results_headers and "pagina" not in query:  # a later page may be "Ver más"'s rows
            made = self._rendered_here(env)
            if made is not None and (flask_headers := self.results_headers.get(made[0])) is not None:
                self.rendered += 1
                return self._answer(flask_headers, *made[1:])
        made = self._view_alone(env, key)
        if made is None:
            return None
        shape, response = made
        flask_headers = self.shapes.get(shape)
        if flask_headers is None:
            return None
        return self._answer(flask_headers, response.get_data(), response.headers.get("HX-Push-Url"))

    @staticmethod
    def _answer(flask_headers, body: bytes, pushed: str | None):
        """Flask's headers of an answer of this shape, with this body's length and pushed URL."""
        own = {"Content-Length": str(len(body)), "HX-Push-Url": pushed}
        return "200 OK", [(name, own.get(name, value)) for name, value in flask_headers], body

    # --- A first page of results from the template alone ----------------------------------

    def _rendered_here(self, env):
        """(session state, gzip body, pushed URL) of a search's first page of results,
        rendered from the listing's template alone (`routes.first_results`), in a request
        context of its own as `_view_alone`'s: the session opened and the visitor loaded as
        the view would have them (Flask-Login's session protection included), but without
        the view's response, Flask's render_template and the fragment store. The state is
        what Flask's answer besides the fragment depends on (`_state`). None for anything
        else (a later page, a session the loading changed, an error): the view answers it."""
        try:
            with self._contexts(env) as context:
                if context.session and current_user.is_authenticated:  # loaded as the view would
                    return None
                made = first_results(request.args)
                if made is None or context.session.modified:
                    return None
                return _state(context.session), fragments.compress(made[0].encode()), made[1]
        except Exception:  # noqa: BLE001 - the view runs it again, and answers and logs as it does
            return None

    def _learn_results(self, env, headers, body) -> None:
        """Flask's headers for a page of results of a visitor in this session state, once the
        template alone has made this request's answer exactly (`_rendered_here`): the same
        bytes and the same pushed URL as the app's own answer (`headers`, `body`, which had
        no Set-Cookie: the session was left as it came)."""
        if len(self.results_headers) >= SHAPES or self.results_misses >= LEARN_TRIES:
            return
        made = self._rendered_here(env)
        if made is None or made[0] in self.results_headers:
            return
        if made[1:] == (body, dict(headers).get("HX-Push-Url")):
            self.results_headers[made[0]] = list(headers)
            return
        self.results_misses += 1
        if self.results_misses == LEARN_TRIES:
            # A fragment that reads something the template alone lacks (a context
            # processor's value): the view answers every first search, as before.
            self.app.logger.warning("listing fast path: the results template alone made %d answers unlike "
                                    "the app's; first searches are answered by the view", LEARN_TRIES)

    @contextmanager
    def _contexts(self, env):
        """App and request contexts of its own for this request, as Flask's (whatever context
        the caller has: a test's app context would share its `g`, where Flask-Login keeps the
        user); yields the request context, its session opened."""
        with self.app.app_context(), self.app.request_context(dict(env)) as context:
            if not context.session:
                # No remember-me cookie (`_key`) and an empty session: Flask-Login's loader
                # would find nobody and make the anonymous user (as errors.py does).
                g._login_user = self.app.login_manager.anonymous_user()
            yield context

    def _view_alone(self, env, key):
        """(shape, response) of the listing's view run in a request context of its own,
        without the app's before- and after-request functions. The shape is all the after-
        request functions (security headers, the session's cookie and Vary) read of an
        answer: its status and headers but for the length and pushed URL, and the session:
        its content besides the CSRF token (the key's), whether it is empty, permanent and
        was read. None when the view raised, answered something else than a response, or
        changed the session (Flask sets a cookie then)."""
        try:
            with self._contexts(env) as context:
                response = self.view()
                session = context.session
                if not isinstance(response, Response) or session.modified:
                    return None
                shape = (response.status_code, key[1], bool(session), session.permanent, session.accessed,
                         tuple((name, "" if name in VARIES else value) for name, value in response.headers.items()))
                response.get_data()
        except Exception:  # noqa: BLE001 - Flask runs the view again, and answers and logs as it does
            return None
        return shape, response

    def _learn_shape(self, env, key, flask_headers, body) -> None:
        """Flask's headers for answers of the view's shape for this request (which Flask
        has just answered with `flask_headers` and `body`: the view alone now finds the
        fragment in the app's store, and must give the same body)."""
        made = self._view_alone(env, key)
        if made is not None and made[1].get_data() == body:
            self.shapes.setdefault(made[0], list(flask_headers))


def _state(session) -> tuple:
    """What the app's after-request functions read of an anonymous visitor's session that the
    view left unchanged (it reads it: Flask-Login): which values it holds besides the CSRF
    token, whether it is empty and permanent. Not the values, which may differ between
    visitors (each has a CSRF token of its own) and change no header."""
    return frozenset(name for name in session if name != CSRF_KEY), bool(session), session.permanent


def install(app: Flask) -> None:
    """Wrap the app's WSGI callable (LISTING_FAST_PATH, on by default)."""
    if app.config.get("LISTING_FAST_PATH", True):
        app.wsgi_app = ListingFastPath(app, app.wsgi_app)
