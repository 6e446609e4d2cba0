"""Importing a roster file: check every row against the database, keep a preview, import.

The flow (issue 6):

1. `read()` turns the upload into rows of text (`sheets.read_sheet`) or refuses the file.
2. `save_preview()` keeps those rows server-side, in the `import_previews` table, bound
   to the coordinator and its CETPRO, with the file's SHA-256, for an hour. Not in the
   cookie session (5,000 rows do not fit there) nor on one host's disk: whichever host
   serves the confirm must find them.
3. `check()` validates the rows against the database *as it is now*. Every rendering of a
   preview checks again, and its `revision` (a hash of each row's outcome) goes into the
   confirm form.
4. `confirm()` checks once more: if the outcome changed since the coordinator looked
   (someone imported or registered meanwhile) nothing is written and the new preview is
   shown; otherwise the valid rows are written in one transaction with bulk statements.
   The database's unique constraints (DNI, email) are the last guard against a race.

Checking and writing know nothing of files or previews, so another caller (the API's roster
sync) uses them as they are: `check_records(records, cetpro)` takes rows as
(row number, {field: text}) — the fields are `sheets.FIELDS`, missing ones read as empty —
and gives one outcome per row (`Check.rows`: errors, notes, new or update); `write(check,
cetpro, actor)` writes the valid rows in the caller's transaction. Certificates go through
the certificates service (`check_many`, `add_many`): the same rules as one by one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, formatting, places, vocab
from portal.certificates import services as certificates
from portal.clock import utcnow
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_ce, clean_dni, clean_mobile
from portal.models import (
    AuditEvent,
    Cetpro,
    ImportPreview,
    Module,
    OutboxEmail,
    Programme,
    StudentProfile,
    User,
    student_modules,
)
from portal.reference import live
from portal.roster import services
from portal.roster.sheets import CERTIFICATE_PARTS, CERTIFICATE_SEPARATOR, FIELDS, Sheet, fold, read_sheet

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
PREVIEW_MAX_AGE = 3600
CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits

STATUS_WORDS = {
    "estudiante": "estudiante",
    "egresado": "egresado", "egresada": "egresado", "egresado(a)": "egresado", "egresado/a": "egresado",
    "titulado": "titulado", "titulada": "titulado", "titulado(a)": "titulado", "titulado/a": "titulado",
}
# What the «sexo» column accepts (folded), as the profile keeps it (vocab.SEXES).
SEX_WORDS = {
    "femenino": "femenino", "femenina": "femenino", "f": "femenino", "mujer": "femenino",
    "masculino": "masculino", "m": "masculino", "hombre": "masculino",
    "prefiero no decir": "prefiero_no_decir", "prefiero_no_decir": "prefiero_no_decir",
}
assert set(SEX_WORDS.values()) == set(vocab.SEXES)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")

# A DNI of another CETPRO's student and an email of an account outside this CETPRO get the
# same words: what the coordinator can act on, and not which of the two, nor whose account
# (a file of 5,000 rows must not tell who studies where, or who has an account).
ALREADY_REGISTERED = ("Ya registrado(a) en el portal: pide al estudiante que solicite su traslado a tu "
                      "CETPRO escribiendo al equipo de Enlace CETPRO.")



def fingerprint(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read(content: bytes) -> Sheet:
    """The rows of an uploaded file, or FileRefused (not CSV/XLSX, empty, headers, too many rows)."""
    return read_sheet(content, MAX_ROWS)


# --- Checking rows --------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    action: str | None = None  # "new" or "update" once valid
    clean: dict = field(default_factory=dict)
    user_id: int | None = None
    profile_id: int | None = None
    programme_id_before: int | None = None

    @property
    def name(self) -> str:
        return f"{self.values['first_names']} {self.values['last_names']}".strip()


@dataclass
class Check:
    """The outcome of every row of a file against the database at one moment."""

    rows: list[Row]

    @property
    def new(self) -> int:
        return sum(1 for r in self.rows if r.action == "new")

    @property
    def updates(self) -> int:
        return sum(1 for r in self.rows if r.action == "update")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def valid(self) -> int:
        return self.new + self.updates

    @property
    def revision(self) -> str:
        """Changes whenever any row's outcome would change: what "stale" means."""
        outcome = [[r.line, r.action, r.errors] for r in self.rows]
        return hashlib.sha256(json.dumps(outcome, ensure_ascii=False).encode()).hexdigest()[:32]

    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    def valid_rows(self) -> list[Row]:
        return [r for r in self.rows if r.action]


