"""An interview's iCalendar invitations (RFC 5545/5546), made with the `icalendar` library.

One stable UID per interview (`entrevista-<id>@host`) for the confirmed time, so each
REQUEST with a higher SEQUENCE moves the same calendar event and a CANCEL removes it.
A proposal has no one time yet: its invitation holds each proposed slot as a TENTATIVE
event with its own UID (`entrevista-<id>-horario-<slot>@host`), which the confirmation,
her asking for another time, a reschedule or a cancellation then cancels. Who gets which
file at each step: the docstring of services.py.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress

from portal import clock, links, mail, vocab
from portal.models import Interview, InterviewSlot, User

PRODID = "-//Enlace CETPRO//Entrevistas//ES"


def _host() -> str:
    return urlsplit(links.base_url()).hostname or "enlace-cetpro"


def uid(interview: Interview) -> str:
    return f"entrevista-{interview.id}@{_host()}"


def slot_uid(interview: Interview, slot: InterviewSlot) -> str:
    return f"entrevista-{interview.id}-horario-{slot.id}@{_host()}"


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _address(user: User, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = user.full_name
    if role:
        address.params["role"] = role
    return address


def _event(interview: Interview, event_uid: str, starts: datetime, ends: datetime, status: str) -> Event:
    application = interview.application
    opening = application.opening
    event = Event()
    event.add("uid", event_uid)
    event.add("dtstamp", _aware(clock.utcnow()))
    event.add("dtstart", _aware(starts))
    event.add("dtend", _aware(ends))
    event.add("sequence", interview.sequence)
    event.add("status", status)
    event.add("summary", f"Entrevista: {opening.title} ({opening.company.display_name})")
    place = f"{vocab.INTERVIEW_MODES[interview.mode]}: {interview.place}"
    event.add("location", place)
    description = [place]
    if interview.note:
        description.append(interview.note)
    event.add("description", "\n".join(description))
    if interview.mode == "videollamada":
        event.add("url", interview.place)
    event.add("organizer", _address(interview.proposed_by))
    event.add("attendee", _address(application.student.user, "REQ-PARTICIPANT"))
    return event


def _calendar(method: str, events: Iterable[Event]) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def _file(filename: str, method: str, events: list[Event]) -> dict:
    return mail.attachment(filename, f"text/calendar; method={method}", _calendar(method, events))


def options(interview: Interview) -> dict:
    """The proposal: each slot as a tentative event (METHOD:REQUEST)."""
    return _file("entrevista-horarios.ics", "REQUEST", [
        _event(interview, slot_uid(interview, slot), slot.starts_at, slot.ends_at, "TENTATIVE")
        for slot in interview.slots])


def confirmed(interview: Interview) -> dict:
    """The chosen time (METHOD:REQUEST, the stable UID)."""
    return _file("entrevista.ics", "REQUEST",
                 [_event(interview, uid(interview), interview.starts_at, interview.ends_at, "CONFIRMED")])


def cancelled(interview: Interview, slots: list[InterviewSlot] | None = None,
              starts_ends: tuple[datetime, datetime] | None = None) -> dict:
    """METHOD:CANCEL for what was sent before: the confirmed time (`starts_ends`, the stable
    UID) and/or proposed `slots` (their own UIDs)."""
    events = [_event(interview, slot_uid(interview, slot), slot.starts_at, slot.ends_at, "CANCELLED")
              for slot in slots or ()]
    if starts_ends is not None:
        events.append(_event(interview, uid(interview), *starts_ends, "CANCELLED"))
    return _file("entrevista-cancelada.ics", "CANCEL", events)
