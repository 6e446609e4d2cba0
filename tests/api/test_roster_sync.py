"""POST /api/v1/students: the roster sync through the spreadsheet import's own checks and
writes. The same rows give the same outcome (and the same messages) by file and by API;
per-row results created / updated / unchanged / refused with field and reason; a refused row
writes nothing; Idempotency-Key replays; at most 500 rows."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.apitokens import services as apitokens
from portal.extensions import db
from portal.models import ApiIdempotencyKey, AuditEvent, OutboxEmail, StudentProfile, User
from portal.roster import imports, sync
from portal.roster.sheets import FIELDS
from tests import factories
from tests.helpers import roster
from tests.helpers.api import bearer
from tests.helpers.roster import MODULES, csv_bytes, row

URL = "/api/v1/students"


def api_row(values: dict) -> dict:
    """A spreadsheet row as the API takes it: the same fields, modules as a list."""
    out = dict(values)
    out["modules"] = [m.strip() for m in values.get("modules", "").split(";") if m.strip()]
    return out


def post(client, secret: str, rows: list[dict], key: str | None = None):
    headers = bearer(secret)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(URL, json={"students": [api_row(r) for r in rows]}, headers=headers, csrf=False)


def profiles() -> int:
    return db.session.scalar(select(func.count()).select_from(StudentProfile))


def test_the_api_takes_the_fields_of_the_spreadsheet(client):
    """Every column of the import, by its field name: a column the import adds is taken too."""
    from portal.api.roster import StudentIn

    assert list(StudentIn.model_fields) == list(FIELDS)
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["StudentIn"]
    assert list(schema["properties"]) == list(FIELDS) and schema["additionalProperties"] is False


def test_same_rows_same_outcome_by_file_and_by_api(client, world, make_token):
    existing = factories.student(world["x"], document_number=roster.valid_dni(2))
    elsewhere = factories.student(world["y"], document_number=roster.valid_dni(3))
    ours_ce = factories.student(world["x"], document_type="ce", document_number="000111222")
    factories.student(world["y"], document_type="ce", document_number="000333444")
    rows = [
        row(1),  # new
        row(2, first_names="Rosa Cambiada", email=existing.email),  # update of our student
        row(3),  # another CETPRO's student
        row(4, dni="1234"),  # bad DNI
        row(5, programme="Astronautica"),  # unknown programme
        row(6, graduation_date=(clock.today() + timedelta(days=5)).strftime("%d/%m/%Y")),  # future
        row(7, province="Cusco"),  # not in Arequipa
        row(8, email="no-es-correo"),
        row(9, status="jubilado"),
        row(10, modules="Cocina molecular"),
        row(11, dni=roster.valid_dni(12)),  # repeats row 12's DNI
        row(12, first_names=""),
        # identified by a carné de extranjería: new (letters), update, another CETPRO's, both, a bad one
        row(13, dni="", ce="E00987654"),
        row(14, dni="", ce="000111222", first_names="Ana Cambiada", email=ours_ce.email),
        row(15, dni="", ce="000333444"),
        row(16, ce="000555666"),
        row(17, dni="", ce="12-34"),
        row(18, dni="", ce=""),
    ]
    by_file = imports.check(imports.read(csv_bytes(rows)).rows, world["x"])
    answer = post(client, make_token("x", "roster:write"), rows)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    results = answer.get_json()["results"]
    assert len(results) == len(rows) == len(by_file.rows)
    words = {"new": "created", "update": "updated"}
    for checked, result in zip(by_file.rows, results, strict=True):
        expected = "refused" if checked.errors else words[checked.action]
        assert result["result"] == expected, (checked.line, checked.errors, result)
        # The same messages, word for word, each under the field it is about.
        assert [e["reason"] for e in result["errors"]] == [e.replace("filas 12 y 13", "filas 11 y 12")
                                                           for e in checked.errors]
        assert all(e["field"] in FIELDS for e in result["errors"]), result["errors"]
    fields = {r["row"]: sorted({e["field"] for e in r["errors"]}) for r in results if r["errors"]}
    assert fields == {3: ["dni"], 4: ["dni"], 5: ["programme"], 6: ["graduation_date"],
                      7: ["province"], 8: ["email"], 9: ["status"], 10: ["modules"], 11: ["dni"],
                      12: ["dni", "first_names"], 15: ["ce"], 16: ["dni"], 17: ["ce"], 18: ["dni"]}
    assert [r["result"] for r in results[12:14]] == ["created", "updated"]
    assert (results[12]["dni"], results[12]["ce"]) == ("", "E00987654")
    # Written as the import writes: the new student with her modules and invitation, the update.
    created = db.session.get(StudentProfile, results[0]["student_id"])
    assert created.cetpro_id == world["x"].id and created.document_number == roster.valid_dni(1)
    assert [m.name for m in created.modules] == list(MODULES) and created.verification_state == "verified"
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
        OutboxEmail.to_address == "rosa1@correo.pe")) == 1
    db.session.refresh(existing)
    assert existing.first_names == "Rosa Cambiada"
    theirs = db.session.scalar(select(StudentProfile).where(StudentProfile.document_number == roster.valid_dni(3)))
    assert theirs.user_id == elsewhere.id and theirs.cetpro_id == world["y"].id
    assert db.session.get(User, elsewhere.id).first_names != "Rosa 3"
    by_ce = db.session.get(StudentProfile, results[12]["student_id"])
    assert (by_ce.document_type, by_ce.document_number, by_ce.cetpro_id) == ("ce", "E00987654", world["x"].id)
    db.session.refresh(ours_ce)
    assert ours_ce.first_names == "Ana Cambiada"


def test_a_student_with_a_carne_is_created_then_unchanged_then_updated(client, world, make_token):
    secret = make_token("x", "roster:write")
    rosa = row(1, dni="", ce="e00987654")  # as typed: kept in capitals, matched the same
    first = post(client, secret, [rosa]).get_json()["results"][0]
    assert first["result"] == "created" and first["ce"] == "E00987654" and first["dni"] == ""
    assert post(client, secret, [rosa]).get_json()["results"][0] == {**first, "result": "unchanged"}
    changed = post(client, secret, [{**rosa, "mobile": "912345678"}]).get_json()["results"][0]
    assert changed["result"] == "updated" and changed["student_id"] == first["student_id"]
    assert profiles() == 1
    # Another CETPRO's token cannot take her over by her carné.
    theirs = post(client, make_token("y", "roster:write"), [{**rosa, "email": "otra@correo.pe"}]).get_json()
    assert theirs["results"][0]["result"] == "refused"
    assert theirs["results"][0]["errors"] == [{"field": "ce", "reason": imports.ALREADY_REGISTERED}]
    assert profiles() == 1


def test_rows_imported_from_a_file_are_unchanged_by_the_same_rows_through_the_api(client, auth, world,
                                                                                  make_token):
    rows = [row(n) for n in range(1, 4)]
    auth.login(world["coordinator_x"])
    assert roster.import_file(client, csv_bytes(rows)).status_code == 303
    auth.logout()
    secret = make_token("x", "roster:write")
    before = profiles()
    results = post(client, secret, rows).get_json()
    assert [r["result"] for r in results["results"]] == ["unchanged"] * 3
    assert results["unchanged"] == 3 and profiles() == before
    changed = post(client, secret, [row(1, mobile="912345678"), row(2, modules=MODULES[0])]).get_json()
    assert [r["result"] for r in changed["results"]] == ["updated", "updated"]
    phone = db.session.scalar(select(User.phone).where(User.email == "rosa1@correo.pe"))
    assert phone == "912345678"


def test_a_refused_row_writes_nothing_of_itself(client, world, make_token):
    results = post(client, make_token("x", "roster:write"), [row(1, email="mal"), row(2)]).get_json()
    assert [r["result"] for r in results["results"]] == ["refused", "created"]
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.first_names == "Rosa 1")) == 0
    assert profiles() == 1


def test_idempotency_key_replays_and_refuses_another_body(client, world, make_token):
    secret = make_token("x", "roster:write")
    first = post(client, secret, [row(1)], key="lote-2026-12-04-01")
    assert first.status_code == 200 and first.get_json()["created"] == 1
    again = post(client, secret, [row(1)], key="lote-2026-12-04-01")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert profiles() == 1
    other = post(client, secret, [row(2)], key="lote-2026-12-04-01")
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert profiles() == 1
    # Without the key the same body is a new call: now an unchanged row.
    assert post(client, secret, [row(1)]).get_json()["unchanged"] == 1
    # Keys are per CETPRO: another CETPRO's token may use the same key for its own rows.
    assert post(client, make_token("y", "roster:write"), [row(5)], key="lote-2026-12-04-01").get_json()["created"] == 1


def test_the_nightly_job_purges_old_keys(client, world, make_token):
    secret = make_token("x", "roster:write")
    post(client, secret, [row(1)], key="viejo")
    post(client, secret, [row(2)], key="nuevo")
    old = db.session.scalar(select(ApiIdempotencyKey).where(ApiIdempotencyKey.key == "viejo"))
    old.created_at -= timedelta(hours=25)
    db.session.commit()
    assert apitokens.purge_idempotency_keys() == 1
    assert db.session.scalars(select(ApiIdempotencyKey.key)).all() == ["nuevo"]


def test_batches_up_to_500_and_bad_bodies_are_spanish_problems(client, world, make_token):
    secret = make_token("x", "roster:write")
    too_many = client.post(URL, json={"students": [api_row(row(n)) for n in range(501)]}, headers=bearer(secret), csrf=False)
    assert too_many.status_code == 422
    assert too_many.get_json()["errors"] == [{"field": "students", "reason": "Puede tener hasta 500 elementos."}]
    unknown = client.post(URL, json={"students": [{**api_row(row(1)), "clave": "x"}]}, headers=bearer(secret), csrf=False)
    assert unknown.get_json()["errors"] == [{"field": "students.0.clave", "reason": "Este dato no existe en la API."}]
    not_json = client.post(URL, data="dni=1", headers=bearer(secret), csrf=False)
    assert not_json.status_code == 422 and not_json.mimetype == "application/problem+json"
    assert profiles() == 0
    full = client.post(URL, json={"students": [api_row(row(n)) for n in range(500)]}, headers=bearer(secret), csrf=False)
    assert full.status_code == 200 and full.get_json()["created"] == 500


def test_scope_and_audit(client, world, make_token):
    assert client.post(URL, json={"students": [api_row(row(1))]}, csrf=False).status_code == 401
    reader = make_token("x", "roster:read")
    assert post(client, reader, [row(1)]).status_code == 403
    post(client, make_token("x", "roster:write"), [row(1), row(2, dni="1")])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.synced"))
    assert event.object_id == world["x"].id and event.data["created"] == 1 and event.data["refused"] == 1
    call = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.called",
                                                      AuditEvent.data["status"].as_integer() == 200))
    assert call.data["rows"] == 2 and call.data["created"] == 1


def test_every_message_of_the_import_has_its_field():
    for message in ("Falta el DNI.", "DNI «1»: x", imports.ALREADY_REGISTERED, "Faltan los nombres.",
                    "Los apellidos pueden tener hasta 120 caracteres.", "Falta el correo: x",
                    "El correo «x» no es válido", "Correo repetido en el archivo (filas 1 y 2).",
                    "Celular «1»: x", "Programa desconocido: «x».", "Módulo desconocido en X: «y».",
                    "Estado desconocido «x»", "Falta la fecha de egreso: x", "Fecha de egreso no válida «x»",
                    "La fecha de egreso 1 está en el futuro.", "Departamento desconocido «x».",
                    "Provincia desconocida «x».", "La provincia «x» no está en el departamento «y»."):
        assert sync.field_of(message) != "fila", message


def test_sex_and_certificates_come_through_the_imports_rules(client, world, make_token):
    from portal.models import Certificate

    secret = make_token("x", "roster:write")
    good = {**row(1), "sex": "femenino",
            "certificates": [f"{MODULES[0]}|0123-2026|2026-07-15"]}
    bad = {**row(2), "certificates": ["Cocina peruana|0124-2026|2026-07-15"]}
    answer = client.post(URL, json={"students": [api_row(good), api_row(bad)]}, headers=bearer(secret),
                         csrf=False).get_json()
    assert [r["result"] for r in answer["results"]] == ["created", "refused"]
    assert answer["results"][1]["errors"] == [
        {"field": "certificates", "reason": "Certificados: «Cocina peruana» no es un módulo de Electricidad."}]
    [certificate] = db.session.scalars(select(Certificate)).all()
    assert (certificate.number, certificate.student.sex) == ("0123-2026", "femenino")
    # Sent again: the same certificate is already recorded, nothing changes.
    again = client.post(URL, json={"students": [api_row(good)]}, headers=bearer(secret), csrf=False).get_json()
    assert again["results"][0]["result"] == "unchanged"
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
