"""A roster sync from a CETPRO's management system (POST /api/v1/students): rows checked
and written by the spreadsheet import's own code (`imports.check_records`, `imports.write`),
so a row means the same whichever way it comes. Each row's outcome is told in the import's
terms: created, updated, unchanged (an update that would change nothing: nothing written),
or refused with the field and the reason. A refused row writes nothing of itself; the
others are written together, in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.clock import utcnow
from portal.extensions import db
from portal.models import AuditEvent, Cetpro, StudentProfile, User, student_modules
from portal.roster import imports

# Each message of the import's checks names its field by how it starts (the import's own
# words, shown to coordinators); tests/api/test_roster_sync.py makes each kind of bad row
# and checks the field it is told under.
FIELD_OF_MESSAGE = (
    ("Falta el DNI", "dni"), ("DNI", "dni"), ("Carné de extranjería", "ce"), ("Ya registrado", "dni"),
    ("Faltan los nombres", "first_names"), ("Los nombres", "first_names"),
    ("Faltan los apellidos", "last_names"), ("Los apellidos", "last_names"),
    ("Falta el correo", "email"), ("El correo", "email"), ("Correo", "email"),
    ("Celular", "mobile"),
    ("Falta el programa", "programme"), ("Programa", "programme"),
    ("Módulo", "modules"),
    ("Falta el estado", "status"), ("Estado", "status"),
    ("Falta la fecha de egreso", "graduation_date"), ("Fecha de egreso", "graduation_date"),
    ("La fecha de egreso", "graduation_date"),
    ("Departamento", "department"), ("Provincia", "province"), ("La provincia", "province"),
    ("Sexo", "sex"), ("Certificados", "certificates"),
)


def field_of(message: str, values: dict | None = None) -> str:
    for start, name in FIELD_OF_MESSAGE:
        if message.startswith(start):
            # «Ya registrado» is told under the document the row gives: its carné if it has no DNI
            if name == "dni" and start == "Ya registrado" and values and values.get("ce") and not values.get("dni"):
                return "ce"
            return name
    return "fila"


@dataclass
class RowResult:
    row: int  # 1 = the first row sent
    dni: str
    ce: str
    result: str  # created, updated, unchanged, refused
    student_id: int | None = None
    errors: list[dict] = field(default_factory=list)  # {"field", "reason"}
    notes: list[str] = field(default_factory=list)


def _unchanged(rows: list[imports.Row]) -> set[int]:
    """The update rows (by line) that would write nothing new: every value they give is the
    one on record (empty optional values keep what is there, as in the import)."""
    updates = [r for r in rows if r.action == "update"]
    if not updates:
        return set()
    ids = [r.profile_id for r in updates]
    profiles = {p.id: (p, u) for p, u in db.session.execute(
        select(StudentProfile, User).join(User, User.id == StudentProfile.user_id).where(StudentProfile.id.in_(ids)))}
    modules: dict[int, set[int]] = {pid: set() for pid in ids}
    for pid, mid in db.session.execute(select(student_modules.c.student_id, student_modules.c.module_id)
                                       .where(student_modules.c.student_id.in_(ids))):
        modules[pid].add(mid)
    same = set()
    for r in updates:
        profile, user = profiles[r.profile_id]
        c = r.clean
        checks = [
            user.first_names == c["first_names"], user.last_names == c["last_names"],
            not c.get("mobile") or user.phone == c["mobile"],
            profile.programme_id == c["programme_id"], profile.level == c["level"], profile.status == c["status"],
            not (c["graduation_date"] or c["status"] == "estudiante") or profile.graduation_date == c["graduation_date"],
            not c["department_code"] or (profile.department_code, profile.province_code)
            == (c["department_code"], c["province_code"]),
            not c["module_ids"] or modules[r.profile_id] == set(c["module_ids"]),
            not c.get("sex") or profile.sex == c["sex"],
            # a certificate to record is a change; one recorded exactly so already is not
            all(checked.recorded for checked in c.get("certificates", ())),
        ]
        if all(checks):
            same.add(r.line)
    return same


def sync(records: list[dict], cetpro: Cetpro, actor: User | None, token_id: int,
         on: date | None = None) -> list[RowResult]:
    """Check and write `records` (dicts of the import's FIELDS) for `cetpro`. Not committed:
    the caller commits it with what it keeps of the call (or rolls it all back).

    `actor`: who answers for the writes (the token's creator); `token_id` goes in the trail."""
    checked = imports.check_records([(n, values) for n, values in enumerate(records, start=1)], cetpro, on)
    unchanged = _unchanged(checked.rows)
    for row in checked.rows:
        if row.line in unchanged:
            row.action = "unchanged"  # neither "new" nor "update": `write` leaves it alone
    written = imports.write(checked, cetpro, actor)
    created = iter(written.created_ids)
    results = []
    for row in checked.rows:
        dni = row.clean.get("dni") or row.values.get("dni", "")
        ce = row.clean.get("ce") or row.values.get("ce", "")
        if row.errors:
            results.append(RowResult(row.line, dni, ce, "refused",
                                     errors=[{"field": field_of(m, row.values), "reason": m} for m in row.errors]))
        elif row.action == "new":
            results.append(RowResult(row.line, dni, ce, "created", next(created), notes=row.notes))
        else:
            results.append(RowResult(row.line, dni, ce, "updated" if row.action == "update" else "unchanged",
                                     row.profile_id, notes=row.notes))
    counts = {kind: sum(1 for r in results if r.result == kind)
              for kind in ("created", "updated", "unchanged", "refused")}
    db.session.add(AuditEvent(
        actor_id=None, action="roster.synced", object_type="Cetpro", object_id=cetpro.id,
        data={"token_id": token_id, "rows": len(results), **counts, "at": utcnow().isoformat(timespec="seconds"),
              "created_ids": written.created_ids, "updated_ids": written.updated_ids}))
    return results
