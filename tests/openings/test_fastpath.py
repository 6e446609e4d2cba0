"""The listing's fast path (portal/openings/fastpath.py) answers exactly as the app would:
the same status, headers and bytes, a write seen at once, nobody signed in served from it,
the rate limit and the metrics as for any request."""
from __future__ import annotations

import gzip
import logging

import pytest
from sqlalchemy import event

from portal import create_app, metrics
from portal.extensions import db, limiter
from portal.openings import services
from portal.openings.fastpath import ListingFastPath
from tests import factories
from tests.helpers.web import HTMX, CsrfClient, serving

GZIP = {**HTMX, "Accept-Encoding": "gzip"}
QUERIES = ["", "q=electricista", "q=Electricista&familia=", "q=electricista&pagina=1", "tipo=practicas",
           "q=soldador&orden=recientes", "pagina=2", "q=%C3%B1and%C3%BA"]


def _fast_path(app) -> ListingFastPath:
    return app.wsgi_app


@pytest.fixture
def listing(app):
    company = factories.company()
    return [factories.opening(company, title=f"Técnico electricista de mantenimiento {n}") for n in range(25)]


@pytest.fixture
def plain(app, database_url, tmp_path):
    """The same app without the fast path, on the same database: what the app answers."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                        "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": True,
                        "BASE_URL": "http://localhost", "UPLOAD_PATH": str(tmp_path / "plain"),
                        "MAIL_SERVER": "", "MAIL_BACKEND": "console", "LISTING_FAST_PATH": False})
    other.test_client_class = CsrfClient
    assert not isinstance(other.wsgi_app, ListingFastPath)
    yield other
    with other.app_context():
        db.engine.dispose()


def _same(fast, slow, session_cookie: bool = False) -> None:
    """Header by header (in order) and byte for byte, but for the request id's value (and the
    session cookie the app sets, which holds each visitor's own CSRF token)."""
    assert fast.status == slow.status
    names = [name for name, _ in fast.headers]
    assert names == [name for name, _ in slow.headers]
    for (name, mine), (_, theirs) in zip(fast.headers, slow.headers, strict=True):
        if name == "X-Request-ID":
            assert len(mine) == len(theirs) == 32 and mine != theirs
        elif not (session_cookie and name == "Set-Cookie"):
            assert (name, mine) == (name, theirs)
    assert fast.data == slow.data


def test_answers_as_the_app_does_first_and_repeated(app, plain, listing):
    fast, slow = app.test_client(), plain.test_client()
    served, made = _fast_path(app).served, _fast_path(app).made
    for query in QUERIES:
        for _ in range(2):  # the first is made (by Flask, or by the view alone); the repeat is kept
            _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert _fast_path(app).served - served == len(QUERIES)
    # Flask made the first page of results and "Ver más"'s rows (pagina=2) once each; the
    # view alone made every other first answer, with the headers Flask gave those.
    assert _fast_path(app).made - made == len(QUERIES) - 2
    body = gzip.decompress(fast.get("/ofertas?q=electricista", headers=GZIP).data)
    assert body.count(b'<li class="opening">') == 20


def test_an_anonymous_session_cookie_is_answered_as_the_app_does(app, plain, listing):
    fast, slow = app.test_client(), plain.test_client()
    for client in (fast, slow):  # the page puts a CSRF token in the session (a cookie)
        assert client.get("/ofertas").status_code == 200
    served = _fast_path(app).served
    answers = []
    for _ in range(4):  # Flask-Login marks the session on the first fragment (Set-Cookie): never kept
        answers.append(mine := fast.get("/ofertas?q=electricista", headers=GZIP))
        _same(mine, slow.get("/ofertas?q=electricista", headers=GZIP), session_cookie=True)
    assert _fast_path(app).served - served == 2
    assert ["Set-Cookie" in a.headers for a in answers] == [True, False, False, False]


