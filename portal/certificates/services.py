"""Certificates: the writes (record, revoke). No request, no templates.

Every rule is checked here with a Spanish message, so the coordinator's form, an htmx
request, the roster import and the API meet the same checks: one certificate at a time
(`record`), or many at once (`check_many` then `add_many`, inside the caller's transaction).
A coordinator acts only on her own CETPRO's students (`access.students_of`), and a bad input
changes nothing.
"""
from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.access import students_of
from portal.audit import audit
from portal.extensions import db
from portal.models import STATUS_LIST_SIZE, AuditEvent, Certificate, Module, StudentProfile, User

# Crockford-like: no 0/O, 1/I/L, U, so a code read aloud or typed from paper is not mistyped.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 30**10 ≈ 5.9e14 codes: not guessable at any rate the limiter allows
NUMBER_MAX = 40
NUMBER_PATTERN = re.compile(r"^[0-9A-Za-zÑñ][0-9A-Za-zÑñ\-/. ]*$")
REASON_MAX = 500
EARLIEST = date(1980, 1, 1)


class CertificateError(ValueError):
    """A rule broken by the data given. `errors` maps form fields to their messages."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.errors = {field: message} if field else {}


@dataclass(frozen=True)
class CertificateData:
    module_id: int
    number: str
    issued_on: date | None


def new_code(rng=None) -> str:
    """A fresh public code; `rng` (a random.Random) only for seeded demo data."""
    choice = (rng or secrets).choice
    return "".join(choice(ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(text: str) -> str:
    """A code as typed or scanned: spaces and dashes dropped, upper case, never longer than
    a code can be (what the lookup reads, whatever was asked)."""
    return re.sub(r"[\s\-]", "", text or "").upper()[:16]


def _student(actor: User, student_id: int) -> StudentProfile:
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.id == student_id,
                                                             students_of(actor.cetpro_id)))
    if actor.role != "coordinator" or profile is None:
        raise CertificateError("Esa persona no es estudiante de tu CETPRO.")
    return profile


def number_taken_message(number: str) -> str:
    return f"Tu CETPRO ya registró un certificado con el número {number}. Revisa el número: cada certificado tiene el suyo."


IN_FORCE_MESSAGE = ("Esa persona ya tiene un certificado vigente de ese módulo. "
                    "Si el anterior tiene un error, revócalo primero.")


def _check(profile: StudentProfile, data: CertificateData) -> tuple[Module, str, date]:
    return checked(profile.programme_id, data)


def checked(programme_id: int, data: CertificateData, on: date | None = None) -> tuple[Module, str, date]:
    """The fields' rules (the module is one of the programme's, the number's form, the date
    not after `on` — today — nor before 1980): (module, number as kept, date), or
    CertificateError naming the field."""
    module = db.session.get(Module, data.module_id) if data.module_id else None
    if module is None:
        raise CertificateError("Elige el módulo formativo que se certifica.", "module_id")
    if module.programme_id != programme_id:
        raise CertificateError("Ese módulo no es del programa de estudios de la persona.", "module_id")
    number = " ".join((data.number or "").split())
    if not number:
        raise CertificateError("Escribe el número de registro del certificado.", "number")
    if len(number) > NUMBER_MAX:
        raise CertificateError(f"El número de registro tiene como máximo {NUMBER_MAX} caracteres.", "number")
    if not NUMBER_PATTERN.match(number):
        raise CertificateError("El número de registro solo lleva letras, números, espacios, guiones, "
                               "puntos y barras (por ejemplo 0123-2026).", "number")
    issued = data.issued_on
    if issued is None:
        raise CertificateError("Escribe la fecha de emisión del certificado.", "issued_on")
    if issued > (on or clock.today()):
        raise CertificateError("La fecha de emisión no puede ser posterior a hoy.", "issued_on")
    if issued < EARLIEST:
        raise CertificateError("Revisa la fecha de emisión: es anterior a 1980.", "issued_on")
    return module, number, issued


def _number_taken(cetpro_id: int, number: str) -> bool:
    return db.session.scalar(select(Certificate.id).where(Certificate.cetpro_id == cetpro_id,
                                                          Certificate.number == number)) is not None


def record(actor: User, student_id: int, data: CertificateData) -> Certificate:
    """Record a certificate of the actor's CETPRO for one of its students; committed."""
    profile = _student(actor, student_id)
    module, number, issued = _check(profile, data)
    if _number_taken(profile.cetpro_id, number):
        raise CertificateError(number_taken_message(number), "number")
    in_force = db.session.scalar(select(Certificate.id).where(
        Certificate.student_id == profile.id, Certificate.module_id == module.id, Certificate.state == "vigente"))
    if in_force is not None:
        raise CertificateError(IN_FORCE_MESSAGE, "module_id")
    certificate = Certificate(code=_free_code(), student_id=profile.id, module_id=module.id,
                              cetpro_id=profile.cetpro_id, number=number, issued_on=issued,
                              state="vigente", recorded_by_id=actor.id)
    db.session.add(certificate)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same number, recorded by someone else just now
        db.session.rollback()
        raise CertificateError(f"Tu CETPRO ya registró un certificado con el número {number}.", "number") from error
    audit("certificate.recorded", certificate, actor, cetpro_id=profile.cetpro_id, student_id=profile.id,
          module=module.name, number=number, issued_on=issued.isoformat())
    db.session.commit()
    return certificate


