"""Interviews in a browser: the employer proposes three slots from the applicant's page (in
place), the student picks one on a phone, both receive the invitation (.ics over a real SMTP
server, parsed back with icalendar), and the reminder arrives a day before."""
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from portal import clock, mail
from portal.extensions import db
from portal.interviews import services
from portal.models import Interview
from tests import factories
from tests.factories import PASSWORD
from tests.helpers.axe import Audit
from tests.helpers.smtp import smtp_inbox

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def cast(app):
    company = factories.company(legal_name="Talleres Andinos S.A.C.")
    employer = factories.employer(company, email="lucia@example.pe")
    student = factories.named(factories.student(email="rosa@example.pe"), "Rosa", "Huamán")
    opening = factories.opening(company, title="Electricista de planta")
    return employer, factories.application(opening, student, state="finalist")


def _received(inbox) -> list:
    return [message_from_bytes(envelope.content, policy=policy.default) for envelope in inbox.messages]


def _invitation(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "entrevista.ics"]
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    return Calendar.from_ical(part.get_content())


def test_propose_three_slots_the_student_picks_one_on_a_phone_both_get_the_ics_and_the_reminder(
        app, page: Page, log_in, new_context, browser_errors, cast, frozen_clock):
    employer, application = cast
    day = clock.today() + timedelta(days=3)
    log_in("lucia@example.pe", then=f"/empresa/postulaciones/{application.id}")
    page.evaluate("window.sameDocument = true")
    page.get_by_text("Proponer una entrevista").click()
    form = page.locator("#entrevistas form")
    form.get_by_label("Dirección, teléfono o enlace").fill("Av. Los Incas 123, Arequipa")
    for n, (start, end) in enumerate((("09:00", "09:30"), ("11:00", "11:30"), ("16:00", "16:45")), start=1):
        page.locator(f"#new-slot{n}-day").fill(day.isoformat())
        page.locator(f"#new-slot{n}-start").fill(start)
        page.locator(f"#new-slot{n}-end").fill(end)
    form.get_by_label("Nota para la persona (opcional)").fill("Trae tu DNI.")
    page.get_by_role("button", name="Enviar la propuesta").click()
    expect(page.locator("#entrevistas")).to_contain_text("Propuesta")
    expect(page.locator("#entrevistas")).to_contain_text("16:00–16:45")
    assert page.evaluate("window.sameDocument") is True  # in place
    employer_audit = Audit(page)
    employer_audit.check(f"/empresa/postulaciones/{application.id} (entrevista propuesta)")
    employer_audit.assert_clean()
    interview = db.session.query(Interview).one()
    assert len(interview.slots) == 3

    # The student, on her phone: the dashboard says to pick, she picks the second slot.
    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto("/ingresar")
    phone.get_by_label("Correo").fill("rosa@example.pe")
    phone.get_by_label("Contraseña").fill(PASSWORD)
    phone.get_by_role("button", name="Ingresar").click()
    phone.goto("/estudiante")
    phone.get_by_role("link", name="Electricista de planta").first.click()
    expect(phone.get_by_role("heading", name="Entrevista para «Electricista de planta»")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    audit = Audit(phone)
    audit.check(f"/estudiante/entrevistas/{interview.id}")
    audit.assert_clean()
    phone.evaluate("window.sameDocument = true")
    phone.get_by_label("11:00–11:30").check()
    phone.get_by_role("button", name="Confirmar este horario").click()
    expect(phone.locator("#interview")).to_contain_text("Confirmada")
    assert phone.evaluate("window.sameDocument") is True
    db.session.expire_all()
    interview = db.session.get(Interview, interview.id)
    starts = datetime.combine(day, time(11, 0), clock.LIMA)
    assert interview.state == "confirmed" and interview.starts_at == starts.astimezone(UTC).replace(tzinfo=None)

    # The outbox sends over real SMTP: both get the same invitation.
    with smtp_inbox(app) as inbox:
        mail.deliver_pending()
        received = _received(inbox)
        confirmations = [m for m in received if m["Subject"].startswith("Entrevista confirmada")]
        assert sorted(m["To"] for m in confirmations) == ["lucia@example.pe", "rosa@example.pe"]
        uids = set()
        for message in confirmations:
            [event] = _invitation(message).walk("VEVENT")
            assert event.decoded("DTSTART") == starts
            uids.add(str(event["UID"]))
        assert len(uids) == 1
        # Lucía's calendar held the three slots while Rosa chose.
        [holds] = [m for m in received if m["Subject"].startswith("Horarios de entrevista reservados")]
        assert holds["To"] == "lucia@example.pe"
        [part] = [p for p in holds.iter_attachments() if p.get_filename() == "entrevista-horarios.ics"]
        assert len(Calendar.from_ical(part.get_content()).walk("VEVENT")) == 3

        # A day before, the worker's job reminds both.
        frozen_clock(datetime.combine(day - timedelta(days=1), time(11, 30)))
        assert services.send_reminders() == 1
        mail.deliver_pending()
        reminders = [m for m in _received(inbox) if m["Subject"].startswith("Recordatorio")]
        assert sorted(m["To"] for m in reminders) == ["lucia@example.pe", "rosa@example.pe"]
        for message in reminders:  # each carries the same invitation again
            [event] = _invitation(message).walk("VEVENT")
            assert str(event["UID"]) in uids and event.decoded("DTSTART") == starts
    assert browser_errors == []