@dataclass
class Reference:
    programmes: dict[str, tuple[int, str, str]]  # folded name → (id, name, level)
    modules: dict[int, dict[str, int]]  # programme id → folded module name → module id
    departments: dict[str, str]  # folded name → 2-digit INEI code
    provinces: dict[str, str]  # folded name → 4-digit INEI code (province names are unique in Peru)


def load_reference() -> Reference:
    programmes = {fold(name): (pid, name, level)
                  for pid, name, level in db.session.execute(
                      select(Programme.id, Programme.name, Programme.level).where(live.programmes()))}
    modules: dict[int, dict[str, int]] = defaultdict(dict)
    for mid, pid, name in db.session.execute(select(Module.id, Module.programme_id, Module.name)
                                             .where(live.modules())):
        modules[pid][fold(name)] = mid
    departments = {fold(name): code for code, name in places.departments()}
    provinces = {fold(name): code for dep, _ in places.departments() for code, name in places.provinces(dep)}
    return Reference(programmes, dict(modules), departments, provinces)


def _parse_date(text: str) -> date | None:
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return date(year, month, day)


def _clean_row(row: Row, ref: Reference, on: date) -> None:
    """Checks that need no database: each cell on its own."""
    v, clean, errors = row.values, row.clean, row.errors
    # Each student is identified by one document: a DNI or, for who has none, a carné de
    # extranjería; (document_type, document_number) is what an existing student is found by.
    if not v["dni"] and not v.get("ce"):
        errors.append("Falta el DNI o el carné de extranjería: llena uno de los dos.")
    elif v["dni"] and v.get("ce"):
        errors.append(f"DNI «{v['dni']}» y carné de extranjería «{v['ce']}»: llena solo uno de los dos.")
    elif v["dni"]:
        try:
            clean["dni"] = clean_dni(v["dni"])
            clean["document"] = ("dni", clean["dni"])
        except IdentifierError as error:
            errors.append(f"DNI «{v['dni']}»: {error}")
    else:
        try:
            clean["ce"] = clean_ce(v["ce"])
            clean["document"] = ("ce", clean["ce"])
        except IdentifierError as error:
            errors.append(f"Carné de extranjería «{v['ce']}»: {error}")
    for key, label in (("first_names", "los nombres"), ("last_names", "los apellidos")):
        if not v[key]:
            errors.append(f"Faltan {label}.")
        elif len(v[key]) > 120:
            errors.append(f"{label.capitalize()} pueden tener hasta 120 caracteres.")
        else:
            clean[key] = " ".join(v[key].split())
    if not v["email"]:
        errors.append("Falta el correo: lo necesitamos para enviarle la invitación.")
    else:
        try:
            clean["email"] = validate_email(v["email"], check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.append(f"El correo «{v['email']}» no es válido (ejemplo: nombre@correo.pe).")
    if v["mobile"]:
        try:
            clean["mobile"] = clean_mobile(v["mobile"])
        except IdentifierError as error:
            errors.append(f"Celular «{v['mobile']}»: {error}")
    programme = None
    if not v["programme"]:
        errors.append("Falta el programa de estudios.")
    elif (programme := ref.programmes.get(fold(v["programme"]))) is None:
        errors.append(f"Programa desconocido: «{v['programme']}». Escríbelo como en la hoja "
                      "«Programas y módulos» de la plantilla.")
    else:
        clean["programme_id"], clean["programme"], clean["level"] = programme
    module_ids: list[int] = []
    for name in (part.strip() for part in v["modules"].split(";")):
        if not name or programme is None:
            continue
        module_id = ref.modules.get(programme[0], {}).get(fold(name))
        if module_id is None:
            errors.append(f"Módulo desconocido en {programme[1]}: «{name}».")
        elif module_id not in module_ids:
            module_ids.append(module_id)
    clean["module_ids"] = module_ids
    status = None
    if not v["status"]:
        errors.append("Falta el estado: estudiante, egresado o titulado.")
    elif (status := STATUS_WORDS.get(fold(v["status"]))) is None:
        errors.append(f"Estado desconocido «{v['status']}»: usa estudiante, egresado o titulado.")
    else:
        clean["status"] = status
    clean["graduation_date"] = None
    if v["graduation_date"]:
        try:
            graduated = _parse_date(v["graduation_date"])
        except ValueError:
            errors.append(f"Fecha de egreso no válida «{v['graduation_date']}»: escríbela como dd/mm/aaaa "
                          "(por ejemplo 15/12/2024).")
        else:
            if graduated > on:
                errors.append(f"La fecha de egreso {formatting.day(graduated)} está en el futuro.")
            else:
                clean["graduation_date"] = graduated
    elif status in ("egresado", "titulado"):
        errors.append("Falta la fecha de egreso: es obligatoria para egresados y titulados.")
    department = province = None
    if v["department"] and (department := ref.departments.get(fold(v["department"]))) is None:
        errors.append(f"Departamento desconocido «{v['department']}».")
    if v["province"]:
        province = ref.provinces.get(fold(v["province"]))
        if province is None:
            errors.append(f"Provincia desconocida «{v['province']}».")
        elif department and not province.startswith(department):
            errors.append(f"La provincia «{v['province']}» no está en el departamento «{v['department']}».")
        else:
            department = province[:2]
    clean["department_code"], clean["province_code"] = department, province
    clean["sex"] = SEX_WORDS.get(fold(v.get("sex", "")))
    if v.get("sex") and clean["sex"] is None:
        errors.append(f"Sexo desconocido «{v['sex']}»: usa femenino, masculino o prefiero no decir "
                      "(o deja la celda vacía).")
    clean["certificate_entries"] = _certificate_entries(row, programme, ref)


def _certificate_entries(row: Row, programme: tuple | None, ref: Reference) -> list[certificates.CertificateData]:
    """The «certificados» cell as the certificates service reads them («MÓDULO|N°|fecha; …»),
    each entry's form checked here (module of the row's programme, a date); the service
    checks the rest (number, date range, uniqueness) with every other certificate."""
    found: list[certificates.CertificateData] = []
    for text in (part.strip() for part in row.values.get("certificates", "").split(CERTIFICATE_SEPARATOR)):
        if not text:
            continue
        parts = [part.strip() for part in text.split(CERTIFICATE_PARTS)]
        if len(parts) != 3 or not all(parts):
            row.errors.append(f"Certificados: «{text}» no se entiende. Escribe cada uno como "
                              "MÓDULO|N° de registro|fecha (por ejemplo «Tableros eléctricos|0123-2026|2026-07-15»), "
                              "separados por punto y coma.")
            continue
        name, number, day = parts
        if programme is None:
            continue  # the programme's own message says what is wrong
        module_id = ref.modules.get(programme[0], {}).get(fold(name))
        if module_id is None:
            row.errors.append(f"Certificados: «{name}» no es un módulo de {programme[1]}.")
            continue
        try:
            issued = _parse_date(day)
        except ValueError:
            row.errors.append(f"Certificados: la fecha «{day}» del certificado N° {number} no es válida: "
                              "escríbela como aaaa-mm-dd o dd/mm/aaaa (por ejemplo 2026-07-15).")
            continue
        found.append(certificates.CertificateData(module_id, number, issued))
    return found


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _repeated(rows: list[Row], key: str, label: str) -> None:
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.clean.get(key):
            lines[row.clean[key]].append(row.line)
    for row in rows:
        found = lines.get(row.clean.get(key) or "", [])
        if len(found) > 1:
            listed = ", ".join(str(n) for n in found[:-1]) + f" y {found[-1]}"
            row.errors.append(f"{label} repetido en el archivo (filas {listed}).")


def check(raw_rows: list[tuple[int, list[str]]], cetpro: Cetpro, on: date | None = None) -> Check:
    """Validate every row of a file (values in `FIELDS` order) against the reference data
    and the database now."""
    return check_records([(line, dict(zip(FIELDS, _current(values), strict=False))) for line, values in raw_rows],
                         cetpro, on)


def _current(values: list[str]) -> list[str]:
    """A row read before the «carné de extranjería» column (FIELDS' second) was added, kept in
    a preview saved then, has one value fewer: its DNI, then the rest, as they were."""
    return [values[0], "", *values[1:]] if len(values) == len(FIELDS) - 1 else values


def check_records(records, cetpro: Cetpro, on: date | None = None) -> Check:
    """Validate rows given as (row number, {field: text}) against the reference data and the
    database now: one outcome per row, in order. Fields missing from a row read as empty
    (the optional columns, a caller that does not send them)."""
    on = on or clock.today()
    ref = load_reference()
    rows = [Row(line=line, values={name: str(values.get(name) or "").strip() for name in FIELDS})
            for line, values in records]
    for row in rows:
        _clean_row(row, ref, on)
    _repeated(rows, "dni", "DNI")
    _repeated(rows, "ce", "Carné de extranjería")
    _repeated(rows, "email", "Correo")

    existing: dict[tuple[str, str], tuple] = {}  # (document_type, document_number) → the student
    for kind in ("dni", "ce"):
        numbers = sorted({r.clean[kind] for r in rows if kind in r.clean})
        for part in _chunks(numbers):
            for found in db.session.execute(
                select(StudentProfile.document_number, StudentProfile.id, StudentProfile.user_id,
                       StudentProfile.cetpro_id, StudentProfile.programme_id, StudentProfile.verification_state,
                       User.email)
                .join(User, User.id == StudentProfile.user_id)
                .where(StudentProfile.document_type == kind, StudentProfile.document_number.in_(part))
            ):
                existing[(kind, found.document_number)] = found
    emails = sorted({r.clean["email"] for r in rows if "email" in r.clean})
    taken: dict[str, int | None] = {}  # email → the CETPRO of the student who has it (None: not a student)
    for part in _chunks(emails):
        taken.update(db.session.execute(
            select(User.email, StudentProfile.cetpro_id)
            .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
            .where(User.email.in_(part))).all())

    for row in rows:
        found = existing.get(row.clean.get("document"))
        if found is not None and found.cetpro_id != cetpro.id:
            row.errors.append(ALREADY_REGISTERED)
        elif found is not None:
            row.user_id, row.profile_id, row.programme_id_before = found.user_id, found.id, found.programme_id
            email = row.clean.get("email")
            if email and email != found.email:
                row.notes.append(f"Su cuenta conserva el correo {found.email}: el correo lo cambia la persona.")
            if found.verification_state != "verified":
                row.notes.append("Registrado(a) por su cuenta y aún sin verificar: revísalo en «Por verificar».")
        elif row.clean.get("email") in taken:
            if taken[row.clean["email"]] == cetpro.id:  # the coordinator's own student: hers to know
                row.errors.append(f"El correo {row.clean['email']} ya lo usa otro estudiante de tu CETPRO.")
            else:
                row.errors.append(ALREADY_REGISTERED)
    _check_certificates(rows, cetpro, on)
    for row in rows:
        if not row.errors:
            row.action = "update" if row.profile_id else "new"
    return Check(rows)


def _check_certificates(rows: list[Row], cetpro: Cetpro, on: date) -> None:
    """The certificates of every row of this CETPRO's students, through the certificates
    service's rules, against the database and each other; each passed one is kept in the
    row's `clean["certificates"]` for `write`."""
    entries = [certificates.Entry(index, row.profile_id, row.clean["programme_id"], data)
               for index, row in enumerate(rows) if ALREADY_REGISTERED not in row.errors
               for data in row.clean.get("certificate_entries", ())]
    refused, passed = certificates.check_many(cetpro.id, entries, on)
    for index, messages in refused.items():
        rows[index].errors.extend(f"Certificados: {message}" for message in messages)
    for row in rows:
        row.clean["certificates"] = []
    for checked in passed:
        rows[checked.entry.key].clean["certificates"].append(checked)


# --- Previews kept in the database ------------------------------------------------------------------


class PreviewMissing(LookupError):
    """No such preview for this coordinator (never made, someone else's, or tampered)."""


class PreviewExpired(LookupError):
    """Older than PREVIEW_MAX_AGE: the file must be uploaded again."""


class PreviewBusy(RuntimeError):
    """Another request is importing this preview right now (a double click)."""


class PreviewChanged(RuntimeError):
    """The outcome differs from what the coordinator confirmed: nothing was written."""

    def __init__(self, preview: Preview, check: Check):
        super().__init__("preview changed")
        self.preview = preview
        self.check = check


class NothingToImport(ValueError):
    def __init__(self, preview: Preview, check: Check):
        super().__init__("no valid rows")
        self.preview = preview
        self.check = check


@dataclass
class Preview:
    token: str
    user_id: int
    cetpro_id: int
    created: datetime  # UTC, naive, as the database keeps it
    fingerprint: str
    filename: str
    kind: str
    rows: list[tuple[int, list[str]]]

    @property
    def expired(self) -> bool:
        return utcnow() - self.created > timedelta(seconds=PREVIEW_MAX_AGE)


@dataclass
class Result:
    new: int
    updated: int
    skipped: int
    filename: str
    repeated: bool = False  # a second confirm of the same preview (double click)
    certificates: int = 0  # certificates recorded (those already recorded exactly so are not counted)


def _purge_old() -> int:
    """Drop previews and results nobody came back for (one DELETE, at every upload and every
    night: their rows hold people's DNIs and emails); how many went."""
    return db.session.execute(delete(ImportPreview).where(
        ImportPreview.created_at < utcnow() - timedelta(seconds=2 * PREVIEW_MAX_AGE))).rowcount or 0


def purge_old_previews() -> int:
    """The nightly retention job's part: previews older than two hours; committed."""
    removed = _purge_old()
    db.session.commit()
    return removed


def shown_name(filename: str | None) -> str:
    """The uploaded file's name as we keep and show it: no control characters (a NUL, which
    PostgreSQL's text refuses, a line break), at most 200 characters."""
    return "".join(ch for ch in (filename or "") if ch.isprintable())[:200]


def save_preview(user: User, sheet: Sheet, file_fingerprint: str, filename: str) -> str:
    """Keep the rows for the confirm (any host may serve it); committed by the caller."""
    _purge_old()
    token = secrets.token_urlsafe(24)
    db.session.add(ImportPreview(token=token, user_id=user.id, cetpro_id=user.cetpro_id, state="ready",
                                 fingerprint=file_fingerprint, filename=shown_name(filename),
                                 kind=sheet.kind, rows=sheet.rows))
    return token


def check_upload(user: User, cetpro: Cetpro, sheet: Sheet, file_fingerprint: str, filename: str) -> str:
    """Keep an uploaded file's preview and put its check on record; returns the preview's token.

    Every check is audited (who, which file, how many rows and with what outcome), because
    each one answers, row by row, whether a DNI or an email is already in the portal."""
    token = save_preview(user, sheet, file_fingerprint, filename)
    outcome = check(sheet.rows, cetpro)
    db.session.add(AuditEvent(
        actor_id=user.id, action="roster.import_checked", object_type="Cetpro", object_id=cetpro.id,
        data={"file": shown_name(filename), "fingerprint": file_fingerprint, "rows": len(outcome.rows),
              "new": outcome.new, "updated": outcome.updates, "failed": outcome.failed,
              "already_registered": sum(1 for r in outcome.rows if ALREADY_REGISTERED in r.errors)},
    ))
    db.session.commit()
    return token


def _own_row(token: str, user: User) -> ImportPreview | None:
    """The coordinator's own preview row (in any state), or None."""
    if not _TOKEN.match(token or "") or user.cetpro_id is None:
        return None
    row = db.session.get(ImportPreview, token, populate_existing=True)
    if row is None or row.user_id != user.id or row.cetpro_id != user.cetpro_id:
        return None
    return row


def load_preview(token: str, user: User) -> Preview:
    """The coordinator's own preview, or PreviewMissing; PreviewExpired once an hour has passed."""
    row = _own_row(token, user)
    if row is None:
        raise PreviewMissing(token)
    preview = Preview(token=token, user_id=row.user_id, cetpro_id=row.cetpro_id, created=row.created_at,
                      fingerprint=row.fingerprint, filename=row.filename, kind=row.kind,
                      rows=[(int(line), [str(v) for v in values]) for line, values in row.rows])
    if preview.expired and row.state == "ready":
        db.session.delete(row)
        db.session.commit()
        raise PreviewExpired(token)
    return preview


def _finished(token: str, user: User) -> Result | None:
    row = _own_row(token, user)
    if row is None or row.state != "done" or not row.result:
        return None
    data = row.result
    return Result(new=data["new"], updated=data["updated"], skipped=data["skipped"],
                  filename=row.filename, repeated=True, certificates=data.get("certificates", 0))


# --- Confirming -------------------------------------------------------------------------------------


CLAIM_TIMEOUT = 300  # an import of 5,000 rows takes seconds; a claim this old lost its worker


def _set_state(token: str, before: str, after: str, *conditions) -> bool:
    """Move a preview from one state to the next in one committed UPDATE; False if it was not
    in `before` (another request moved it first): the database decides who wins a race."""
    claimed_at = utcnow() if after == "importing" else None
    moved = db.session.execute(
        update(ImportPreview).where(ImportPreview.token == token, ImportPreview.state == before, *conditions)
        .values(state=after, claimed_at=claimed_at)).rowcount
    db.session.commit()
    return moved == 1


def _recover_abandoned(token: str) -> None:
    """A worker killed mid-import leaves its claim behind (its transaction was rolled back
    by the database): after a while the preview may be confirmed again, and is re-checked."""
    _set_state(token, "importing", "ready",
               ImportPreview.claimed_at < utcnow() - timedelta(seconds=CLAIM_TIMEOUT))


def confirm(token: str, user: User, cetpro: Cetpro, file_fingerprint: str, revision: str,
            on: date | None = None) -> Result:
    """Import the valid rows of a preview if they are still what the coordinator saw."""
    if (done := _finished(token, user)) is not None:
        return done
    _recover_abandoned(token)
    preview = load_preview(token, user)
    if preview.cetpro_id != cetpro.id:
        raise PreviewMissing(token)
    if not hmac.compare_digest(file_fingerprint or "", preview.fingerprint):
        raise PreviewChanged(preview, check(preview.rows, cetpro, on))
    # One UPDATE claims the preview: a second click waits for no one and writes nothing.
    if not _set_state(token, "ready", "importing"):
        if (done := _finished(token, user)) is not None:
            return done
        raise PreviewBusy(token)
    try:
        current = check(preview.rows, cetpro, on)
        if not hmac.compare_digest(current.revision, revision or ""):
            raise PreviewChanged(preview, current)
        if not current.valid:
            raise NothingToImport(preview, current)
        try:
            return apply(current, cetpro, user, preview)  # marks the preview done in its commit
        except IntegrityError:
            # Someone registered or imported one of these people a moment ago.
            raise PreviewChanged(preview, check(preview.rows, cetpro, on)) from None
    except BaseException:
        db.session.rollback()
        _set_state(token, "importing", "ready")
        raise


@dataclass
class Written:
    created_ids: list[int]
    updated_ids: list[int]
    certificates: int


def write(current: Check, cetpro: Cetpro, actor: User) -> Written:
    """Write every valid row of a check with bulk statements: new students (and their
    invitations), updates, declared modules, certificates. Not committed: the caller's
    transaction writes them all, or none."""
    created, invitations = _insert_new(current, cetpro)
    updated = _update_existing(current, cetpro)
    _insert_modules(created + updated)
    if invitations:
        db.session.execute(insert(OutboxEmail), invitations)
    recorded = certificates.add_many(actor, cetpro.id, [(row.profile_id, checked) for row in current.valid_rows()
                                                        for checked in row.clean["certificates"]])
    return Written([pid for pid, _, _ in created], [pid for pid, _, _ in updated], recorded)


def apply(current: Check, cetpro: Cetpro, actor: User, preview: Preview) -> Result:
    """Write every valid row in one transaction, with bulk statements; all or nothing."""
    try:
        written = write(current, cetpro, actor)
        db.session.add(AuditEvent(
            actor_id=actor.id, action="roster.imported", object_type="Cetpro", object_id=cetpro.id,
            data={"file": preview.filename, "fingerprint": preview.fingerprint, "new": current.new,
                  "updated": current.updates, "skipped": current.failed, "certificates": written.certificates,
                  "created_ids": written.created_ids, "updated_ids": written.updated_ids},
        ))
        # Done in the same commit as the rows: a repeated confirm finds the result, never imports twice.
        db.session.execute(update(ImportPreview).where(ImportPreview.token == preview.token).values(
            state="done", claimed_at=None,
            result={"new": current.new, "updated": current.updates, "skipped": current.failed,
                    "certificates": written.certificates}))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Result(new=current.new, updated=current.updates, skipped=current.failed, filename=preview.filename,
                  certificates=written.certificates)


def _insert_new(current: Check, cetpro: Cetpro) -> tuple[list[tuple[int, list[int], bool]], list[dict]]:
    rows = [r for r in current.rows if r.action == "new"]
    if not rows:
        return [], []
    now = utcnow()
    # Plain executemany, then the new ids read back by their unique keys: INSERT … RETURNING
    # would make the driver build and parse statements of thousands of rows instead.
    db.session.execute(insert(User), [
        {"email": r.clean["email"], "role": "student", "first_names": r.clean["first_names"],
         "last_names": r.clean["last_names"], "phone": r.clean.get("mobile"),
         # No password until the person chooses one through the invitation, which can only
         # be opened from this email: staff-entered, so not waiting for a confirmation.
         "password_hash": "", "active": True, "session_version": 1, "created_at": now,
         "email_confirmed_at": now} for r in rows])
    emails = [r.clean["email"] for r in rows]
    user_by_email: dict[str, int] = {}
    for part in _chunks(emails):
        user_by_email.update(db.session.execute(select(User.email, User.id).where(User.email.in_(part))).all())
    user_ids = [user_by_email[email] for email in emails]
    db.session.execute(insert(StudentProfile), [
        {"user_id": user_id, "cetpro_id": cetpro.id, "programme_id": r.clean["programme_id"],
         "level": r.clean["level"], "status": r.clean["status"], "graduation_date": r.clean["graduation_date"],
         "document_type": r.clean["document"][0], "document_number": r.clean["document"][1],
         "department_code": r.clean["department_code"] or cetpro.department_code,
         "province_code": r.clean["province_code"] or (None if r.clean["department_code"] else cetpro.province_code),
         "open_to_offers": True, "verification_state": "verified", "updated_at": now, "sex": r.clean.get("sex")}
        for user_id, r in zip(user_ids, rows, strict=True)])
    profile_by_user: dict[int, int] = {}
    for part in _chunks(user_ids):
        profile_by_user.update(db.session.execute(
            select(StudentProfile.user_id, StudentProfile.id).where(StudentProfile.user_id.in_(part))).all())
    profile_ids = [profile_by_user[user_id] for user_id in user_ids]
    for profile_id, r in zip(profile_ids, rows, strict=True):
        r.profile_id = profile_id  # what the row's certificates are written for
    invitations = []
    for user_id, r in zip(user_ids, rows, strict=True):
        subject, body = services.invitation_email(r.clean["first_names"], r.clean["email"], cetpro.name,
                                                  r.clean["programme"], services.invitation_token(user_id))
        invitations.append({"to_address": r.clean["email"], "subject": subject[:200], "body_text": body,
                            "attempts": 0, "created_at": now})
    return [(pid, r.clean["module_ids"], False) for pid, r in zip(profile_ids, rows, strict=True)], invitations


def _update_existing(current: Check, cetpro: Cetpro) -> list[tuple[int, list[int], bool]]:
    rows = [r for r in current.rows if r.action == "update"]
    if not rows:
        return []
    now = utcnow()
    users, profiles, modules = [], [], []
    for r in rows:
        person = {"id": r.user_id, "first_names": r.clean["first_names"], "last_names": r.clean["last_names"]}
        if r.clean.get("mobile"):
            person["phone"] = r.clean["mobile"]
        users.append(person)
        # Empty optional cells keep what is there; what the file says replaces it.
        profile = {"id": r.profile_id, "programme_id": r.clean["programme_id"], "level": r.clean["level"],
                   "status": r.clean["status"], "updated_at": now}
        if r.clean["graduation_date"] or r.clean["status"] == "estudiante":
            profile["graduation_date"] = r.clean["graduation_date"]
        if r.clean["department_code"]:
            profile["department_code"] = r.clean["department_code"]
            profile["province_code"] = r.clean["province_code"]
        if r.clean.get("sex"):
            profile["sex"] = r.clean["sex"]
        profiles.append(profile)
        # Modules change when the file lists some, or when the programme changed (old ones no longer apply).
        replace = bool(r.clean["module_ids"]) or r.programme_id_before != r.clean["programme_id"]
        modules.append((r.profile_id, r.clean["module_ids"], replace))
    # Bulk UPDATE by primary key: one executemany per set of columns.
    db.session.execute(update(User), users)
    db.session.execute(update(StudentProfile), profiles)
    return modules


def _insert_modules(entries: list[tuple[int, list[int], bool]]) -> None:
    replaced = [pid for pid, _, replace in entries if replace]
    for part in _chunks(replaced):
        db.session.execute(delete(student_modules).where(student_modules.c.student_id.in_(part)))
    links = [{"student_id": pid, "module_id": mid} for pid, ids, replace in entries if replace or ids for mid in ids]
    if links:
        db.session.execute(insert(student_modules), links)
