"""`/ofertas`: filters, ordering, paging, the page and its fragments."""
import gzip
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from portal.clock import today
from portal.extensions import db
from portal.openings import queries
from tests import factories
from tests.helpers.web import HTMX


def opening(title: str, family: str | None = None, programmes=(), **fields):
    row = factories.opening(title=title, **fields)
    if family:
        row.family_id = factories.family(family).id
    if programmes:
        row.programmes = [factories.programme(name) for name in programmes]
    db.session.commit()
    return row


def titles(**args) -> list[str]:
    return [card.title for card in queries.search_openings(queries.Filters.from_args(args)).items]


def fragment(client, **args) -> str:
    return client.get("/ofertas", query_string=args, headers=HTMX).get_data(as_text=True)


# --- Queries --------------------------------------------------------------------------------


def test_only_published_openings_with_a_deadline_not_yet_passed_are_found(app):
    opening("Abierta")
    opening("Sin plazo", deadline=None)
    opening("Último día", deadline=today())
    opening("Plazo vencido sin expirar aún", deadline=today() - timedelta(days=1))
    for state in ("draft", "closed", "filled", "expired", "suspended"):
        opening(f"Estado {state}", state=state)
    assert sorted(titles()) == ["Abierta", "Sin plazo", "Último día"]


def test_each_filter_narrows_the_results(app):
    family = factories.family("Hostelería y Turismo")
    opening("Electricista Arequipa")
    opening("Cocinero Cusco", family="Hostelería y Turismo", department_code="08", province_code="0801",
            kind="practicas_profesionales", work_mode="hibrido")
    opening("Bartender Cusco remoto", family="Hostelería y Turismo", department_code="08", province_code="0806",
            work_mode="remoto")
    assert sorted(titles(familia=family.id)) == ["Bartender Cusco remoto", "Cocinero Cusco"]
    assert sorted(titles(departamento="08")) == ["Bartender Cusco remoto", "Cocinero Cusco"]
    assert titles(departamento="08", provincia="0801") == ["Cocinero Cusco"]
    assert titles(tipo="practicas_profesionales") == ["Cocinero Cusco"]
    assert titles(modalidad="remoto") == ["Bartender Cusco remoto"]
    assert titles(modalidad="hibrido", departamento="08") == ["Cocinero Cusco"]
    assert titles(modalidad="presencial") == ["Electricista Arequipa"]


def test_a_programme_finds_openings_that_name_it_or_accept_its_whole_family(app):
    family = factories.family("Hostelería y Turismo")
    cocina = factories.programme("Cocina")
    other = next(p for p in family.programmes if p.id != cocina.id)
    opening("Cualquier programa de hostelería", family="Hostelería y Turismo")
    opening("Solo cocina", family="Hostelería y Turismo", programmes=[cocina.name])
    opening(f"Solo {other.name}", family="Hostelería y Turismo", programmes=[other.name])
    opening("Electricista")
    assert sorted(titles(familia=family.id, programa=cocina.id)) == ["Cualquier programa de hostelería", "Solo cocina"]


def test_unknown_and_inconsistent_values_are_dropped_never_an_error(app):
    family = factories.family("Hostelería y Turismo")
    electricidad = factories.programme("Electricidad")
    filters = queries.Filters.from_args({
        "familia": str(family.id), "programa": str(electricidad.id),  # a programme of another family
        "departamento": "04", "provincia": "1501",  # Lima's province under Arequipa
        "tipo": "estafa", "modalidad": "a distancia", "orden": "azar", "pagina": "abc", "q": "  x  " * 40,
    })
    assert filters.familia == family.id and filters.programa is None
    assert filters.departamento == "04" and filters.provincia is None
    assert (filters.tipo, filters.modalidad, filters.orden, filters.pagina) == (None, None, "recientes", 1)
    assert len(filters.q) <= queries.MAX_QUERY
    assert queries.Filters.from_args({"provincia": "0401"}).provincia is None  # no department, no province
    assert queries.Filters.from_args({"programa": str(electricidad.id)}).programa is None
    assert queries.Filters.from_args({"familia": "999999"}).familia is None
    assert queries.Filters.from_args({"pagina": "-3"}).pagina == 1


