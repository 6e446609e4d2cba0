"""Importing a roster file: check every row against the database, keep a preview, import.

The flow (issue 6):

1. `read()` turns the upload into rows of text (`sheets.read_sheet`) or refuses the file.
2. `save_preview()` keeps those rows server-side, as JSON under UPLOAD_PATH/imports/, bound
   to the coordinator and its CETPRO, with the file's SHA-256, for an hour. Not in the
   cookie session: 5,000 rows do not fit there, and any process must find them.
3. `check()` validates the rows against the database *as it is now*. Every rendering of a
   preview checks again, and its `revision` (a hash of each row's outcome) goes into the
   confirm form.
4. `confirm()` checks once more: if the outcome changed since the coordinator looked
   (someone imported or registered meanwhile) nothing is written and the new preview is
   shown; otherwise the valid rows are written in one transaction with bulk statements.
   The database's unique constraints (DNI, email) are the last guard against a race.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, formatting, places
from portal.clock import utcnow
from portal.extensions import db
from portal.identifiers import IdentifierError, clean_dni, clean_mobile
from portal.models import (
    AuditEvent,
    Cetpro,
    Module,
    OutboxEmail,
    Programme,
    StudentProfile,
    User,
    student_modules,
)
from portal.reference import live
from portal.roster import services
from portal.roster.sheets import FIELDS, Sheet, fold, read_sheet
from portal.uploads import upload_root

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
PREVIEW_MAX_AGE = 3600
FOLDER = "imports"
CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits

STATUS_WORDS = {
    "estudiante": "estudiante",
    "egresado": "egresado", "egresada": "egresado", "egresado(a)": "egresado", "egresado/a": "egresado",
    "titulado": "titulado", "titulada": "titulado", "titulado(a)": "titulado", "titulado/a": "titulado",
}
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
    if not v["dni"]:
        errors.append("Falta el DNI.")
    else:
        try:
            clean["dni"] = clean_dni(v["dni"])
        except IdentifierError as error:
            errors.append(f"DNI «{v['dni']}»: {error}")
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
    """Validate every row against the reference data and the database now."""
    on = on or clock.today()
    ref = load_reference()
    rows = [Row(line=line, values=dict(zip(FIELDS, values, strict=False))) for line, values in raw_rows]
    for row in rows:
        _clean_row(row, ref, on)
    _repeated(rows, "dni", "DNI")
    _repeated(rows, "email", "Correo")

    dnis = sorted({r.clean["dni"] for r in rows if "dni" in r.clean})
    existing: dict[str, tuple] = {}
    for part in _chunks(dnis):
        for found in db.session.execute(
            select(StudentProfile.document_number, StudentProfile.id, StudentProfile.user_id,
                   StudentProfile.cetpro_id, StudentProfile.programme_id, StudentProfile.verification_state,
                   User.email)
            .join(User, User.id == StudentProfile.user_id)
            .where(StudentProfile.document_type == "dni", StudentProfile.document_number.in_(part))
        ):
            existing[found.document_number] = found
    emails = sorted({r.clean["email"] for r in rows if "email" in r.clean})
    taken: dict[str, int | None] = {}  # email → the CETPRO of the student who has it (None: not a student)
    for part in _chunks(emails):
        taken.update(db.session.execute(
            select(User.email, StudentProfile.cetpro_id)
            .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
            .where(User.email.in_(part))).all())

    for row in rows:
        found = existing.get(row.clean.get("dni", ""))
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
        if not row.errors:
            row.action = "update" if row.profile_id else "new"
    return Check(rows)


# --- Previews kept on disk ------------------------------------------------------------------------


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
    created: float
    fingerprint: str
    filename: str
    kind: str
    rows: list[tuple[int, list[str]]]

    @property
    def expired(self) -> bool:
        return time.time() - self.created > PREVIEW_MAX_AGE


@dataclass
class Result:
    new: int
    updated: int
    skipped: int
    filename: str
    repeated: bool = False  # a second confirm of the same preview (double click)


def _folder() -> Path:
    folder = upload_root() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str, suffix: str) -> Path:
    if not _TOKEN.match(token or ""):
        raise PreviewMissing(token)
    return _folder() / f"{token}{suffix}"


def _write_json(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)  # readers never see half a file


def _purge_old(folder: Path) -> None:
    """Drop previews and results nobody came back for (a cheap listing, at every upload)."""
    limit = time.time() - 2 * PREVIEW_MAX_AGE
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            pass


def save_preview(user: User, sheet: Sheet, file_fingerprint: str, filename: str) -> str:
    folder = _folder()
    _purge_old(folder)
    token = secrets.token_urlsafe(24)
    _write_json(folder / f"{token}.json", {
        "user_id": user.id, "cetpro_id": user.cetpro_id, "created": time.time(),
        "fingerprint": file_fingerprint, "filename": (filename or "")[:200], "kind": sheet.kind,
        "rows": sheet.rows,
    })
    return token


def check_upload(user: User, cetpro: Cetpro, sheet: Sheet, file_fingerprint: str, filename: str) -> str:
    """Keep an uploaded file's preview and put its check on record; returns the preview's token.

    Every check is audited (who, which file, how many rows and with what outcome), because
    each one answers, row by row, whether a DNI or an email is already in the portal."""
    token = save_preview(user, sheet, file_fingerprint, filename)
    outcome = check(sheet.rows, cetpro)
    db.session.add(AuditEvent(
        actor_id=user.id, action="roster.import_checked", object_type="Cetpro", object_id=cetpro.id,
        data={"file": (filename or "")[:200], "fingerprint": file_fingerprint, "rows": len(outcome.rows),
              "new": outcome.new, "updated": outcome.updates, "failed": outcome.failed,
              "already_registered": sum(1 for r in outcome.rows if ALREADY_REGISTERED in r.errors)},
    ))
    db.session.commit()
    return token


def _owned(data: dict, user: User) -> bool:
    return user.cetpro_id is not None and data.get("user_id") == user.id and data.get("cetpro_id") == user.cetpro_id


def load_preview(token: str, user: User, suffix: str = ".json") -> Preview:
    """The coordinator's own preview, or PreviewMissing; PreviewExpired once an hour has passed."""
    path = _path(token, suffix)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PreviewMissing(token) from None
    if not isinstance(data, dict) or not _owned(data, user):
        raise PreviewMissing(token)
    preview = Preview(token=token, user_id=data["user_id"], cetpro_id=data["cetpro_id"], created=data["created"],
                      fingerprint=data["fingerprint"], filename=data.get("filename", ""), kind=data.get("kind", ""),
                      rows=[(int(line), [str(v) for v in values]) for line, values in data["rows"]])
    if preview.expired:
        path.unlink(missing_ok=True)
        raise PreviewExpired(token)
    return preview


