"""Certificates without HTTP: recording (every rule), revoking, the audit trail, the code."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.certificates import queries, services
from portal.extensions import db
from portal.models import AuditEvent, Certificate, Module
from tests import factories


def count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate).where(*where))


def test_a_coordinator_records_a_certificate_of_her_student(world, certify):
    certificate = certify(0, "  0123-2026 ")
    assert certificate.state == "vigente" and certificate.number == "0123-2026"
    assert certificate.cetpro_id == world["cetpro"].id and certificate.module_id == world["modules"][0].id
    assert certificate.issued_on == date(2026, 7, 15) and certificate.recorded_by_id == world["coordinator"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.recorded"))
    assert event.object_id == certificate.id and event.actor_id == world["coordinator"].id
    assert event.data["number"] == "0123-2026"


def test_the_public_code_is_short_random_unambiguous_and_unique(world, certify):
    codes = [certify(i % 2 if i < 2 else 0, f"N-{i}", student=factories.student(world["cetpro"])).code
             for i in range(6)]
    assert len(set(codes)) == 6
    for code in codes:
        assert len(code) == services.CODE_LENGTH and set(code) <= set(services.ALPHABET)
        assert not set(code) & set("01OIL")


def test_another_cetpros_coordinator_cannot_record_for_her_student(world):
    module = world["modules"][0]
    with pytest.raises(services.CertificateError, match="no es estudiante de tu CETPRO"):
        services.record(world["other_coordinator"], world["student"].student.id,
                        services.CertificateData(module.id, "1", date(2026, 1, 5)))
    assert count() == 0


def test_the_module_must_belong_to_the_students_programme(world):
    foreign = db.session.scalar(select(Module).where(Module.programme_id != world["student"].student.programme_id))
    with pytest.raises(services.CertificateError, match="no es del programa de estudios") as refused:
        services.record(world["coordinator"], world["student"].student.id,
                        services.CertificateData(foreign.id, "1", date(2026, 1, 5)))
    assert refused.value.errors == {"module_id": str(refused.value)}
    assert count() == 0


@pytest.mark.parametrize(("number", "issued_on", "field", "message"), [
    ("", date(2026, 1, 5), "number", "Escribe el número de registro"),
    ("x" * 41, date(2026, 1, 5), "number", "como máximo 40"),
    ("<script>", date(2026, 1, 5), "number", "solo lleva letras"),
    ("12", None, "issued_on", "Escribe la fecha de emisión"),
    ("12", "future", "issued_on", "no puede ser posterior a hoy"),
    ("12", date(1975, 1, 1), "issued_on", "anterior a 1980"),
])
def test_number_and_date_are_checked_with_a_spanish_message(world, number, issued_on, field, message):
    if issued_on == "future":
        issued_on = clock.today() + timedelta(days=1)
    with pytest.raises(services.CertificateError, match=message) as refused:
        services.record(world["coordinator"], world["student"].student.id,
                        services.CertificateData(world["modules"][0].id, number, issued_on))
    assert field in refused.value.errors
    assert count() == 0


def test_a_duplicate_number_in_the_same_cetpro_is_refused_but_another_cetpro_may_use_it(world, certify):
    certify(0, "0123-2026")
    other = factories.student(world["cetpro"])
    with pytest.raises(services.CertificateError, match="ya registró un certificado con el número 0123-2026"):
        certify(0, "0123-2026", student=other)
    assert count() == 1
    certify(0, "0123-2026", student=world["other_student"], coordinator=world["other_coordinator"])
    assert count() == 2


def test_a_second_certificate_in_force_for_the_same_module_is_refused_until_the_first_is_revoked(world, certify):
    first = certify(0, "A-1")
    with pytest.raises(services.CertificateError, match="ya tiene un certificado vigente"):
        certify(0, "A-2")
    services.revoke(world["coordinator"], first, "Número mal escrito")
    assert certify(0, "A-2").state == "vigente"


def test_revoking_keeps_the_row_with_who_when_and_why(world, certify, frozen_clock):
    frozen_clock(clock.now().replace(tzinfo=None))
    certificate = certify()
    assert services.revoke(world["coordinator"], certificate, "  Emitido por error ") is True
    db.session.expire_all()
    row = db.session.get(Certificate, certificate.id)
    assert row.state == "revocado" and row.revoke_reason == "Emitido por error"
    assert row.revoked_by_id == world["coordinator"].id and row.revoked_at == clock.utcnow()
    assert services.revoke(world["coordinator"], row, "otra vez") is False  # a double click changes nothing
    assert db.session.get(Certificate, certificate.id).revoke_reason == "Emitido por error"
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "Certificate")).all()
    assert sorted(events) == ["certificate.recorded", "certificate.revoked"]


def test_revoking_needs_a_reason_and_her_own_cetpro(world, certify):
    certificate = certify()
    with pytest.raises(services.CertificateError, match="motivo"):
        services.revoke(world["coordinator"], certificate, "  ")
    with pytest.raises(services.CertificateError, match="como máximo 500"):
        services.revoke(world["coordinator"], certificate, "x" * 501)
    with pytest.raises(services.CertificateError, match="no es de tu CETPRO"):
        services.revoke(world["other_coordinator"], certificate, "Por error")
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).state == "vigente"


def test_queries_are_scoped_to_the_coordinators_cetpro(world, certify):
    certificate = certify()
    assert queries.certificate_of(world["coordinator"], certificate.id) == certificate
    assert queries.certificate_of(world["other_coordinator"], certificate.id) is None
    assert queries.student_of(world["other_coordinator"], world["student"].student.id) is None
    assert queries.certificate_of(world["student"], certificate.id) is None


def test_by_student_prefers_the_certificate_in_force_and_keeps_a_revoked_one_as_revoked(world, certify):
    first = certify(0, "A-1")
    services.revoke(world["coordinator"], first, "Error")
    revoked_only = queries.by_student([world["student"].student.id])[world["student"].student.id]
    assert revoked_only[world["modules"][0].id].state == "revocado"
    second = certify(0, "A-2")
    found = queries.by_student([world["student"].student.id])[world["student"].student.id]
    assert found[world["modules"][0].id].id == second.id
    assert queries.certified_module_ids(world["student"].student.id) == {world["modules"][0].id}


def test_the_certificates_read_once_give_matching_the_modules_in_force(world, certify):
    """Recomendados reads the shown students' certificates once (`by_student`) and gives them
    to `held_items`: the same modules certified as its own read, a revoked one left out."""
    from portal.matching.queries import held_items

    services.revoke(world["coordinator"], certify(0, "A-1"), "Error")
    certify(1, "A-2")
    other = factories.student(world["cetpro"])
    ids = [world["student"].student.id, other.student.id]
    given = held_items(ids, True, queries.by_student(ids))
    assert given == held_items(ids, True)
    assert given[2] == {world["student"].student.id: {world["modules"][1].id}}


def test_her_data_export_lists_her_certificates_revoked_ones_too(world, certify):
    from portal.privacy import export

    kept = certify(0, "A-1")
    services.revoke(world["coordinator"], certify(1, "A-2"), "Error")
    data, _ = export.collect(world["student"])
    rows = {row["number"]: row for row in data["certificados"]}
    assert rows["A-1"]["state"] == "vigente" and rows["A-1"]["code"] == kept.code
    assert rows["A-1"]["modulo"] == world["modules"][0].name and rows["A-1"]["cetpro"] == "CETPRO Arequipa"
    assert rows["A-2"]["state"] == "revocado" and rows["A-2"]["revoked_at"]


def test_free_status_indexes_are_distinct_unused_and_within_the_half_full_lists(world, certify):
    held = certify(0, "0123-2026").status_index
    drawn = services.free_status_indexes(500)
    assert len(set(drawn)) == 500 and held not in drawn
    assert all(0 <= index < services.STATUS_LIST_SIZE for index in drawn)
    import random
    seeded = services.free_status_indexes(3, random.Random(1), taken={held})
    assert seeded == services.free_status_indexes(3, random.Random(1), taken={held})  # deterministic