def test_digits_that_are_not_ascii_are_ignored_not_a_server_error(client):
    """"²" is a digit to str.isdigit() but not to int(): the listing used to answer 500."""
    opening("Electricista")
    response = client.get("/ofertas", query_string={"familia": "²", "programa": "²", "pagina": "²"})
    assert response.status_code == 200 and "Electricista" in response.get_data(as_text=True)


def test_orders_newest_closing_soonest_and_best_paid(app):
    first = opening("Antigua", deadline=today() + timedelta(days=5), pay_monthly=Decimal("1200"))
    first.published_at = first.published_at - timedelta(days=3)
    opening("Sin plazo ni sueldo", deadline=None, pay_monthly=None)
    opening("Nueva", deadline=today() + timedelta(days=30), pay_monthly=Decimal("2500"))
    db.session.commit()
    assert titles() == ["Nueva", "Sin plazo ni sueldo", "Antigua"]
    assert titles(orden="cierre") == ["Antigua", "Nueva", "Sin plazo ni sueldo"]  # no deadline last
    assert titles(orden="sueldo") == ["Nueva", "Antigua", "Sin plazo ni sueldo"]  # no pay last


def test_pages_of_twenty(app):
    for n in range(queries.PAGE_SIZE + 3):
        opening(f"Oferta {n:02d}")
    first = queries.search_openings(queries.Filters.from_args({}))
    second = queries.search_openings(queries.Filters.from_args({"pagina": "2"}))
    assert (len(first.items), first.total, first.pages, first.has_next) == (20, 23, 2, True)
    assert (len(second.items), second.has_next) == (3, False)
    assert not {c.id for c in first.items} & {c.id for c in second.items}
    assert queries.search_openings(queries.Filters.from_args({"pagina": "3"})).items == []


def test_page_numbers_have_gaps():
    page = queries.Page(items=[], total=20 * 50, page=10)
    assert page.numbers() == [1, None, 8, 9, 10, 11, 12, None, 50]
    assert queries.Page(items=[], total=60, page=1).numbers() == [1, 2, 3]


# --- Views ----------------------------------------------------------------------------------


