"""The reminder job end to end: the worker (`flask worker --once`) finds a confirmed
interview due for its reminder, the outbox sends it over a real SMTP server (aiosmtpd), and
a worker started again for the same slot sends nothing more. The confirmation's .ics
arrives over SMTP too, and parses back with icalendar."""
from datetime import datetime
from email import message_from_bytes, policy

from icalendar import Calendar

from portal.interviews import services
from tests.helpers.interviews import proposal


def _messages(smtp_server):
    return [message_from_bytes(envelope.content, policy=policy.default) for envelope in smtp_server.messages]


def _ics(message, filename):
    [part] = [p for p in message.iter_attachments() if p.get_filename() == filename]
    return part, Calendar.from_ical(part.get_content())


def test_the_confirmation_and_the_reminders_arrive_over_smtp_once_each(cast, frozen_clock, runner, smtp_server):
    interview = services.propose(cast.employer, cast.application, proposal())
    services.pick(cast.student.student, interview, interview.slots[0].id)  # Monday 7 Dec, 10:00 Lima
    interview_id = interview.id
    student, employer = cast.student.email, cast.employer.email  # the worker removes the session
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    messages = _messages(smtp_server)
    # The proposal to her, its holds to the interviewer, then the confirmation to both.
    assert [m["To"] for m in messages] == [student, employer, student, employer]
    for message in messages[2:]:
        part, calendar = _ics(message, "entrevista.ics")
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]).startswith(f"entrevista-{interview_id}@")
        assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 12, 7, 15, 0)  # UTC
        assert str(calendar["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0

    frozen_clock(datetime(2026, 12, 6, 10, 2))  # Sunday: 24 h before, the job's next slot
    runner.invoke(args=["worker", "--once"])  # the reminders are queued …
    frozen_clock(datetime(2026, 12, 6, 10, 3))
    runner.invoke(args=["worker", "--once"])  # … and the outbox sends them
    reminders = _messages(smtp_server)[4:]
    assert sorted(m["To"] for m in reminders) == sorted([student, employer])
    assert all("Recordatorio: entrevista mañana" in m["Subject"] for m in reminders)
    # Each reminder carries the confirmed invitation again: same UID, same SEQUENCE.
    for message in reminders:
        part, calendar = _ics(message, "entrevista.ics")
        [event] = calendar.walk("VEVENT")
        assert part.get_param("method") == "REQUEST" and str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == f"entrevista-{interview_id}@{str(event['UID']).split('@')[1]}"
        assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert "lun, 7 dic. 2026, 10:00–10:30" in reminders[0].get_body().get_content()

    # A worker started again (a restart, a second one) for the same or a later slot: nothing twice.
    runner.invoke(args=["worker", "--once"])
    frozen_clock(datetime(2026, 12, 6, 10, 8))
    runner.invoke(args=["worker", "--once"])
    frozen_clock(datetime(2026, 12, 6, 10, 9))
    runner.invoke(args=["worker", "--once"])
    assert len(smtp_server.messages) == 6

    frozen_clock(datetime(2026, 12, 7, 8, 1))  # 2 h before
    runner.invoke(args=["worker", "--once"])
    frozen_clock(datetime(2026, 12, 7, 8, 2))
    runner.invoke(args=["worker", "--once"])
    last = _messages(smtp_server)[6:]
    assert len(last) == 2 and all("en 2 horas" in m["Subject"] for m in last)
