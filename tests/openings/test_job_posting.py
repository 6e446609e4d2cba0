"""Google's job search: each open opening's page carries a JobPosting that qualifies."""
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.clock import today
from portal.extensions import db
from tests import factories
from tests.helpers.job_posting import json_ld, problems


def _posting(client, opening) -> dict:
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    blocks = json_ld(html)
    assert len(blocks) == 1, html
    return blocks[0]


def test_a_job_in_a_place_carries_every_required_and_recommended_property(client):
    company = factories.company(legal_name="Servicios Eléctricos del Sur S.A.C.", trade_name="ElectroSur",
                                website="https://electrosur.pe")
    opening = factories.opening(company, title="Técnico electricista", pay_monthly=Decimal("1500"),
                                department_code="04", province_code="0401", district_code="040103",
                                deadline=today() + timedelta(days=5),
                                description="Mantenimiento de tableros.\n\nTurno de mañana.")
    posting = _posting(client, opening)
    assert problems(posting) == []
    assert posting["title"] == "Técnico electricista"
    assert posting["description"].startswith("<p>Mantenimiento de tableros.</p><p>Turno de mañana.</p>")
    assert posting["employmentType"] == "FULL_TIME"
    assert posting["hiringOrganization"] == {"@type": "Organization", "name": "ElectroSur",
                                             "sameAs": "https://electrosur.pe"}
    assert posting["jobLocation"]["address"] == {"@type": "PostalAddress", "addressCountry": "PE",
                                                 "addressRegion": "Arequipa", "addressLocality": "Cayma"}
    assert posting["baseSalary"] == {"@type": "MonetaryAmount", "currency": "PEN",
                                     "value": {"@type": "QuantitativeValue", "value": 1500.0, "unitText": "MONTH"}}
    assert posting["validThrough"] == f"{(today() + timedelta(days=5)).isoformat()}T23:59:59-05:00"
    assert posting["directApply"] is True
    assert posting["identifier"] == {"@type": "PropertyValue", "name": "Enlace CETPRO", "value": str(opening.id)}
    assert posting["url"] == f"http://localhost/ofertas/{opening.id}"


@pytest.mark.parametrize("kind", ["practicas_preprofesionales", "practicas_profesionales", "aprendizaje_empresa",
                                  "capacitacion_juvenil", "pasantia"])
def test_a_formative_modality_is_an_internship(client, kind):
    posting = _posting(client, factories.opening(kind=kind, hours_per_day=Decimal("6"), hours_per_week=Decimal("30")))
    assert posting["employmentType"] == "INTERN"
    assert problems(posting) == []


@pytest.mark.parametrize("per_day, per_week, expected", [
    (Decimal("3.5"), Decimal("21"), "PART_TIME"),  # under four hours a day: tiempo parcial
    (None, Decimal("18"), "PART_TIME"),  # three hours a day over six days
    (Decimal("4"), Decimal("24"), "FULL_TIME"),
    (None, Decimal("48"), "FULL_TIME"),
])
def test_a_job_is_part_time_under_four_hours_a_day(client, per_day, per_week, expected):
    opening = factories.opening(hours_per_day=per_day, hours_per_week=per_week)
    assert _posting(client, opening)["employmentType"] == expected


def test_a_job_without_hours_does_not_claim_a_schedule(client):
    posting = _posting(client, factories.opening(hours_per_day=None, hours_per_week=None))
    assert "employmentType" not in posting
    assert problems(posting) == ["missing recommended employmentType"]


def test_a_remote_job_is_telecommute_from_peru(client):
    posting = _posting(client, factories.opening(work_mode="remoto"))
    assert posting["jobLocationType"] == "TELECOMMUTE" and "jobLocation" not in posting
    assert posting["applicantLocationRequirements"] == {"@type": "Country", "name": "PE"}
    assert problems(posting) == []


def test_the_company_logo_is_named_when_it_has_one(client):
    company = factories.company(logo_path="logos/0123456789abcdef.png")
    posting = _posting(client, factories.opening(company))
    assert posting["hiringOrganization"]["logo"] == f"http://localhost/empresas/{company.id}/logo?v=01234567"
    assert "sameAs" not in posting["hiringOrganization"]  # no website given


def test_unpaid_or_to_be_agreed_pay_is_left_out(client):
    posting = _posting(client, factories.opening(pay_monthly=None))
    assert "baseSalary" not in posting and problems(posting) == ["missing recommended baseSalary"]


def test_a_hostile_title_cannot_leave_the_script(client):
    title = '</script><script>alert(1)</script><!-- & "x" >'
    opening = factories.opening(title=title, description="</SCRIPT><img src=x onerror=alert(2)>")
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert head.count("<script") == 3  # htmx, app.js and the JSON-LD: nothing injected
    assert "alert(1)</script>" not in head and "</SCRIPT>" not in head
    posting = json_ld(html)[0]
    assert posting["title"] == title  # the same text once parsed
    assert "&lt;/SCRIPT&gt;&lt;img src=x onerror=alert(2)&gt;" in posting["description"]
    assert problems(posting) == []


@pytest.mark.parametrize("state", ["closed", "filled", "expired", "suspended"])
def test_an_opening_that_takes_no_applications_has_no_posting(client, state):
    opening = factories.opening(state=state)
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert json_ld(html) == [] and "application/ld+json" not in html


def test_a_draft_seen_by_its_own_company_has_no_posting(client, auth):
    company = factories.company()
    opening = factories.opening(company, state="draft")
    auth.login(factories.employer(company))
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    assert "opening-title" in html and "application/ld+json" not in html


def test_the_posting_goes_when_the_deadline_passes(client, frozen_clock):
    from datetime import datetime

    frozen_clock(datetime(2026, 11, 30, 12, 0))
    opening = factories.opening(deadline=today())
    assert json_ld(client.get(f"/ofertas/{opening.id}").get_data(as_text=True))
    frozen_clock(datetime(2026, 12, 1, 0, 30))
    db.session.expire_all()
    assert json_ld(client.get(f"/ofertas/{opening.id}").get_data(as_text=True)) == []


def test_the_checker_refuses_what_google_refuses():
    assert "missing required jobLocation (or jobLocationType TELECOMMUTE)" in problems(
        {"@context": "https://schema.org/", "@type": "JobPosting", "title": "x", "description": "y",
         "datePosted": "2026-01-01", "hiringOrganization": {"@type": "Organization", "name": "z"}})
    assert "baseSalary.value.unitText is not HOUR, DAY, WEEK, MONTH or YEAR" in problems(
        {"@type": "JobPosting", "baseSalary": {"@type": "MonetaryAmount", "currency": "PEN",
                                               "value": {"@type": "QuantitativeValue", "value": 1, "unitText": "MES"}}})
    assert "employmentType ['FULLTIME'] is not one of Google's values" in problems(
        {"@type": "JobPosting", "employmentType": "FULLTIME"})
