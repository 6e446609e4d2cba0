"""Interviews, the service: proposing (who, which applicants, the slots read in Lima time),
picking a slot, asking for another time, rescheduling, cancelling, no double booking, the
ends that follow an application's, the .ics each email carries, and the reminders."""
from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal import clock
from portal.applications import services as applications
from portal.extensions import db
from portal.interviews import services
from portal.interviews.calendar import uid as calendar_uid
from portal.models import Interview, Notification, OutboxEmail
from portal.openings import services as openings
from portal.placements import services as placements
from portal.privacy import deletion
from tests import factories
from tests.helpers.interviews import proposal


def _emails(to=None) -> list[OutboxEmail]:
    query = select(OutboxEmail).order_by(OutboxEmail.id)
    if to is not None:
        query = query.where(OutboxEmail.to_address == to)
    return list(db.session.scalars(query))


def _calendar(email: OutboxEmail, filename: str) -> Calendar:
    [item] = [a for a in email.attachments or () if a["filename"] == filename]
    return Calendar.from_ical(item["text"])


def _events(calendar: Calendar):
    return [c for c in calendar.walk("VEVENT")]


def test_a_proposal_stores_the_slots_in_utc_and_emails_her_the_options_as_tentative_events(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    assert interview.state == "proposed" and interview.sequence == 0
    # 10:00 in Lima is 15:00 UTC (Peru keeps UTC-5 all year).
    assert [(s.starts_at, s.ends_at) for s in interview.slots][0] == (datetime(2026, 12, 7, 15, 0),
                                                                      datetime(2026, 12, 7, 15, 30))
    assert len(interview.slots) == 3
    [email] = _emails(cast.student.email)
    assert "lun, 7 dic. 2026, 10:00–10:30" in email.body_text and "Av. Los Incas 123" in email.body_text
    calendar = _calendar(email, "entrevista-horarios.ics")
    assert str(calendar["METHOD"]) == "REQUEST"
    events = _events(calendar)
    assert [str(e["STATUS"]) for e in events] == ["TENTATIVE"] * 3
    assert events[0].decoded("DTSTART") == datetime(2026, 12, 7, 15, 0, tzinfo=events[0].decoded("DTSTART").tzinfo)
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == cast.student.id)) \
        == "interview-proposed"


@pytest.mark.parametrize(("state", "allowed"), [("received", False), ("viewed", False), ("in_review", True),
                                                ("finalist", True), ("hired", False), ("rejected", False)])
def test_only_applicants_in_review_or_finalist_can_be_invited(cast, state, allowed):
    cast.application.state = state
    db.session.commit()
    if allowed:
        assert services.propose(cast.employer, cast.application, proposal()).state == "proposed"
    else:
        with pytest.raises(services.InterviewError, match="«En evaluación» o «Finalista»"):
            services.propose(cast.employer, cast.application, proposal())
        assert db.session.scalar(select(Interview)) is None


def test_another_company_cannot_propose(cast):
    stranger = factories.employer()
    with pytest.raises(services.InterviewError, match="empresa que publicó"):
        services.propose(stranger, cast.application, proposal())


@pytest.mark.parametrize(("times", "mode", "place", "message"), [
    ((), "direccion", "Av. 1", None),  # the default three: fine
    ((("", "", ""),), "direccion", "Av. 1", "al menos un horario"),
    ((("2026-12-03", "10:00", "10:30"),), "direccion", "Av. 1", "ya pasó"),
    ((("9999-12-31", "23:00", "23:30"),), "direccion", "Av. 1", "próximos seis meses"),
    ((("2026-12-07", "10:30", "10:00"),), "direccion", "Av. 1", "después de la de inicio"),
    ((("2026-12-07", "10:00", "10:05"),), "direccion", "Av. 1", "entre 10 minutos y 8 horas"),
    ((("2026-12-07", "10:00", "11:00"), ("2026-12-07", "10:30", "11:30")), "direccion", "Av. 1", "se cruzan"),
    ((("07/12/2026", "10:00", "11:00"),), "direccion", "Av. 1", "escribe el día"),
    ((("2026-12-07", "10", "x"),), "direccion", "Av. 1", "hora de inicio"),
    ((), "llamada", "llámame", "número de teléfono"),
    ((), "videollamada", "javascript:alert(1)", "https://"),
    ((), "direccion", "   ", "Escribe la dirección"),
    ((), "a_domicilio", "Av. 1", "Elige cómo"),
])
def test_a_bad_proposal_is_refused_in_spanish_and_changes_nothing(cast, times, mode, place, message):
    if message is None:
        assert services.propose(cast.employer, cast.application, proposal(*times, mode=mode, place=place))
        return
    with pytest.raises(services.InterviewError, match=message):
        services.propose(cast.employer, cast.application, proposal(*times, mode=mode, place=place))
    assert db.session.scalar(select(Interview)) is None and _emails() == []


