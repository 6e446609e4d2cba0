"""Home, health, errors and the headers every page carries."""
from sqlalchemy.exc import OperationalError

from tests import factories


def test_home_shows_latest_openings_search_and_a_door_per_role(client):
    factories.opening(title="Ayudante de cocina")
    page = client.get("/").get_data(as_text=True)
    assert "Ayudante de cocina" in page
    assert 'role="search"' in page and 'name="q"' in page
    for door in ("/registro/estudiante", "/registro/empresa", "/ingresar"):
        assert f'href="{door}"' in page


def test_home_does_not_show_drafts(client):
    factories.opening(title="Borrador secreto", state="draft")
    assert "Borrador secreto" not in client.get("/").get_data(as_text=True)


def test_health_reports_the_database(client):
    response = client.get("/salud")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "rate_limits": "ok", "jobs": "ok"}


def test_health_is_503_when_the_database_is_unreachable(app, client, monkeypatch):
    from portal.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/salud")
    assert response.status_code == 503
    assert response.json["status"] == "error" and response.json["database"] == "unreachable"


def test_unknown_url_gets_a_spanish_404(client):
    response = client.get("/no-existe")
    assert response.status_code == 404
    assert "Página no encontrada".encode() in response.data
    assert b'lang="es"' in response.data


def test_unknown_url_as_htmx_fragment_gets_the_error_fragment(client, htmx_headers):
    response = client.get("/no-existe", headers=htmx_headers)
    assert response.status_code == 404
    assert b'id="error"' in response.data and b"<html" not in response.data


def test_server_error_is_spanish_without_a_stack_trace(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Algo salió mal".encode() in response.data
    assert b"secret internal detail" not in response.data and b"Traceback" not in response.data


def test_database_down_mid_request_gets_a_spanish_503(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/db-down")
    def db_down():
        raise OperationalError("SELECT 1", {}, Exception("could not connect"))

    response = app.test_client().get("/db-down")
    assert response.status_code == 503
    assert b"Servicio no disponible" in response.data


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_the_layout(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "<script " in page
    assert "hx-on" not in page


def test_static_files_are_versioned_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    import re

    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(css)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert re.search(r'src="/static/vendor/htmx-4\.0\.1\.min\.js\?v=[0-9a-f]{12}"', page)


def test_layout_has_skip_link_and_live_notice_area(client):
    page = client.get("/").get_data(as_text=True)
    assert 'class="skip" href="#main"' in page
    assert 'id="notices"' in page and 'aria-live="polite"' in page


def test_no_field_renders_a_none_attribute(client):
    for url in ("/registro/estudiante", "/registro/empresa", "/ingresar", "/recuperar"):
        assert '="None"' not in client.get(url).get_data(as_text=True), url
