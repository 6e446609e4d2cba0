"""`/ofertas.atom?<the listing's query>`: the same search as the listing, as an Atom feed."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime

from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, query: str = ""):
    response = client.get(f"/ofertas.atom{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return response, ET.fromstring(response.data)


def _ids(feed) -> set[int]:
    return {int(e.find(f"{ATOM}id").text.rsplit("/", 1)[1]) for e in feed.findall(f"{ATOM}entry")}


def _listed(client, query: str) -> set[int]:
    html = client.get(f"/ofertas{query}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'href="/ofertas/(\d+)"', html)}


def test_the_feed_is_valid_atom_with_an_entry_per_open_opening(client):
    company = factories.company(trade_name="ElectroSur")
    opening = factories.opening(company, title="Técnico electricista")
    factories.opening(state="closed", title="Cerrada")
    response, feed = _feed(client)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == "http://localhost/ofertas.atom"
    assert feed.find(f"{ATOM}title").text.startswith("Ofertas de prácticas y empleo")
    datetime.fromisoformat(feed.find(f"{ATOM}updated").text)  # RFC 3339
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "http://localhost/ofertas.atom"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Técnico electricista"
    assert entry.find(f"{ATOM}id").text == f"http://localhost/ofertas/{opening.id}"
    assert entry.find(f"{ATOM}link").get("href") == f"http://localhost/ofertas/{opening.id}"
    for key in ("published", "updated"):
        assert datetime.fromisoformat(entry.find(f"{ATOM}{key}").text).tzinfo is not None
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "ElectroSur"
    assert "Empleo · ElectroSur (empresa verificada) · Arequipa" in entry.find(f"{ATOM}summary").text
    assert "Set-Cookie" not in response.headers
    assert "public" in response.headers["Cache-Control"]


def test_the_filters_and_words_apply_as_in_the_listing(client):
    lima = factories.opening(title="Electricista en Lima", department_code="15", province_code="1501")
    arequipa = factories.opening(title="Electricista en Arequipa")
    internship = factories.opening(title="Practicante electricista", kind="practicas_profesionales",
                                   hours_per_day=None, hours_per_week=None)
    cook = factories.opening(title="Ayudante de cocina")
    for query, expected in [
        ("?departamento=15", {lima.id}),
        ("?tipo=empleo&departamento=04", {arequipa.id, cook.id}),
        ("?q=electricista", {lima.id, arequipa.id, internship.id}),
        ("?q=electricista&tipo=practicas_profesionales", {internship.id}),
        ("?q=cocina", {cook.id}),
    ]:
        _, feed = _feed(client, query)
        assert _ids(feed) == _listed(client, query) == expected, query
    _, feed = _feed(client, "?departamento=15")
    assert feed.find(f"{ATOM}id").text == "http://localhost/ofertas.atom?departamento=15"
    assert "Lima" in feed.find(f"{ATOM}title").text


def test_what_people_typed_is_escaped_text(client):
    title = '<b>Soldador</b> & "armador" <![CDATA[x]]>'
    factories.opening(title=title, description="</content><entry>falsa</entry>")
    response, feed = _feed(client, "?q=soldador")
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == title
    assert entry.find(f"{ATOM}content").text == "</content><entry>falsa</entry>"
    assert b"<b>Soldador" not in response.data


def test_the_listing_links_the_feed_of_its_own_search(client):
    factories.opening()
    html = client.get("/ofertas?tipo=empleo&pagina=1&q=electricista").get_data(as_text=True)
    link = '<link rel="alternate" type="application/atom+xml" title="Estas ofertas por Atom" href="/ofertas.atom?q=electricista&amp;tipo=empleo">'
    assert link in html
    assert '<a href="/ofertas.atom?q=electricista&amp;tipo=empleo" type="application/atom+xml">Seguir esta búsqueda (Atom)</a>' in html


def test_an_empty_search_is_an_empty_feed(client):
    _, feed = _feed(client, "?q=astronauta")
    assert feed.findall(f"{ATOM}entry") == [] and feed.find(f"{ATOM}updated").text