# --- Many at once: the roster import (and the API's roster sync) ------------------------------


@dataclass(frozen=True)
class Entry:
    """One certificate of a write of many, for a student of one CETPRO. `key` is the caller's
    own (a row of a file), handed back with the entry's errors; `student_id` is None for a
    student the same write creates."""

    key: Hashable
    student_id: int | None
    programme_id: int
    data: CertificateData


@dataclass(frozen=True)
class Checked:
    """An entry that passed every rule, with its values as kept."""

    entry: Entry
    module: Module
    number: str
    issued_on: date
    recorded: bool = False  # the very same certificate is already recorded: nothing to write


def check_many(cetpro_id: int, entries: Sequence[Entry], on: date | None = None
               ) -> tuple[dict[Hashable, list[str]], list[Checked]]:
    """`record`'s rules for many certificates of one CETPRO's students at once, against the
    database now and each other: ({key: messages} of the entries refused, the entries that
    pass). A certificate already recorded exactly so (same student, module, number, date, in
    force) passes as `recorded` and is not written again, so a file can be imported twice.
    Reads the numbers and the certificates in force in two statements, whatever the count."""
    errors: dict[Hashable, list[str]] = defaultdict(list)
    passed: list[Checked] = []
    for entry in entries:
        try:
            module, number, issued = checked(entry.programme_id, entry.data, on)
        except CertificateError as error:
            errors[entry.key].append(f"{_label(entry)}: {error}")
        else:
            passed.append(Checked(entry, module, number, issued))
    numbers = sorted({c.number for c in passed})
    taken: dict[str, Certificate] = {}
    for start in range(0, len(numbers), 500):
        taken.update((c.number, c) for c in db.session.scalars(select(Certificate).where(
            Certificate.cetpro_id == cetpro_id, Certificate.number.in_(numbers[start:start + 500]))))
    students = sorted({c.entry.student_id for c in passed if c.entry.student_id is not None})
    in_force: dict[tuple[int, int], str] = {}
    for start in range(0, len(students), 500):
        in_force.update(((student_id, module_id), number) for student_id, module_id, number in db.session.execute(
            select(Certificate.student_id, Certificate.module_id, Certificate.number).where(
                Certificate.student_id.in_(students[start:start + 500]), Certificate.state == "vigente")))
    by_number: dict[str, list[Checked]] = defaultdict(list)
    by_module: dict[tuple, list[Checked]] = defaultdict(list)
    for c in passed:
        by_number[c.number].append(c)
        by_module[(c.entry.key, c.entry.student_id, c.module.id)].append(c)
    fresh: list[Checked] = []
    for c in passed:
        key, student_id = c.entry.key, c.entry.student_id
        held = taken.get(c.number)
        label = _label(c.entry)
        if len(by_number[c.number]) > 1:
            errors[key].append(f"{label}: el número {c.number} se repite. Cada certificado tiene el suyo.")
        elif held is not None:
            if (held.student_id, held.module_id, held.issued_on, held.state) == \
                    (student_id, c.module.id, c.issued_on, "vigente"):
                fresh.append(Checked(c.entry, c.module, c.number, c.issued_on, recorded=True))
            else:
                errors[key].append(f"{label}: {number_taken_message(c.number)}")
        elif len(by_module[(key, student_id, c.module.id)]) > 1:
            errors[key].append(f"{label}: hay más de un certificado de ese módulo. Deja uno.")
        elif student_id is not None and in_force.get((student_id, c.module.id), c.number) != c.number:
            errors[key].append(f"{label}: {IN_FORCE_MESSAGE}")
        else:
            fresh.append(c)
    return dict(errors), [c for c in fresh if c.entry.key not in errors]