@pytest.mark.parametrize("headers", [
    {"HX-Request": "true", "Accept-Encoding": "gzip"},  # no HX-Request-Type
    {**GZIP, "HX-Request-Type": "full"}, {**GZIP, "HX-Boosted": "true"},
    {**GZIP, "HX-History-Restore-Request": "true"}, HTMX, {**HTMX, "Accept-Encoding": "br"}])
def test_anything_else_goes_to_the_app(app, plain, listing, headers):
    fast, slow = app.test_client(), plain.test_client()
    served = _fast_path(app).served
    for _ in range(3):
        mine, theirs = fast.get("/ofertas?q=electricista", headers=headers), slow.get("/ofertas?q=electricista",
                                                                                        headers=headers)
        assert mine.status == theirs.status and mine.headers.get("Content-Encoding") == theirs.headers.get(
            "Content-Encoding")
    assert fast.head("/ofertas?q=electricista", headers=GZIP).status_code == 200
    assert _fast_path(app).served == served


def test_a_write_is_seen_on_the_very_next_request(app, listing):
    client = app.test_client()
    first = client.get("/ofertas?q=electricista", headers=GZIP)
    assert client.get("/ofertas?q=electricista", headers=GZIP).data == first.data  # kept, served
    served = _fast_path(app).served
    opening = listing[-1]  # the newest: first in the listing
    data = services.data_of(opening)
    data.title = "Técnico electricista de subestaciones"
    services.update_opening(opening, factories.employer(opening.company), data, opening.version)
    after = gzip.decompress(client.get("/ofertas?q=electricista", headers=GZIP).data)
    assert b"subestaciones" in after
    assert _fast_path(app).served == served  # the version moved: the app answered
    again = client.get("/ofertas?q=electricista", headers=GZIP)
    assert gzip.decompress(again.data) == after and _fast_path(app).served == served + 1


def test_a_signed_in_student_never_gets_the_anonymous_bytes(app, plain, client, auth, listing):
    student = factories.student()
    auth.login(student)
    slow = plain.test_client()
    slow.post("/ingresar", data={"email": student.email, "password": factories.PASSWORD})
    anonymous = app.test_client()
    for _ in range(2):  # kept, then served (nothing written since: the same version)
        kept = anonymous.get("/ofertas?q=electricista", headers=GZIP)
    served = _fast_path(app).served
    for _ in range(3):
        mine = client.get("/ofertas?q=electricista", headers=GZIP)
        assert mine.data == slow.get("/ofertas?q=electricista", headers=GZIP).data
        assert mine.data != kept.data  # her cards say whether she may apply
    assert _fast_path(app).served == served