def test_page_without_htmx_and_fragment_with_it_both_vary(client):
    opening("Electricista industrial")
    page = client.get("/ofertas")
    assert page.status_code == 200 and b"<html" in page.data and b'id="opening-search"' in page.data
    part = client.get("/ofertas", headers=HTMX)
    assert part.status_code == 200 and b"<html" not in part.data
    assert part.data.lstrip().startswith(b'<section id="opening-results"')
    for response in (page, part):
        assert {"HX-Request", "HX-Request-Type"} <= {v.strip() for v in response.headers["Vary"].split(",")}
    # Boosted navigation and history restores get the whole page.
    restore = client.get("/ofertas", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.data


def test_the_fragment_pushes_the_clean_url(client):
    family = factories.family("Hostelería y Turismo")
    response = client.get("/ofertas", headers=HTMX, query_string={
        "q": "cocina", "familia": str(family.id), "programa": "", "departamento": "08", "provincia": "1501",
        "tipo": "", "modalidad": "", "orden": "recientes"})
    assert response.headers["HX-Push-Url"] == f"/ofertas?q=cocina&familia={family.id}&departamento=08"
    opening("Electricista")
    assert "HX-Push-Url" in client.get("/ofertas", headers=HTMX, query_string={"pagina": "2"}).headers  # empty
    for n in range(queries.PAGE_SIZE):
        opening(f"Oferta {n}")
    assert "HX-Push-Url" not in client.get("/ofertas", headers=HTMX, query_string={"pagina": "2"}).headers


def test_the_page_keeps_every_choice_and_the_dependent_choices_follow(client):
    family = factories.family("Hostelería y Turismo")
    cocina = factories.programme("Cocina")
    html = client.get("/ofertas", query_string={
        "q": "chef", "familia": family.id, "programa": cocina.id, "departamento": "08", "provincia": "0801",
        "tipo": "empleo", "modalidad": "remoto", "orden": "sueldo"}).get_data(as_text=True)
    assert 'value="chef"' in html
    for name, value in (("familia", family.id), ("programa", cocina.id), ("departamento", "08"),
                        ("provincia", "0801"), ("tipo", "empleo"), ("modalidad", "remoto"), ("orden", "sueldo")):
        assert re.search(rf'<select id="{name}"[^>]*>.*?<option value="{value}" selected>', html, re.S), name
    assert ">Urubamba<" in html and ">Arequipa</option>" in html  # provinces of Cusco (and departments)
    assert ">Cayma<" not in html


def test_dependent_selects_are_fragments_for_htmx_and_redirects_otherwise(client):
    provinces = client.get("/ofertas/provincias", query_string={"departamento": "08"}, headers=HTMX)
    html = provinces.get_data(as_text=True)
    assert provinces.status_code == 200 and html.startswith('<select id="provincia" name="provincia">')
    assert ">Urubamba</option>" in html and "Vary" in provinces.headers
    assert "<option" in client.get("/ofertas/provincias", query_string={"departamento": "99"},
                                   headers=HTMX).get_data(as_text=True)
    family = factories.family("Hostelería y Turismo")
    programmes = client.get("/ofertas/programas", query_string={"familia": family.id}, headers=HTMX)
    assert ">Cocina</option>" in programmes.get_data(as_text=True)
    plain = client.get("/ofertas/provincias", query_string={"departamento": "08", "q": "chef"})
    assert plain.status_code == 302 and plain.headers["Location"] == "/ofertas?q=chef&departamento=08"


def test_more_appends_rows_and_replaces_the_pager(client):
    for n in range(queries.PAGE_SIZE + 3):
        opening(f"Oferta {n:02d}")
    first = fragment(client)
    assert 'id="opening-list"' in first and "Ver más ofertas" in first
    assert 'hx-get="/ofertas?pagina=2"' in first and 'href="/ofertas?pagina=2"' in first
    more = fragment(client, pagina=2)
    assert more.lstrip().startswith('<hx-partial hx-target="#opening-list" hx-swap="beforeend">')
    assert more.count('<li class="opening">') == 3 and more.count(" autofocus") == 1
    assert 'id="opening-pager"' in more and "Ver más ofertas" not in more
    assert 'id="opening-results"' not in more


def test_without_javascript_there_are_numbered_pages(client):
    for n in range(queries.PAGE_SIZE + 1):
        opening(f"Oferta {n:02d}")
    html = client.get("/ofertas", query_string={"pagina": "2", "q": "oferta"}).get_data(as_text=True)
    assert '<a href="/ofertas?q=oferta&amp;pagina=2" aria-current="page" aria-label="Página 2">2</a>' in html
    assert '<a href="/ofertas?q=oferta" aria-label="Página 1" rel="prev">1</a>' in html
    assert html.count('<li class="opening">') == 1


def test_empty_results_name_each_active_filter_with_a_link_without_it(client):
    family = factories.family("Hostelería y Turismo")
    opening("Electricista")
    html = fragment(client, q="soldador", familia=family.id, departamento="08", provincia="0801", modalidad="remoto")
    assert "No encontramos ofertas con estos criterios." in html
    assert f'href="/ofertas?familia={family.id}&amp;departamento=08&amp;provincia=0801&amp;modalidad=remoto"' in html
    assert "«soldador»" in html and "Familia: Hostelería y Turismo" in html
    assert 'href="/ofertas?q=soldador&amp;familia=' in html
    # Removing the department removes its province too.
    assert f'href="/ofertas?q=soldador&amp;familia={family.id}&amp;modalidad=remoto"' in html
    assert "Provincia: Cusco" in html and "Modalidad: Remoto" in html


def test_a_page_beyond_the_end_shows_the_empty_state(client):
    opening("Electricista")
    html = fragment(client, pagina=500)
    assert "No encontramos ofertas" in html and "Ir a la primera página" in html


def test_the_listing_reads_only_the_data_version_and_new_words(client):
    company = factories.company()
    for n in range(queries.PAGE_SIZE):
        factories.opening(company, title=f"Oferta {n}")
    family = factories.family("Electricidad y Electrónica")
    filters = {"familia": family.id, "departamento": "04"}
    client.get("/ofertas", headers=HTMX, query_string={"q": "ofert", **filters})  # the process loads the index

    def selects(q: str) -> list[str]:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get("/ofertas", headers=HTMX, query_string={"q": q, **filters})
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.get_data(as_text=True).count('<li class="opening">') == 20
        return [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    # The data version and the words: no count, no page, no family name, no query per result.
    assert len(selects("oferta")) == 2
    # The same words again: only the data version.
    assert len(selects("oferta")) == 1


def test_twenty_results_weigh_under_three_kilobytes_compressed(client):
    company = factories.company(legal_name="Servicios Eléctricos del Sur Sociedad Anónima Cerrada")
    for n in range(queries.PAGE_SIZE):
        factories.opening(company, title=f"Técnico electricista de mantenimiento industrial {n}")
    body = client.get("/ofertas", headers=HTMX).data
    assert body.count(b'<li class="opening">') == 20
    assert len(gzip.compress(body)) <= 3 * 1024


@pytest.mark.parametrize("path", ["/", "/ofertas"])
def test_pages_show_the_company_badge_and_leave_out_closed_openings(client, path):
    opening("Abierta en portada")
    opening("Vencida en portada", deadline=today() - timedelta(days=2))
    html = client.get(path).get_data(as_text=True)
    assert "Abierta en portada" in html and "Vencida en portada" not in html
    assert '<span class="badge verified" title="Empresa verificada' in html


def test_the_card_can_also_be_included_for_an_opening_row(app):
    """Dashboards include `openings/_card.html` for ORM openings; the listing imports its macro."""
    from flask import render_template_string

    row = factories.opening(title="Incluida", pay_monthly=Decimal("1130"), deadline=today() + timedelta(days=3))
    with app.test_request_context("/"):
        html = render_template_string('{% for opening in rows %}{% include "openings/_card.html" %}{% endfor %}',
                                      rows=[row])
    assert '<li class="opening">' in html and "Incluida" in html and "S/\xa01,130.00 al mes" in html
    assert "Hasta el " in html and "✓ Verificada" in html


# --- The filters fold into "Filtros (n)" ------------------------------------------------------


def filter_box(html: str) -> str:
    """The opening tag and summary of the filters' disclosure."""
    found = re.search(r'<details class="filter-box"[^>]*>\s*<summary>.*?</summary>', html, re.S)
    assert found, "no filters disclosure"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()), found.group(0)


def test_the_filters_fold_away_until_one_is_set(client):
    """On a phone the seven filters filled the first screen: they are a disclosure now, closed
    until one is set, and its summary counts the filters in use (the search words are not one)."""
    family = factories.family("Hostelería y Turismo")
    text, tag = filter_box(client.get("/ofertas", query_string={"q": "cocina"}).get_data(as_text=True))
    assert text == "Filtros" and " open" not in tag
    text, tag = filter_box(client.get("/ofertas", query_string={
        "q": "cocina", "familia": family.id, "departamento": "08", "provincia": "0801"}).get_data(as_text=True))
    assert text == "Filtros (3)" and " open>" in tag
    # Another order is not a filter, but its select is in the box: open, nothing counted.
    text, tag = filter_box(client.get("/ofertas", query_string={"orden": "sueldo"}).get_data(as_text=True))
    assert text == "Filtros" and " open>" in tag


def test_the_fragment_updates_the_filter_count_outside_the_results(client):
    html = fragment(client, q="cocina", tipo="empleo", modalidad="remoto")
    assert html.lstrip().startswith('<section id="opening-results"')
    assert re.search(r'<hx-partial hx-target="#filter-count" hx-swap="outerHTML">\s*'
                     r'<span id="filter-count"> \(2\)</span>\s*</hx-partial>', html)
    assert '<span id="filter-count"></span>' in fragment(client, q="cocina")
    # The whole page has no partial to swap: the count is in its summary already.
    assert "<hx-partial" not in client.get("/ofertas", query_string={"tipo": "empleo"}).get_data(as_text=True)


def test_a_dependent_select_is_disabled_until_its_parent_is_chosen(client):
    """Its old hint, "Todos (elige una familia)", was cut off on a phone."""
    html = client.get("/ofertas").get_data(as_text=True)
    assert re.search(r'<select id="programa" name="programa" disabled>\s*<option value="">Todos</option>\s*</select>',
                     html)
    assert re.search(r'<select id="provincia" name="provincia" disabled>', html)
    html = client.get("/ofertas", query_string={"departamento": "08"}).get_data(as_text=True)
    assert re.search(r'<select id="provincia" name="provincia">\s*<option value="">Todas</option>', html)


def test_a_repeated_search_is_answered_with_the_bytes_made_the_first_time(app, client):
    """portal/openings/fragments.py: a search asked again, as of the same open openings, is
    not searched, rendered or compressed again; a write shows on the very next request."""
    from flask import template_rendered

    listed = factories.opening(title="Electricista de planta")
    gzipped = {**HTMX, "Accept-Encoding": "gzip, deflate, br"}
    first = client.get("/ofertas", headers=gzipped, query_string={"q": "electricista"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Electricista de planta" in gzip.decompress(first.data).decode()

    rendered = []
    record = lambda sender, template, context, **extra: rendered.append(template.name)  # noqa: E731
    template_rendered.connect(record, app)
    try:
        # The same search with empty fields and the default order: the same entry.
        again = client.get("/ofertas", headers=gzipped,
                           query_string={"q": "electricista", "tipo": "", "orden": "recientes"})
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == [] and again.data == first.data
    assert again.headers["HX-Push-Url"] == first.headers["HX-Push-Url"] == "/ofertas?q=electricista"
    vary = {v.strip() for v in again.headers["Vary"].split(",")}
    assert {"HX-Request", "HX-Request-Type", "Accept-Encoding"} <= vary
    assert "Content-Security-Policy" in again.headers  # the app's own headers still go on

    listed.title = "Electricista industrial"  # a write: the next request shows it
    db.session.commit()
    html = gzip.decompress(client.get("/ofertas", headers=gzipped, query_string={"q": "electricista"}).data).decode()
    assert "Electricista industrial" in html and "Electricista de planta" not in html
    # A client that does not take gzip gets the same fragment, rendered.
    plain = client.get("/ofertas", headers=HTMX, query_string={"q": "electricista"})
    assert "Content-Encoding" not in plain.headers and plain.get_data(as_text=True) == html


def test_a_signed_in_student_never_gets_the_fragment_made_for_someone_else(client):
    factories.opening(title="Practicante electricista", kind="practicas_preprofesionales")
    gzipped = {**HTMX, "Accept-Encoding": "gzip"}
    anonymous = gzip.decompress(client.get("/ofertas", headers=gzipped).data).decode()
    student = factories.student(status="egresado", graduation_date=today() - timedelta(days=30))
    client.post("/ingresar", data={"email": student.email, "password": factories.PASSWORD})
    hers = gzip.decompress(client.get("/ofertas", headers=gzipped).data).decode()
    assert 'class="list card"' in anonymous
    assert hers != anonymous and 'class="list card ' in hers  # her audience classes on the list
