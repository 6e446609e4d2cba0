"""Cards say whom a modality is for, and a signed-in student sees whether she may apply.

The card HTML is cached per card and shared by everyone (queries.card_html); what differs
per student is a pair of classes on the list, which app.css turns into "puedes postular"
or "no puedes postular" on the cards they concern (tests/browser/test_search.py shows it).
"""
import gzip
import re
from datetime import date, timedelta

import pytest

from portal import clock
from portal.applications.eligibility import audience, audience_classes
from portal.openings import queries
from tests import factories
from tests.helpers.web import HTMX

PREPROFESIONAL = {"kind": "practicas_preprofesionales", "hours_per_day": 6, "hours_per_week": 30,
                  "pay_monthly": 1130}
PROFESIONAL = {"kind": "practicas_profesionales", "pay_monthly": 1130}


def card_of(html: str, title: str) -> str:
    found = re.search(rf'<li class="opening">\s*<h3><a [^>]*>{re.escape(title)}</a>.*?</li>\s*</ul>', html, re.S)
    assert found, f"no card for {title}"
    return found.group(0)


def list_tag(html: str) -> str:
    return re.search(r'<ul id="opening-list"[^>]*>', html).group(0)


def test_a_card_says_whom_a_restricted_modality_is_for(client):
    factories.opening(title="Practicante de tableros", **PREPROFESIONAL)
    factories.opening(title="Practicante de montaje", **PROFESIONAL)
    factories.opening(title="Electricista de obra")
    html = client.get("/ofertas").get_data(as_text=True)
    assert ">Solo estudiantes<" in card_of(html, "Practicante de tableros")
    assert ">Egresados hasta 12 meses<" in card_of(html, "Practicante de montaje")
    plain = card_of(html, "Electricista de obra")
    assert "Solo estudiantes" not in plain and "Egresados" not in plain
    # Nobody is signed in: no standing on the list, so neither verdict shows.
    assert list_tag(html) == '<ul id="opening-list" class="list card">'


@pytest.mark.parametrize("status, graduated_days_ago, classes", [
    ("estudiante", None, "may-students not-graduates"),
    ("egresado", 120, "not-students may-graduates"),
    ("titulado", 500, "not-students not-graduates"),
])
def test_the_list_carries_the_signed_in_students_standing(client, auth, status, graduated_days_ago, classes):
    factories.opening(title="Practicante de tableros", **PREPROFESIONAL)
    graduation = clock.today() - timedelta(days=graduated_days_ago) if graduated_days_ago else None
    student = factories.student(status=status, graduation_date=graduation)
    auth.login(student.email)
    for response in (client.get("/ofertas"), client.get("/ofertas", headers=HTMX)):
        assert list_tag(response.get_data(as_text=True)) == f'<ul id="opening-list" class="list card {classes}">'


def test_the_cached_cards_are_the_same_for_every_student(client, auth):
    """Only the list's classes differ: no card is rendered per student."""
    factories.opening(title="Practicante de tableros", **PREPROFESIONAL)
    factories.opening(title="Practicante de montaje", **PROFESIONAL)
    seen = []
    for status in ("estudiante", "egresado"):
        auth.login(factories.student(status=status).email)
        html = client.get("/ofertas", headers=HTMX).get_data(as_text=True)
        seen.append((list_tag(html), html.split(list_tag(html), 1)[1]))
        auth.logout()
    (first_tag, first_cards), (second_tag, second_cards) = seen
    assert first_tag != second_tag and first_cards == second_cards
    assert first_cards.count(' hidden>') == 4  # both verdicts on both cards, hidden until app.css shows one


def test_twenty_restricted_cards_for_a_student_weigh_under_three_kilobytes(client, auth):
    company = factories.company(legal_name="Servicios Eléctricos del Sur Sociedad Anónima Cerrada")
    for n in range(queries.PAGE_SIZE):
        factories.opening(company, title=f"Practicante de instalaciones eléctricas industriales {n}",
                          **(PREPROFESIONAL if n % 2 else PROFESIONAL))
    auth.login(factories.student(status="estudiante").email)
    body = client.get("/ofertas", headers=HTMX).data
    assert body.count(b'<li class="opening">') == 20 and body.count(b'class="audience') == 20
    assert len(gzip.compress(body)) <= 3 * 1024


def test_the_audience_words_sum_up_the_legal_rule():
    today = date(2026, 12, 1)
    assert audience("practicas_preprofesionales").words == "Solo estudiantes"
    assert audience("practicas_profesionales").words == "Egresados hasta 12 meses"
    assert audience("empleo") is None and audience("pasantia") is None
    assert audience_classes("egresado", date(2025, 12, 1), today) == "not-students may-graduates"
    assert audience_classes("egresado", date(2025, 11, 30), today) == "not-students not-graduates"


def test_the_opening_page_says_whom_it_is_for_too(client):
    opening = factories.opening(title="Practicante de tableros", **PREPROFESIONAL)
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "<dt>Tipo</dt><dd>Prácticas preprofesionales · <strong>Solo estudiantes</strong></dd>" in html
    plain = factories.opening(title="Electricista de obra")
    assert "<dt>Tipo</dt><dd>Empleo</dd>" in client.get(f"/ofertas/{plain.id}").get_data(as_text=True)