def test_picking_a_slot_confirms_it_and_both_sides_get_the_same_invitation(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    second = interview.slots[1]
    services.pick(cast.student.student, interview, second.id)
    assert interview.state == "confirmed"
    assert (interview.starts_at, interview.ends_at) == (datetime(2026, 12, 7, 20, 0), datetime(2026, 12, 7, 20, 30))
    student_email = _emails(cast.student.email)[-1]
    employer_email = _emails(cast.employer.email)[-1]
    for email in (student_email, employer_email):
        calendar = _calendar(email, "entrevista.ics")
        [event] = _events(calendar)
        assert str(calendar["METHOD"]) == "REQUEST" and str(event["STATUS"]) == "CONFIRMED"
        assert str(event["UID"]).startswith(f"entrevista-{interview.id}@")
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 7, 20, 0)
    # Her calendar loses the tentative options.
    cancel = _calendar(student_email, "entrevista-cancelada.ics")
    assert str(cancel["METHOD"]) == "CANCEL" and len(_events(cancel)) == 3
    with pytest.raises(services.InterviewError, match="Ya confirmaste"):
        services.pick(cast.student.student, interview, second.id)


def test_she_cannot_pick_a_slot_that_is_not_one_of_hers(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    other = factories.student()
    with pytest.raises(services.InterviewError, match="no es tuya"):
        services.pick(other.student, interview, interview.slots[0].id)
    with pytest.raises(services.InterviewError, match="Elige uno de los horarios"):
        services.pick(cast.student.student, interview, 99999)
    assert interview.state == "proposed"


def test_one_member_never_has_two_confirmed_interviews_at_once(cast):
    first = services.propose(cast.employer, cast.application, proposal())
    other_student = factories.student()
    other_application = factories.application(cast.application.opening, other_student, state="finalist")
    second = services.propose(cast.employer, other_application, proposal(("2026-12-07", "10:15", "10:45"),
                                                                          ("2026-12-07", "11:00", "11:30")))
    services.pick(cast.student.student, first, first.slots[0].id)  # 10:00–10:30 taken
    with pytest.raises(services.InterviewError, match="ya no está libre"):
        services.pick(other_student.student, second, second.slots[0].id)
    assert second.state == "proposed"
    services.pick(other_student.student, second, second.slots[1].id)  # 11:00 is free
    assert second.state == "confirmed"
    # Proposing over a confirmed interview is refused at once, naming it.
    third_student = factories.student()
    third = factories.application(cast.application.opening, third_student, state="in_review")
    with pytest.raises(services.InterviewError, match="ya tienes una entrevista confirmada .* con Rosa Huamán"):
        services.propose(cast.employer, third, proposal(("2026-12-07", "10:20", "10:40")))


def test_asking_for_another_time_tells_the_employer_her_message(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    with pytest.raises(services.InterviewError, match="qué días y horas"):
        services.ask_other_time(cast.student.student, interview, "  ")
    holds = {str(e["UID"]) for e in _events(_calendar(_emails(cast.employer.email)[-1], "entrevista-horarios.ics"))}
    services.ask_other_time(cast.student.student, interview, "Solo puedo por las tardes, después de las 4.")
    assert interview.state == "reschedule" and interview.sequence == 1
    email = _emails(cast.employer.email)[-1]
    assert "Solo puedo por las tardes" in email.body_text
    # She declined the proposed slots: the holds leave both calendars (above the holds' SEQUENCE).
    for sent in (email, _emails(cast.student.email)[-1]):
        cancel = _calendar(sent, "entrevista-cancelada.ics")
        assert str(cancel["METHOD"]) == "CANCEL"
        assert {str(e["UID"]) for e in _events(cancel)} == holds
        assert {int(e["SEQUENCE"]) for e in _events(cancel)} == {1}
    assert "Pediste otro horario" in _emails(cast.student.email)[-1].subject
    # Her own step is no notification of hers.
    assert db.session.scalars(select(Notification.kind).where(Notification.user_id == cast.student.id)).all() \
        == ["interview-proposed"]


def test_the_interviewer_holds_the_proposed_slots_until_she_picks_one(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    [email] = _emails(cast.employer.email)
    holds = _calendar(email, "entrevista-horarios.ics")
    assert str(holds["METHOD"]) == "REQUEST" and [str(e["STATUS"]) for e in _events(holds)] == ["TENTATIVE"] * 3
    students = _events(_calendar(_emails(cast.student.email)[-1], "entrevista-horarios.ics"))
    assert [str(e["UID"]) for e in _events(holds)] == [str(e["UID"]) for e in students]
    assert "Rosa Huamán" in email.subject and "lun, 7 dic. 2026, 10:00–10:30" in email.body_text
    # Their own step: an email for the calendar, no notification.
    assert db.session.scalar(select(Notification).where(Notification.user_id == cast.employer.id)) is None
    services.pick(cast.student.student, interview, interview.slots[1].id)
    confirmation = _emails(cast.employer.email)[-1]
    assert str(_events(_calendar(confirmation, "entrevista.ics"))[0]["STATUS"]) == "CONFIRMED"
    cancel = _calendar(confirmation, "entrevista-cancelada.ics")
    assert {str(e["UID"]) for e in _events(cancel)} == {str(e["UID"]) for e in _events(holds)}


@pytest.mark.parametrize("confirm", [False, True])
def test_the_employers_own_cancel_clears_the_interviewers_calendar(cast, confirm):
    interview = services.propose(cast.employer, cast.application, proposal())
    if confirm:
        services.pick(cast.student.student, interview, interview.slots[0].id)
    before = len(_emails(cast.employer.email))
    services.cancel(cast.employer, interview, "Cubrimos la vacante.")
    [email] = _emails(cast.employer.email)[before:]
    cancel = _calendar(email, "entrevista-cancelada.ics")
    uids = [str(e["UID"]) for e in _events(cancel)]
    if confirm:
        assert len(uids) == 1 and uids[0].startswith(f"entrevista-{interview.id}@")
    else:
        assert len(uids) == 3 and all(u.startswith(f"entrevista-{interview.id}-horario-") for u in uids)
    assert "Cubrimos la vacante." in email.body_text and int(_events(cancel)[0]["SEQUENCE"]) == interview.sequence


def test_a_colleagues_reschedule_moves_the_holds_to_the_colleagues_calendar(cast):
    colleague = factories.named(factories.employer(cast.application.opening.company), "Jorge", "Mamani")
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    before = len(_emails(cast.employer.email))
    services.reschedule(colleague, interview, proposal(("2026-12-09", "16:00", "16:30")))
    [gone] = _emails(cast.employer.email)[before:]
    [old] = _events(_calendar(gone, "entrevista-cancelada.ics"))
    assert str(old["UID"]).startswith(f"entrevista-{interview.id}@") and int(old["SEQUENCE"]) == 1
    [held] = _emails(colleague.email)
    [slot] = _events(_calendar(held, "entrevista-horarios.ics"))
    assert str(slot["STATUS"]) == "TENTATIVE" and "Jorge" in str(slot["ORGANIZER"].params["CN"])


def test_rescheduling_ones_own_interview_sends_the_new_holds_and_cancels_the_old_in_one_email(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.reschedule(cast.employer, interview, proposal(("2026-12-09", "16:00", "16:30")))
    email = _emails(cast.employer.email)[-1]
    assert "Cambiaste los horarios" in email.body_text
    assert len(_events(_calendar(email, "entrevista-horarios.ics"))) == 1
    assert len(_events(_calendar(email, "entrevista-cancelada.ics"))) == 3


def test_a_reschedule_keeps_the_interview_bumps_the_sequence_and_replaces_the_calendar_event(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    services.reschedule(cast.employer, interview, proposal(("2026-12-09", "16:00", "16:30"), mode="videollamada",
                                                           place="https://meet.example.pe/abc"))
    assert (interview.state, interview.sequence, interview.starts_at) == ("proposed", 1, None)
    assert len(db.session.scalars(select(Interview)).all()) == 1
    email = _emails(cast.student.email)[-1]
    [option] = _events(_calendar(email, "entrevista-horarios.ics"))
    assert int(option["SEQUENCE"]) == 1
    cancel = _calendar(email, "entrevista-cancelada.ics")
    [old] = _events(cancel)
    assert str(old["UID"]).startswith(f"entrevista-{interview.id}@") and int(old["SEQUENCE"]) == 1
    # The interviewer's calendar loses the old time too.
    employer_cancel = _calendar(_emails(cast.employer.email)[-1], "entrevista-cancelada.ics")
    assert str(employer_cancel["METHOD"]) == "CANCEL"
    services.pick(cast.student.student, interview, interview.slots[0].id)
    [event] = _events(_calendar(_emails(cast.student.email)[-1], "entrevista.ics"))
    assert int(event["SEQUENCE"]) == 1 and str(event["URL"]) == "https://meet.example.pe/abc"


def test_cancelling_needs_a_reason_and_sends_a_cancel(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    with pytest.raises(services.InterviewError, match="motivo"):
        services.cancel(cast.employer, interview, " ")
    assert interview.state == "confirmed"
    services.cancel(cast.employer, interview, "Cubrimos la vacante.")
    assert (interview.state, interview.cancel_reason, interview.sequence) == ("cancelled", "Cubrimos la vacante.", 1)
    email = _emails(cast.student.email)[-1]
    assert "Cubrimos la vacante." in email.body_text
    calendar = _calendar(email, "entrevista-cancelada.ics")
    [event] = _events(calendar)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    # The slot is free again for another applicant.
    assert services.clash(cast.employer.id, interview.starts_at, interview.ends_at) is None


def test_rejecting_or_withdrawing_cancels_the_open_interview(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    applications.withdraw(cast.student.student, cast.application)
    assert interview.state == "cancelled" and "retiró" in interview.cancel_reason
    assert "Se canceló la entrevista con Rosa Huamán" in _emails(cast.employer.email)[-1].body_text

    other = factories.student()
    application = factories.application(cast.application.opening, other, state="finalist")
    interview = services.propose(cast.employer, application, proposal())
    applications.transition(cast.employer, application,
                            applications.Move("rejected", application.version, "profile_mismatch"))
    applications.commit_move(application)
    assert interview.state == "cancelled"
    assert any(a["filename"] == "entrevista-cancelada.ics" for a in _emails(other.email)[-1].attachments)


def _hire(cast, application):
    placements.move(cast.employer, application,
                    applications.Move("hired", application.version, start_date=date(2026, 12, 14)))


@pytest.mark.parametrize("confirm", [False, True])
def test_hiring_cancels_the_open_interview_ahead_as_no_longer_needed(cast, confirm):
    interview = services.propose(cast.employer, cast.application, proposal())
    if confirm:
        services.pick(cast.student.student, interview, interview.slots[0].id)
    before = {who: len(_emails(who)) for who in (cast.student.email, cast.employer.email)}
    _hire(cast, cast.application)
    db.session.refresh(interview)
    assert (interview.state, interview.cancel_reason) == ("cancelled", "Contratado/a")
    student_emails = _emails(cast.student.email)[before[cast.student.email]:]
    [cancelled] = [e for e in student_emails if e.subject.startswith("Entrevista cancelada")]
    assert "te seleccionaron" in cancelled.body_text and "Motivo: Contratado/a" in cancelled.body_text
    assert str(_calendar(cancelled, "entrevista-cancelada.ics")["METHOD"]) == "CANCEL"
    [member] = _emails(cast.employer.email)[before[cast.employer.email]:]
    assert str(_calendar(member, "entrevista-cancelada.ics")["METHOD"]) == "CANCEL"
    assert db.session.scalar(select(Notification.message).where(
        Notification.user_id == cast.student.id, Notification.kind == "interview-cancelled")).startswith("Ya no hace")


def test_hiring_after_the_interview_took_place_keeps_it_for_the_attendance_record(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    frozen_clock(datetime(2026, 12, 7, 11, 0))  # an hour after it began
    cast.application.state = "finalist"
    db.session.commit()
    _hire(cast, cast.application)
    db.session.refresh(interview)
    assert interview.state == "confirmed"
    services.record_attendance(cast.employer, interview, True)
    assert interview.state == "done"


def test_the_opening_ending_cancels_its_interviews(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    openings.finish(cast.application.opening, cast.employer, "close")
    db.session.refresh(interview)
    assert interview.state == "cancelled" and "terminó" in interview.cancel_reason


def test_erasing_her_account_cancels_her_interviews_and_tells_the_employer(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.ask_other_time(cast.student.student, interview, "Mi celular es 987654321, llámenme.")
    deletion.run(cast.student)
    db.session.refresh(interview)
    assert interview.state == "cancelled" and interview.student_message is None
    assert "eliminó su cuenta" in db.session.scalar(
        select(Notification.message).where(Notification.user_id == cast.employer.id,
                                           Notification.kind == "interview-cancelled"))


def test_erasing_her_account_takes_the_confirmed_interview_out_of_the_interviewers_calendar(cast):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    deletion.run(cast.student)
    email = _emails(cast.employer.email)[-1]
    [event] = _events(_calendar(email, "entrevista-cancelada.ics"))
    assert str(event["UID"]).startswith(f"entrevista-{interview.id}@") and "eliminó su cuenta" in email.body_text


def test_attendance_is_recorded_only_after_the_interview(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    with pytest.raises(services.InterviewError, match="aún no empieza"):
        services.record_attendance(cast.employer, interview, True)
    frozen_clock(datetime(2026, 12, 7, 11, 0))
    services.record_attendance(cast.employer, interview, False)
    assert (interview.state, interview.attended) == ("done", False)


def test_reminders_go_24_hours_and_2_hours_before_and_never_twice(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)  # Monday 10:00
    before = len(_emails())
    frozen_clock(datetime(2026, 12, 6, 9, 0))  # 25 h before: nothing yet
    assert services.send_reminders() == 0
    frozen_clock(datetime(2026, 12, 6, 10, 30))  # 23.5 h before
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    reminders = _emails()[before:]
    assert sorted(e.to_address for e in reminders) == sorted([cast.student.email, cast.employer.email])
    assert all("mañana" in e.subject for e in reminders)
    frozen_clock(datetime(2026, 12, 7, 8, 30))  # 1.5 h before
    assert services.send_reminders() == 1
    assert services.send_reminders() == 0
    assert len(_emails()) == before + 4
    frozen_clock(datetime(2026, 12, 7, 10, 5))  # started: nothing more
    assert services.send_reminders() == 0


def test_each_reminder_carries_the_current_invitation(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    services.reschedule(cast.employer, interview, proposal(("2026-12-09", "16:00", "16:30")))
    services.pick(cast.student.student, interview, interview.slots[0].id)  # Wednesday 16:00, SEQUENCE 1
    before = len(_emails())
    frozen_clock(datetime(2026, 12, 8, 17, 0))  # 23 h before
    assert services.send_reminders() == 1
    reminders = _emails()[before:]
    assert sorted(e.to_address for e in reminders) == sorted([cast.student.email, cast.employer.email])
    for email in reminders:
        calendar = _calendar(email, "entrevista.ics")
        [event] = _events(calendar)
        assert str(calendar["METHOD"]) == "REQUEST" and str(event["STATUS"]) == "CONFIRMED"
        assert str(event["UID"]) == calendar_uid(interview) and int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 9, 21, 0)


def test_an_interview_confirmed_the_same_day_gets_no_late_day_before_reminder(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    frozen_clock(datetime(2026, 12, 7, 7, 0))  # 3 h before the first slot
    services.pick(cast.student.student, interview, interview.slots[0].id)
    assert interview.reminded_24h_at == clock.utcnow() and interview.reminded_2h_at is None
    frozen_clock(datetime(2026, 12, 7, 8, 30))
    assert services.send_reminders() == 1
    assert all("2 horas" in e.subject for e in _emails()[-2:])


def test_a_cancelled_interview_gets_no_reminder(cast, frozen_clock):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    services.cancel(cast.employer, interview, "Se suspendió el proceso.")
    frozen_clock(datetime(2026, 12, 7, 8, 30) - timedelta(hours=12))
    assert services.send_reminders() == 0


def test_her_data_export_holds_her_interviews_but_not_the_employers_attendance_record(cast, frozen_clock):
    from portal.privacy import export

    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    frozen_clock(datetime(2026, 12, 7, 11, 0))
    services.record_attendance(cast.employer, interview, False)
    data, _files = export.collect(cast.student)
    [row] = data["entrevistas"]
    assert row["state"] == "done" and row["place"] == "Av. Los Incas 123, Arequipa"
    assert row["starts_at"] == "2026-12-07T15:00:00" and len(row["horarios_propuestos"]) == 3
    assert "attended" not in row
    employer_data, _ = export.collect(cast.employer)
    assert [r["id"] for r in employer_data["entrevistas"]] == [interview.id]


def test_erasing_the_proposing_members_account_cancels_the_interview_and_tells_her(cast):
    colleague = factories.employer(cast.application.opening.company)  # the company keeps an owner
    assert colleague.membership.company_id == cast.employer.membership.company_id
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)
    deletion.run(cast.employer)
    db.session.refresh(interview)
    assert interview.state == "cancelled" and "ya no está en el portal" in interview.cancel_reason
    email = _emails(cast.student.email)[-1]
    assert email.subject == "Entrevista cancelada: Electricista de planta"
    assert str(_calendar(email, "entrevista-cancelada.ics")["METHOD"]) == "CANCEL"
