"""`/coordinador/reportes` and `/admin/reportes`: pages, fragments, filters, tenancy."""
import re

import pytest

from tests import factories
from tests.helpers.web import HTMX

COORDINATOR = "/coordinador/reportes"
ADMIN = "/admin/reportes"


def stat(html: str, label: str) -> str:
    """The number shown in the summary box labelled `label`."""
    match = re.search(r'<div class="stat"><b>([^<]*)</b>' + re.escape(label) + "</div>", html)
    assert match, f"no stat {label!r}"
    return match.group(1)


def page(client, url, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def fragment(client, url, **args):
    response = client.get(url, query_string=args, headers=HTMX)
    assert response.status_code == 200, response.status_code
    return response


def test_the_coordinator_page_shows_the_figures_charts_and_tables(client, auth, world):
    auth.login(world.coordinator_a)
    response = client.get(COORDINATOR)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<h1>Inserción laboral</h1>" in html
    assert 'id="report-filters"' in html and 'method="get"' in html
    assert "CETPRO Santa Rosa · Todos los años de egreso · Todos los programas" in html
    assert stat(html, "Egresados(as)") == "9"
    assert stat(html, "Egresados(as) con colocación") == "4"
    assert stat(html, "Tasa de colocación") == "44.4%"
    assert stat(html, "Mediana de días hasta la primera colocación") == "37.5"
    assert stat(html, "Colocaciones") == "6"
    assert stat(html, "Postulaciones") == "7"
    # Each chart is an image with a name and a description, and its numbers are in a table too.
    assert html.count('role="img"') == 7
    assert '<title id="chart-programme-title">Tasa de colocación por programa</title>' in html
    assert "Electricidad: 50% (3 de 6 egresados(as) colocados)" in html
    assert "a los 3 meses, 75% (3 de 4 respuestas)" in html
    assert '<th scope="row">Cocina</th><td class="num">3</td><td class="num">1</td><td class="num">33.3%</td>' in html
    assert ('<th scope="row">12 meses</th><td class="num">1</td><td class="num">0</td>'
            '<td class="num">1</td><td class="num">1</td><td class="num">0%</td>') in html
    assert '<th scope="row">Eléctrica del Sur</th><td class="num">3</td>' in html
    assert 'href="/coordinador/reportes.csv"' in html and 'href="/coordinador/reportes.xlsx"' in html
    # The CSP allows no inline style: SVG uses attributes and classes only.
    assert "style=" not in html
    assert "<script>" not in html


def test_the_year_filter_answers_a_fragment_and_pushes_a_clean_url(client, auth, world):
    auth.login(world.coordinator_a)
    response = fragment(client, COORDINATOR, anio="2025", programa="")
    html = response.get_data(as_text=True)

    assert html.lstrip().startswith('<section id="report"')
    assert "<html" not in html and 'id="report-filters"' not in html
    assert response.headers["HX-Push-Url"] == "/coordinador/reportes?anio=2025"
    assert "HX-Request" in response.headers["Vary"]
    assert "Egresados(as) de 2025 · Todos los programas" in html
    assert stat(html, "Egresados(as)") == "2"
    assert stat(html, "Tasa de colocación") == "50%"
    assert 'href="/coordinador/reportes.csv?anio=2025"' in html
    assert "style=" not in html


def test_both_filters_together(client, auth, world):
    auth.login(world.coordinator_a)
    response = fragment(client, COORDINATOR, anio="2024", programa=str(world.cocina.id))
    html = response.get_data(as_text=True)
    assert response.headers["HX-Push-Url"] == f"/coordinador/reportes?anio=2024&programa={world.cocina.id}"
    assert "Egresados(as) de 2024 · Cocina" in html
    assert stat(html, "Egresados(as)") == "3"
    assert stat(html, "Mediana de días hasta la primera colocación") == "120"


def test_without_javascript_the_get_form_gives_the_whole_filtered_page(client, auth, world):
    auth.login(world.coordinator_a)
    html = page(client, COORDINATOR, anio="2024", programa=str(world.electricidad.id))
    assert "<h1>Inserción laboral</h1>" in html
    assert '<option value="2024" selected>2024</option>' in html
    assert f'<option value="{world.electricidad.id}" selected>Electricidad</option>' in html
    assert stat(html, "Egresados(as)") == "4"
    # Only the CETPRO's programmes and graduation years are offered.
    assert re.findall(r'<option value="(\d{4})"', html) == ["2025", "2024"]
    assert "Soldadura" not in html


@pytest.mark.parametrize("args", [{"anio": "dos mil"}, {"anio": "99999"}, {"programa": "abc"}, {"programa": "999999"}])
def test_bad_filter_values_are_ignored(client, auth, world, args):
    auth.login(world.coordinator_a)
    response = fragment(client, COORDINATOR, **args)
    assert response.headers["HX-Push-Url"] == "/coordinador/reportes"
    assert stat(response.get_data(as_text=True), "Egresados(as)") == "9"


def test_a_programme_the_cetpro_does_not_teach_is_not_a_filter(client, auth, world):
    auth.login(world.coordinator_a)
    other = factories.programme("Soldadura")
    response = fragment(client, COORDINATOR, programa=str(other.id))
    assert response.headers["HX-Push-Url"] == "/coordinador/reportes"


def test_an_empty_report_says_so(client, auth, world):
    auth.login(world.coordinator_a)
    html = fragment(client, COORDINATOR, anio="2019").get_data(as_text=True)
    assert "No hay datos para este reporte todavía." in html
    assert 'href="/coordinador/reportes">quita los filtros</a>' in html
    assert "None" not in html

    auth.logout()
    lonely = factories.coordinator(factories.cetpro("CETPRO Nuevo"))
    auth.login(lonely)
    html = page(client, COORDINATOR)
    assert "No hay datos para este reporte todavía." in html
    assert "quita los filtros" not in html
    assert "style=" not in html


def test_sections_without_data_say_so_while_others_show(client, auth, world):
    cetpro = factories.cetpro()
    factories.student(cetpro, status="egresado")
    coordinator = factories.coordinator(cetpro)
    auth.login(coordinator)
    html = page(client, COORDINATOR)
    assert stat(html, "Tasa de colocación") == "0%"
    assert stat(html, "Mediana de días hasta la primera colocación") == "—"
    assert "Ningún egresado(a) con estos filtros tiene una colocación registrada." in html
    assert "Todavía no hay seguimientos vencidos para estas colocaciones." in html
    assert "Sin postulaciones con estos filtros." in html


# --- Who may see what ------------------------------------------------------------------------


def test_a_coordinator_sees_only_its_own_cetpro(client, auth, world):
    auth.login(world.coordinator_b)
    html = page(client, COORDINATOR)
    assert "CETPRO Misti" in html and "Santa Rosa" not in html
    assert stat(html, "Egresados(as)") == "2"
    assert stat(html, "Colocaciones") == "1"


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_a_coordinator_cannot_ask_for_another_cetpro(client, auth, world, suffix):
    auth.login(world.coordinator_b)
    assert client.get(COORDINATOR + suffix, query_string={"cetpro": world.a.id}).status_code == 404
    assert client.get(COORDINATOR + suffix, query_string={"cetpro": "x"}).status_code == 404
    assert client.get(COORDINATOR + suffix, query_string={"cetpro": world.b.id}).status_code == 200
    # Admin-only parameters change nothing for a coordinator.
    html = client.get(COORDINATOR, query_string={"departamento": "08"}).get_data(as_text=True)
    assert stat(html, "Egresados(as)") == "2"


@pytest.mark.parametrize("url", [COORDINATOR, COORDINATOR + ".csv", COORDINATOR + ".xlsx",
                                 ADMIN, ADMIN + ".csv", ADMIN + ".xlsx", ADMIN + "/cetpros"])
def test_other_roles_are_refused(client, auth, world, url):
    assert client.get(url).status_code == 302  # anonymous: to /ingresar
    student = world.students["e1"]
    auth.login(student)
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(factories.employer())
    assert client.get(url).status_code == 403
    auth.logout()
    if url.startswith(ADMIN):
        auth.login(world.coordinator_a)
        assert client.get(url).status_code == 403
    else:
        auth.login(world.admin)
        assert client.get(url).status_code == 403


def test_a_coordinator_without_a_cetpro_is_refused(client, auth, app):
    from portal.extensions import db
    from portal.models import User

    user = factories.coordinator()
    db.session.get(User, user.id).cetpro_id = None
    db.session.commit()
    auth.login(user)
    assert client.get(COORDINATOR).status_code == 403


def test_the_admin_sees_every_cetpro_a_department_or_one_cetpro(client, auth, world):
    auth.login(world.admin)
    html = page(client, ADMIN)
    assert "Todos los CETPRO del Perú" in html
    assert stat(html, "Egresados(as)") == "12"
    assert stat(html, "Egresados(as) con colocación") == "6"
    assert '<option value="">Elige primero un departamento</option>' in html
    assert "style=" not in html

    response = fragment(client, ADMIN, departamento="04")
    html = response.get_data(as_text=True)
    assert response.headers["HX-Push-Url"] == "/admin/reportes?departamento=04"
    assert "CETPRO de Arequipa" in html and stat(html, "Egresados(as)") == "11"

    html = page(client, ADMIN, cetpro=str(world.c.id))
    assert "CETPRO Qosqo" in html and stat(html, "Egresados(as)") == "1"
    # The department follows the CETPRO, and the CETPRO select lists that department's.
    assert '<option value="08" selected>Cusco</option>' in html
    assert f'<option value="{world.c.id}" selected>CETPRO Qosqo</option>' in html

    response = fragment(client, ADMIN, departamento="04", cetpro=str(world.a.id), anio="2024")
    assert response.headers["HX-Push-Url"] == f"/admin/reportes?departamento=04&cetpro={world.a.id}&anio=2024"
    assert stat(response.get_data(as_text=True), "Egresados(as)") == "7"


def test_a_new_department_drops_a_cetpro_outside_it(client, auth, world):
    auth.login(world.admin)
    response = fragment(client, ADMIN, departamento="08", cetpro=str(world.a.id))
    assert response.headers["HX-Push-Url"] == "/admin/reportes?departamento=08"
    assert stat(response.get_data(as_text=True), "Egresados(as)") == "1"


def test_the_admin_gets_404_for_a_cetpro_that_does_not_exist_and_ignores_a_bad_department(client, auth, world):
    auth.login(world.admin)
    assert client.get(ADMIN, query_string={"cetpro": "999999"}).status_code == 404
    assert client.get(ADMIN + ".csv", query_string={"cetpro": "999999"}).status_code == 404
    response = fragment(client, ADMIN, departamento="99")
    assert response.headers["HX-Push-Url"] == "/admin/reportes"


def test_the_cetpro_select_follows_the_department(client, auth, world):
    auth.login(world.admin)
    response = client.get(ADMIN + "/cetpros", query_string={"departamento": "04"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.startswith('<select id="cetpro" name="cetpro">')
    assert "CETPRO Misti" in html and "CETPRO Santa Rosa" in html and "Qosqo" not in html
    empty = client.get(ADMIN + "/cetpros", headers=HTMX).get_data(as_text=True)
    assert "disabled" in empty
    # Without htmx it is the report for that department.
    plain = client.get(ADMIN + "/cetpros", query_string={"departamento": "04"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/admin/reportes?departamento=04")
