"""robots.txt and sitemap.xml: what crawlers may read, and every open opening with its last change."""
import re
import xml.etree.ElementTree as ET

from portal.extensions import db
from portal.openings import queries
from portal.pages import crawlers
from tests import factories

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _rules(text: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Disallow:")]


def _disallowed(path: str, rules: list[str]) -> bool:
    """RFC 9309 matching: a rule is a path prefix, "*" any characters, "$" the path's end."""
    for rule in rules:
        pattern = re.escape(rule).replace(r"\*", ".*").replace(r"\$", "$")
        if re.match(pattern, path):
            return True
    return False


def test_robots_allows_the_public_pages_and_keeps_crawlers_out_of_private_areas(app, client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Set-Cookie" not in response.headers
    text = response.get_data(as_text=True)
    assert "User-agent: *" in text and "Sitemap: http://localhost/sitemap.xml" in text
    rules = _rules(text)
    for path in ("/", "/ofertas", "/ofertas?tipo=empleo", "/ofertas/12", "/ofertas/12/tarjeta.png", "/ofertas.atom",
                 "/empresas/3/logo", "/sitemap.xml"):
        assert not _disallowed(path, rules), path
    for path in ("/estudiante", "/estudiante/perfil", "/empresa", "/empresa/ofertas/nueva", "/coordinador/estudiantes",
                 "/admin/usuarios", "/ingresar", "/registro/estudiante", "/recuperar", "/cuenta", "/notificaciones",
                 "/panel", "/coordinacion/bienvenida/x", "/bienvenida/x", "/seguimiento/x"):
        assert _disallowed(path, rules), path


def test_every_get_page_is_either_public_or_kept_from_crawlers(app):
    """A new page must be decided: listed as public in portal/pages/crawlers.py, or disallowed."""
    with app.test_request_context():
        rules = _rules(crawlers.robots_txt())
    undecided = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in crawlers.PUBLIC:
            continue
        # The rule's fixed start: a prefix kept from crawlers keeps every path under it.
        if not _disallowed(rule.rule.split("<")[0], rules):
            undecided.append(rule.rule)
    assert undecided == []


def test_the_sitemap_lists_every_open_opening_with_its_last_change(client):
    shown = factories.opening()
    older = factories.opening(title="Soldador")
    closed = factories.opening(state="closed")
    draft = factories.opening(state="draft")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "Set-Cookie" not in response.headers
    urlset = ET.fromstring(response.data)
    entries = {u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod") for u in urlset.findall(f"{SITEMAP}url")}
    assert "http://localhost/" in entries and "http://localhost/ofertas" in entries
    for opening in (shown, older):
        lastmod = entries[f"http://localhost/ofertas/{opening.id}"].text
        assert lastmod == opening.updated_at.isoformat(timespec="seconds") + "Z"
    assert f"http://localhost/ofertas/{closed.id}" not in entries
    assert f"http://localhost/ofertas/{draft.id}" not in entries


def test_the_sitemap_follows_every_write_exactly(client):
    opening = factories.opening()
    first = client.get("/sitemap.xml").data
    assert client.get("/sitemap.xml").data == first  # kept while nothing changed
    opening.title = "Electricista industrial"
    db.session.commit()
    second = client.get("/sitemap.xml")
    lastmod = opening.updated_at.isoformat(timespec="seconds") + "Z"
    assert f"<lastmod>{lastmod}</lastmod>".encode() in second.data
    new = factories.opening(title="Gasfitero")
    assert f"/ofertas/{new.id}<".encode() in client.get("/sitemap.xml").data
    opening.state = "closed"
    db.session.commit()
    answer = client.get("/sitemap.xml").data
    assert f"/ofertas/{opening.id}<".encode() not in answer
    # What a fresh read says, the cached answer says.
    expected = {f"http://localhost/ofertas/{i}" for i, _ in queries.sitemap_openings()}
    listed = {u.find(f"{SITEMAP}loc").text for u in ET.fromstring(answer).findall(f"{SITEMAP}url")}
    assert listed - {"http://localhost/", "http://localhost/ofertas"} == expected


def test_the_sitemap_is_served_compressed_from_memory_and_plain_on_request(client):
    factories.opening()
    gz = client.get("/sitemap.xml", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    plain = client.get("/sitemap.xml", headers={"Accept-Encoding": "identity"})
    import gzip

    assert gzip.decompress(gz.data) == plain.data


def test_past_one_files_limit_the_sitemap_is_an_index_of_parts(client, monkeypatch):
    monkeypatch.setattr(crawlers, "SITEMAP_LIMIT", 4)  # two openings a part besides the public pages
    made = [factories.opening(title=f"Oferta {n}") for n in range(5)]
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [s.find(f"{SITEMAP}loc").text for s in index.findall(f"{SITEMAP}sitemap")]
    assert parts == [f"http://localhost/sitemap.xml?parte={n}" for n in (1, 2, 3)]
    listed = []
    for n, url in enumerate(parts, start=1):
        urlset = ET.fromstring(client.get(url.removeprefix("http://localhost")).data)
        locs = [u.find(f"{SITEMAP}loc").text for u in urlset.findall(f"{SITEMAP}url")]
        assert len(locs) <= 4
        assert ("http://localhost/" in locs) == (n == 1)
        listed += locs
    assert sorted(listed) == sorted(["http://localhost/", "http://localhost/ofertas",
                                     *(f"http://localhost/ofertas/{o.id}" for o in made)])
    for missing in (4, 0, -1):  # past the last part, or no part at all
        assert client.get(f"/sitemap.xml?parte={missing}").status_code == 404