def _label(entry: Entry) -> str:
    """How a message names one certificate of many: «Módulo N° 0123-2026»."""
    module = db.session.get(Module, entry.data.module_id) if entry.data.module_id else None
    number = " ".join((entry.data.number or "").split())
    return f"«{module.name if module else 'sin módulo'}{f' N° {number}' if number else ''}»"


def add_many(actor: User | None, cetpro_id: int, certificates: Sequence[tuple[int, Checked]]) -> int:
    """Write certificates `check_many` passed, as (student id, checked), with bulk statements,
    each with its audit event; not committed (the caller's transaction writes them with the
    rest, or none). Those already `recorded` are skipped. How many were written. `actor`: who
    answers for them (None: the system, as an API sync whose token's creator left)."""
    new = [(student_id, c) for student_id, c in certificates if not c.recorded]
    if not new:
        return 0
    codes = _free_codes(len(new))
    indexes = free_status_indexes(len(new))
    now = clock.utcnow()
    db.session.execute(insert(Certificate), [
        {"code": code, "student_id": student_id, "module_id": c.module.id, "cetpro_id": cetpro_id,
         "number": c.number, "issued_on": c.issued_on, "state": "vigente", "recorded_by_id": actor.id if actor else None,
         "created_at": now, "status_index": index}
        for code, index, (student_id, c) in zip(codes, indexes, new, strict=True)])
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        ids.update(db.session.execute(select(Certificate.code, Certificate.id).where(
            Certificate.code.in_(codes[start:start + 500]))).all())
    db.session.execute(insert(AuditEvent), [
        {"actor_id": actor.id if actor else None, "action": "certificate.recorded", "object_type": "Certificate",
         "object_id": ids[code], "created_at": now,
         "data": {"cetpro_id": cetpro_id, "student_id": student_id, "module": c.module.name, "number": c.number,
                  "issued_on": c.issued_on.isoformat()}}
        for code, (student_id, c) in zip(codes, new, strict=True)])
    return len(new)


def free_status_indexes(count: int, rng=None, taken: set[int] | None = None) -> list[int]:
    """`count` free status-list indexes at once, by `models.free_status_index`'s rule (random
    among as many lists as keep them at most half full), checked against the table in a few
    statements instead of two per row. `rng` (a random.Random) and `taken` (the indexes in
    use, when the caller keeps them) only for seeded data."""
    randbelow = rng.randrange if rng else secrets.randbelow
    held = db.session.scalar(select(func.count()).select_from(Certificate)) if taken is None else len(taken)
    span = STATUS_LIST_SIZE * (1 + (held + count) // (STATUS_LIST_SIZE // 2))
    chosen: list[int] = []
    seen: set[int] = set()
    while len(chosen) < count:
        drawn = []
        for _ in range(count - len(chosen)):
            if (index := randbelow(span)) not in seen:
                seen.add(index)
                drawn.append(index)
        if taken is not None:
            used = taken
        else:
            used = set()
            for first in range(0, len(drawn), 500):
                used.update(db.session.scalars(select(Certificate.status_index).where(
                    Certificate.status_index.in_(drawn[first:first + 500]))))
        chosen += [index for index in drawn if index not in used]
    return chosen


def _free_codes(count: int) -> list[str]:
    """`count` new codes, none in use (checked in one statement; a collision is ~1 in 10**14)."""
    while True:
        codes = list({new_code() for _ in range(count)})
        if len(codes) == count and not any(db.session.scalar(
                select(Certificate.id).where(Certificate.code.in_(codes[start:start + 500])).limit(1))
                for start in range(0, count, 500)):
            return codes


def _free_code() -> str:
    while True:  # a collision is ~1 in 10**14; checked anyway, the column is unique too
        code = new_code()
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def revoke(actor: User, certificate: Certificate, reason: str | None) -> bool:
    """Revoke with a reason; the row stays (shown as revoked everywhere). Committed.
    False when it was revoked already (a double click changes nothing)."""
    if actor.role != "coordinator" or certificate.cetpro_id != actor.cetpro_id:
        raise CertificateError("Ese certificado no es de tu CETPRO.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("Escribe el motivo de la revocación: queda en el registro.", "reason")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"El motivo tiene como máximo {REASON_MAX} caracteres.", "reason")
    if not certificate.in_force:
        return False
    certificate.state = "revocado"
    certificate.revoked_at = clock.utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    audit("certificate.revoked", certificate, actor, cetpro_id=certificate.cetpro_id,
          student_id=certificate.student_id, number=certificate.number, reason=reason)
    db.session.commit()
    return True