def test_a_rate_limit_still_answers_429(database_url, tmp_path, monkeypatch):
    # Flask-Limiter is one object for every app: the limit set here is taken off after.
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [])
    with serving(database_url, tmp_path / "uploads", RATELIMIT_APPLICATION="3 per minute") as limited:
        client = limited.test_client()
        statuses = [client.get("/ofertas?q=electricista", headers=GZIP).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        assert _fast_path(limited).served == 0


def test_metrics_and_the_access_log_count_it(app, listing, caplog):
    app.config["ACCESS_LOG"] = True
    _fast_path(app)._ready = False  # read the setting again

    def counted() -> float:
        return metrics.REQUESTS.labels("openings.index", "GET", "200")._value.get()

    client = app.test_client()
    client.get("/ofertas?q=electricista", headers=GZIP)
    before, served = counted(), _fast_path(app).served
    with caplog.at_level(logging.INFO, logger="portal.access"):
        answers = [client.get("/ofertas?q=electricista", headers=GZIP) for _ in range(3)]
    assert _fast_path(app).served - served == 3
    assert counted() - before == 3
    lines = [r for r in caplog.records if r.name == "portal.access"]
    assert [r.getMessage().split()[:3] for r in lines] == [["GET", "/ofertas", "200"]] * 3
    assert [r.request_id for r in lines] == [a.headers["X-Request-ID"] for a in answers]
    assert {r.route for r in lines} == {"openings.index"}


def test_the_fast_path_and_the_fragment_store_share_the_bytes(app, listing):
    """An anonymous search the view answered is kept by both stores (the fast path by its
    raw query, the fragment store by the normalised one), but its gzip bytes are held once.
    One rendered from the template alone (`_rendered_here`) never meets the fragment store:
    the fast path alone keeps it."""
    anonymous = app.test_client()
    for query in QUERIES:
        anonymous.get(f"/ofertas?{query}", headers=GZIP)
    kept = [body for _, _, body in _fast_path(app).kept.values()]
    fragments = app.extensions["listing_fragments"]["fragments"]
    assert len(kept) == len(QUERIES) and fragments
    held = {id(fragment.body) for fragment in fragments.values()}
    rendered = _fast_path(app).rendered
    assert 0 < rendered < len(QUERIES)
    assert sum(id(body) in held for body in kept) == len(QUERIES) - rendered


def test_a_first_answer_reads_the_version_once(app, plain, listing):
    """The app's listing takes the version the fast path read when it hands a request on:
    a first answer makes no statement on the app's own pool (on PostgreSQL a read of its own
    was three round trips: the pool's ping, the read, the rollback). Without the fast path
    the app reads it itself."""
    checkouts = []

    def count(app_) -> None:
        with app_.app_context():
            event.listen(db.engine.pool, "checkout", lambda *args: checkouts.append(app_))

    count(app), count(plain)
    fast, slow = app.test_client(), plain.test_client()
    for word in ("electricista", "mantenimiento"):  # the index and each word's openings read
        fast.get(f"/ofertas?q={word}", headers=GZIP)
        slow.get(f"/ofertas?q={word}", headers=GZIP)
    checkouts.clear()
    for query in ("q=electricista&pagina=1", "q=electricista&tipo=empleo", "familia=&q=mantenimiento&orden=cierre"):
        _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert checkouts.count(app) == 0
    assert checkouts.count(plain) == 3


def test_a_lost_connection_is_answered_by_the_app_and_then_made_again(app, plain, listing):
    """The version is read on the driver's own cursor (`versions.reader_on`): when that
    connection is gone, the app answers the request (as it would without the fast path),
    and the next request opens a new connection and is served from memory again."""
    fast, slow = app.test_client(), plain.test_client()
    fast.get("/ofertas?q=electricista", headers=GZIP)
    fast_path = _fast_path(app)
    served = fast_path.served
    fast_path.connections.connection.connection.driver_connection.close()  # the server went away
    _same(fast.get("/ofertas?q=electricista", headers=GZIP), slow.get("/ofertas?q=electricista", headers=GZIP))
    assert fast_path.served == served
    _same(fast.get("/ofertas?q=electricista", headers=GZIP), slow.get("/ofertas?q=electricista", headers=GZIP))
    assert fast_path.served == served + 1


def test_a_first_answer_made_without_flask_is_what_flask_makes(app, plain, listing):
    """Once Flask has answered a page of results, the view alone makes the first answer of
    another search (`_made_here`): the same status, headers and bytes as Flask's. A query
    with a NUL byte, which the app refuses before any view, still goes to Flask."""
    fast, slow = app.test_client(), plain.test_client()
    fast_path = _fast_path(app)
    _same(fast.get("/ofertas?q=electricista", headers=GZIP), slow.get("/ofertas?q=electricista", headers=GZIP))
    made = fast_path.made
    for query in ("q=mantenimiento", "q=t%C3%A9cnico&orden=cierre", "q=nada+de+esto", "tipo=empleo&q=12"):
        _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert fast_path.made - made == 4
    refused = fast.get("/ofertas?q=a%00b", headers=GZIP)
    assert refused.status_code == slow.get("/ofertas?q=a%00b", headers=GZIP).status_code == 400
    assert fast_path.made - made == 4


def test_a_session_the_view_changes_is_answered_by_flask(app, plain, listing):
    """Flask-Login marks a visitor's session on her first fragment, and Flask saves it with a
    Set-Cookie: such a first answer is never made without Flask, even once an answer of the
    same shape (a visitor with a session, the second time) is known."""
    def visitor():
        fast, slow = app.test_client(), plain.test_client()
        for client in (fast, slow):  # the page puts a CSRF token in the session
            assert client.get("/ofertas").status_code == 200
        return fast, slow

    fast, slow = visitor()
    for _ in range(2):
        _same(fast.get("/ofertas?q=electricista", headers=GZIP), slow.get("/ofertas?q=electricista", headers=GZIP),
              session_cookie=True)
    assert _fast_path(app).shapes  # the second answer, without a cookie, taught a shape
    fast, slow = visitor()
    mine = fast.get("/ofertas?q=mantenimiento", headers=GZIP)
    _same(mine, slow.get("/ofertas?q=mantenimiento", headers=GZIP), session_cookie=True)
    assert "Set-Cookie" in mine.headers


def test_a_first_page_rendered_from_the_template_is_what_flask_makes(app, plain, listing):
    """Once the template alone has made one answer exactly as the app did (`_learn_results`),
    a visitor in the same session state gets every first page of results rendered from it:
    the same status, headers and bytes as the app's, in every branch of the fragment
    (results with a pager, none with the filters to drop, a province, another order). A
    later page still goes to the view."""
    fast, slow = app.test_client(), plain.test_client()
    fast_path = _fast_path(app)
    assert fast_path.results_headers == {}
    _same(fast.get("/ofertas?q=electricista", headers=GZIP), slow.get("/ofertas?q=electricista", headers=GZIP))
    assert len(fast_path.results_headers) == 1 and fast_path.rendered == 0
    queries = ["q=mantenimiento", "q=t%C3%A9cnico&orden=cierre", "q=nada+de+esto&tipo=empleo",
               "departamento=15&provincia=1501", "tipo=practicas_profesionales&modalidad=remoto",
               "q=electricista&orden=sueldo", "familia=&programa=&q=%3Cscript%3E", "orden=cierre"]
    for query in queries:
        _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert fast_path.rendered == len(queries)
    html = gzip.decompress(fast.get("/ofertas?familia=&programa=&q=%3Cscript%3E", headers=GZIP).data)
    assert b"&lt;script&gt;" in html and b"<script>" not in html  # escaped, as the view escapes it
    for query in ("q=mantenimiento&pagina=2", "q=t%C3%A9cnico&pagina=9", "q=soldador&pagina=1"):
        _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert fast_path.rendered == len(queries)


def test_a_browsers_searches_are_rendered_once_its_session_is_marked(app, plain, listing):
    """A browser carries the session cookie the page set (its CSRF token). Its first search
    is Flask's (Flask-Login marks the session: Set-Cookie); once a visitor in that marked
    state has had an answer from Flask, every visitor in it (another browser too) gets first
    pages rendered from the template alone, as the app answers them: no Set-Cookie, the same
    headers and bytes."""
    fast_path = _fast_path(app)

    def browser():
        fast, slow = app.test_client(), plain.test_client()
        for client in (fast, slow):  # the page puts a CSRF token in the session (a cookie)
            assert client.get("/ofertas").status_code == 200
        return fast, slow

    fast, slow = browser()
    answers = []
    for query in ("q=electricista", "q=mantenimiento", "q=t%C3%A9cnico", "tipo=empleo"):
        answers.append(mine := fast.get(f"/ofertas?{query}", headers=GZIP))
        _same(mine, slow.get(f"/ofertas?{query}", headers=GZIP), session_cookie=True)
    assert ["Set-Cookie" in a.headers for a in answers] == [True, False, False, False]
    assert fast_path.rendered == 2  # the third and the fourth
    other, other_slow = browser()
    first = other.get("/ofertas?q=soldador", headers=GZIP)  # marked by Flask
    _same(first, other_slow.get("/ofertas?q=soldador", headers=GZIP), session_cookie=True)
    assert "Set-Cookie" in first.headers
    _same(other.get("/ofertas?q=cocina", headers=GZIP), other_slow.get("/ofertas?q=cocina", headers=GZIP),
          session_cookie=True)
    assert fast_path.rendered == 3


def test_a_session_flask_login_would_change_goes_to_the_view(app, plain, listing):
    """A session holding what a marked one holds, but still saying fresh: Flask-Login's
    session protection (this is not the browser it knows) marks it not fresh, so the app
    answers with a Set-Cookie. The template alone loads the visitor as the view does, sees
    the change, and leaves the answer to the app."""
    fast, slow = app.test_client(), plain.test_client()
    for client in (fast, slow):
        assert client.get("/ofertas").status_code == 200
    for query in ("q=electricista", "q=mantenimiento"):  # marked, then the marked state learnt
        fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP)
    rendered = _fast_path(app).rendered
    with app.test_request_context():
        serializer = app.session_interface.get_signing_serializer(app)
        forged = serializer.dumps({"csrf_token": "a" * 40, "_fresh": True})  # the marked state's names
    other, other_slow = app.test_client(), plain.test_client()
    for client in (other, other_slow):
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], forged)
    mine = other.get("/ofertas?q=soldador", headers=GZIP)
    _same(mine, other_slow.get("/ofertas?q=soldador", headers=GZIP), session_cookie=True)
    assert "Set-Cookie" in mine.headers and _fast_path(app).rendered == rendered