def _finished(token: str, user: User) -> Result | None:
    try:
        data = json.loads(_path(token, ".done").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not _owned(data, user):
        return None
    return Result(new=data["new"], updated=data["updated"], skipped=data["skipped"],
                  filename=data.get("filename", ""), repeated=True)


# --- Confirming -------------------------------------------------------------------------------------


CLAIM_TIMEOUT = 300  # an import of 5,000 rows takes seconds; a claim this old lost its worker


def _recover_abandoned(claimed: Path, source: Path) -> None:
    """A worker killed mid-import leaves its claim behind (its transaction was rolled back
    by the database): after a while the preview may be confirmed again, and is re-checked."""
    try:
        if time.time() - claimed.stat().st_mtime > CLAIM_TIMEOUT:
            os.replace(claimed, source)
    except FileNotFoundError:
        pass


def confirm(token: str, user: User, cetpro: Cetpro, file_fingerprint: str, revision: str,
            on: date | None = None) -> Result:
    """Import the valid rows of a preview if they are still what the coordinator saw."""
    if (done := _finished(token, user)) is not None:
        return done
    source, claimed = _path(token, ".json"), _path(token, ".importing")
    _recover_abandoned(claimed, source)
    try:
        preview = load_preview(token, user)
    except PreviewMissing:
        load_preview(token, user, ".importing")  # PreviewMissing again unless it is theirs, in progress
        raise PreviewBusy(token) from None
    if preview.cetpro_id != cetpro.id:
        raise PreviewMissing(token)
    if not hmac.compare_digest(file_fingerprint or "", preview.fingerprint):
        raise PreviewChanged(preview, check(preview.rows, cetpro, on))
    try:
        # An atomic rename claims the preview: a second click waits for no one and writes nothing.
        os.rename(source, claimed)
        os.utime(claimed)  # when it was claimed, for _recover_abandoned
    except FileNotFoundError:
        if (done := _finished(token, user)) is not None:
            return done
        raise PreviewBusy(token) from None
    try:
        current = check(preview.rows, cetpro, on)
        if not hmac.compare_digest(current.revision, revision or ""):
            raise PreviewChanged(preview, current)
        if not current.valid:
            raise NothingToImport(preview, current)
        try:
            result = apply(current, cetpro, user, preview)
        except IntegrityError:
            # Someone registered or imported one of these people a moment ago.
            raise PreviewChanged(preview, check(preview.rows, cetpro, on)) from None
    except BaseException:
        os.replace(claimed, source)
        raise
    _write_json(_path(token, ".done"), {
        "user_id": user.id, "cetpro_id": user.cetpro_id, "new": result.new, "updated": result.updated,
        "skipped": result.skipped, "filename": preview.filename, "fingerprint": preview.fingerprint,
    })
    claimed.unlink(missing_ok=True)
    return result


def apply(current: Check, cetpro: Cetpro, actor: User, preview: Preview) -> Result:
    """Write every valid row in one transaction, with bulk statements; all or nothing."""
    try:
        created, invitations = _insert_new(current, cetpro)
        updated = _update_existing(current, cetpro)
        _insert_modules(created + updated)
        if invitations:
            db.session.execute(insert(OutboxEmail), invitations)
        db.session.add(AuditEvent(
            actor_id=actor.id, action="roster.imported", object_type="Cetpro", object_id=cetpro.id,
            data={"file": preview.filename, "fingerprint": preview.fingerprint, "new": current.new,
                  "updated": current.updates, "skipped": current.failed,
                  "created_ids": [pid for pid, _, _ in created], "updated_ids": [pid for pid, _, _ in updated]},
        ))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Result(new=current.new, updated=current.updates, skipped=current.failed, filename=preview.filename)


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
         "document_type": "dni", "document_number": r.clean["dni"],
         "department_code": r.clean["department_code"] or cetpro.department_code,
         "province_code": r.clean["province_code"] or (None if r.clean["department_code"] else cetpro.province_code),
         "open_to_offers": True, "verification_state": "verified", "updated_at": now}
        for user_id, r in zip(user_ids, rows, strict=True)])
    profile_by_user: dict[int, int] = {}
    for part in _chunks(user_ids):
        profile_by_user.update(db.session.execute(
            select(StudentProfile.user_id, StudentProfile.id).where(StudentProfile.user_id.in_(part))).all())
    profile_ids = [profile_by_user[user_id] for user_id in user_ids]
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