def test_the_template_alone_is_not_used_until_it_made_the_apps_answer(app, plain, listing, monkeypatch, caplog):
    """`_learn_results` compares the template's answer with the app's before using it: a
    template answer that differs by a byte (here, a comment added) is never given; the view
    answers every search as before, and after three such answers the template is no longer
    tried (each try renders the fragment twice), which the log says."""
    from portal.openings import fastpath, routes

    def off_by_a_comment(args):
        made = routes.first_results(args)
        return made and (made[0] + "<!-- -->", made[1])

    tried = []
    monkeypatch.setattr(fastpath, "first_results", lambda args: tried.append(1) or off_by_a_comment(args))
    fast, slow = app.test_client(), plain.test_client()
    fast_path = _fast_path(app)
    with caplog.at_level(logging.WARNING):
        for query in ("q=electricista", "q=mantenimiento", "tipo=empleo", "q=electricista&orden=cierre",
                      "q=soldador", "q=cocina"):
            fast_path.shapes.clear()  # Flask answers each: each is a chance to learn
            _same(fast.get(f"/ofertas?{query}", headers=GZIP), slow.get(f"/ofertas?{query}", headers=GZIP))
    assert fast_path.results_headers == {} and fast_path.rendered == 0
    assert len(tried) == 3 and fast_path.results_misses == 3
    assert "the results template alone made 3 answers unlike the app's" in caplog.text


def test_a_server_thread_learns_and_renders_without_the_tests_context(app, plain, listing):
    """Over real HTTP, from the server's own threads (none has the test's app context), the
    first answer teaches the template's way and the next search is rendered from it: as
    gunicorn's workers run it, each answer the app's."""
    import http.client
    from urllib.parse import urlsplit

    from tests.helpers.live import served

    slow = plain.test_client()
    with served(app) as base:
        address = urlsplit(base)
        for query in ("q=electricista", "q=mantenimiento&tipo=empleo", "q=nada"):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            connection.request("GET", f"/ofertas?{query}", headers=GZIP)
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
            theirs = slow.get(f"/ofertas?{query}", headers=GZIP)
            assert (answer.status, body, answer.getheader("HX-Push-Url")) == (
                200, theirs.data, theirs.headers["HX-Push-Url"])
    assert _fast_path(app).rendered == 2
