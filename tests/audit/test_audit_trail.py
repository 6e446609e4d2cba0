"""The audit trail's pages: /admin/auditoria (every event) and /coordinador/auditoria (the
events of the coordinator's own CETPRO, never another's), their filters (Lima dates), their
fragments, and the CSV export with the same filters, safe against formula injection."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from portal import audit, clock
from portal.extensions import db
from portal.models import AuditEvent, FollowUp, Nomination, User
from portal.profiles import services as profiles
from tests import factories


@dataclass
class Side:
    cetpro: object
    coordinator: User
    student: User
    events: dict  # what happened → event id


def _event(action: str, obj, actor, at: datetime, **data) -> int:
    """An audited event at a Lima instant."""
    audit.audit(action, obj, actor, **data)
    db.session.flush()
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    event.created_at = at.replace(tzinfo=clock.LIMA).astimezone(clock.UTC).replace(tzinfo=None)
    db.session.commit()
    return event.id


def _side(letter: str, company, opening, day: datetime) -> Side:
    cetpro = factories.cetpro(name=f"CETPRO Lado {letter}", codigo_modular=f"765432{ord(letter) - 64}")
    coordinator = factories.named(factories.coordinator(cetpro, email=f"coord.{letter.lower()}@example.pe"),
                                  f"Coordina{letter}", "Apellido")
    student = factories.named(factories.student(cetpro, email=f"est.{letter.lower()}@example.pe"),
                              f"Estudiante{letter}", "Apellido")
    application = factories.application(opening, student)
    placement = factories.placement(student, clock.today() - timedelta(days=100))
    follow_up = FollowUp(placement_id=placement.id, months=3, due_date=clock.today())
    nomination = Nomination(opening_id=opening.id, student_id=student.student.id, cetpro_id=cetpro.id,
                            nominated_by_id=coordinator.id)
    db.session.add_all([follow_up, nomination])
    db.session.commit()
    convenio = factories.convenio(cetpro, company)
    events = {
        "registered": _event("student.registered", student.student, student, day),
        "verified": _event("student.verified", student.student, coordinator, day + timedelta(hours=1)),
        "applied": _event("application.created", application, student, day + timedelta(hours=2)),
        "moved": _event("application.in_review", application, None, day + timedelta(hours=3)),
        "nominated": _event("nomination.created", nomination, coordinator, day + timedelta(hours=4)),
        "placed": _event("placement.recorded", placement, coordinator, day + timedelta(hours=5)),
        "followed": _event("follow_up.answered", follow_up, coordinator, day + timedelta(hours=6)),
        "convenio": _event("convenio.proposed", convenio, coordinator, day + timedelta(hours=7)),
        "exported": _event("roster.exported", cetpro, coordinator, day + timedelta(hours=8), format="csv"),
        "password": _event("password.reset", student, student, day + timedelta(hours=9)),
        "coordinator": _event("user.password_reset_sent", coordinator, None, day + timedelta(hours=10)),
        "company": _event("company.verified", company, coordinator, day + timedelta(hours=11)),
    }
    return Side(cetpro, coordinator, student, events)


@pytest.fixture
def world(app):
    company = factories.company(legal_name="Electro Sur S.A.C.")
    opening = factories.opening(company, title="Electricista")
    a = _side("A", company, opening, datetime(2026, 3, 2, 8, 0))
    b = _side("B", company, opening, datetime(2026, 3, 5, 8, 0))
    # An unconfirmed sign-up of A: nobody's work yet, so not A's coordinators' to read either.
    pending = factories.student(a.cetpro, email="pendiente@example.pe")
    pending.email_confirmed_at = None
    db.session.commit()
    unconfirmed = _event("student.registered", pending.student, pending, datetime(2026, 3, 2, 7, 0))
    admin = factories.named(factories.admin(email="admin@enlace.pe"), "Admin", "Principal")
    # A platform event of nobody's CETPRO, and one without a label.
    other = _event("opening.published", opening, None, datetime(2026, 3, 6, 23, 30))
    odd = _event("cosa.rara", company, admin, datetime(2026, 3, 7, 0, 30))
    return {"a": a, "b": b, "admin": admin, "unconfirmed": unconfirmed, "platform": [other, odd]}


def ids(viewer: User, **args) -> list[int]:
    page = audit.events(viewer, audit.AuditFilters.from_args(args))
    return [event.id for event in page.items]


# --- Whose events --------------------------------------------------------------------------


def test_a_coordinator_reads_every_event_of_its_cetpro_and_none_of_another(world):
    a, b = world["a"], world["b"]
    seen = ids(a.coordinator)
    assert set(seen) == set(a.events.values())
    assert not set(seen) & set(b.events.values())
    assert world["unconfirmed"] not in seen and not set(seen) & set(world["platform"])
    assert set(ids(b.coordinator)) == set(b.events.values())


def test_only_admins_and_coordinators_read_the_trail(world):
    assert len(ids(world["admin"])) == 2 * 12 + 1 + 2
    assert ids(world["a"].student) == []
    coordinator_without_cetpro = factories.coordinator()
    coordinator_without_cetpro.cetpro_id = None
    assert ids(coordinator_without_cetpro) == []


def test_newest_first(world):
    seen = ids(world["admin"])
    times = [db.session.get(AuditEvent, i).created_at for i in seen]
    assert times == sorted(times, reverse=True) and seen[0] == world["platform"][1]


# --- Filters -------------------------------------------------------------------------------


def test_filters_by_actor_action_object_and_lima_dates(world):
    a, admin = world["a"], world["admin"]
    assert set(ids(admin, actor=str(a.student.id))) == {a.events["registered"], a.events["applied"],
                                                         a.events["password"]}
    assert set(ids(admin, actor="coord.a@")) == {a.events[k] for k in ("verified", "nominated", "placed", "followed",
                                                                      "convenio", "exported", "company")}
    assert world["platform"][0] in ids(admin, actor="sistema")
    assert set(ids(admin, accion="student.verified")) == {a.events["verified"], world["b"].events["verified"]}
    assert set(ids(admin, accion="application")) == {e for s in (a, world["b"]) for k, e in s.events.items()
                                                     if k in ("applied", "moved")}
    assert ids(admin, tipo="Cetpro", objeto=str(a.cetpro.id)) == [a.events["exported"]]
    # 2 March in Lima: A's twelve events (08:00 to 19:00) and the unconfirmed sign-up.
    assert len(ids(admin, desde="2026-03-02", hasta="2026-03-02")) == 13
    # 23:30 on 6 March in Lima is 04:30 on the 7th in UTC: still the 6th here.
    assert ids(admin, desde="2026-03-06", hasta="06/03/2026") == [world["platform"][0]]
    assert ids(admin, desde="2026-03-07") == [world["platform"][1]]
    # An end before the start is dropped; nonsense is ignored.
    assert len(ids(admin, desde="2026-03-07", hasta="2026-03-01")) == 1
    assert len(ids(admin, desde="mañana", objeto="x", pagina="-3")) == 27


def test_a_coordinator_s_filters_stay_within_its_cetpro(world):
    a, b = world["a"], world["b"]
    assert ids(a.coordinator, actor=str(b.coordinator.id)) == []
    assert ids(a.coordinator, tipo="StudentProfile", objeto=str(b.student.student.id)) == []
    assert ids(a.coordinator, accion="company.verified") == [a.events["company"]]


# --- Pages ---------------------------------------------------------------------------------


def test_admin_page_shows_spanish_labels_and_codes_where_none(client, auth, world):
    auth.login(world["admin"])
    response = client.get("/admin/auditoria")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page and "HX-Request" in response.headers["Vary"]
    assert "27 eventos" in page
    assert "Estudiante verificado(a)" in page and "<code class=\"small muted\">student.verified</code>" in page
    assert "<h3 class=\"h3\">cosa.rara</h3>" in page
    assert "Empresa #" in page and "Electro Sur S.A.C." in page and "Sistema" in page
    assert 'href="/admin/auditoria.csv"' in page


def test_admin_fragment_with_filters_and_its_csv_link(client, auth, world, htmx_headers):
    auth.login(world["admin"])
    response = client.get("/admin/auditoria?accion=student&desde=2026-03-02&hasta=2026-03-03", headers=htmx_headers)
    page = response.get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith('<section id="audit-events"')
    assert "3 eventos · Acción: student · Desde: 2 mar. 2026 · Hasta: 3 mar. 2026" in page
    assert 'href="/admin/auditoria.csv?accion=student&amp;desde=2026-03-02&amp;hasta=2026-03-03"' in page


def test_pages_of_thirty(client, auth, world):
    admin = world["admin"]
    for n in range(10):
        audit.audit("outbox.retry", admin, admin, n=n)
    db.session.commit()
    auth.login(admin)
    first = client.get("/admin/auditoria").get_data(as_text=True)
    assert "37 eventos" in first and first.count('<li id="audit-event-') == 30
    assert 'href="/admin/auditoria?pagina=2"' in first
    second = client.get("/admin/auditoria?pagina=2").get_data(as_text=True)
    assert second.count('<li id="audit-event-') == 7


def test_a_trail_longer_than_the_count_cap_says_more_than(client, auth, world, monkeypatch):
    """The trail only grows: past COUNT_CAP matching events the page stops counting (what a
    count of the whole trail cost grew with it) and its pages still go on."""
    monkeypatch.setattr(audit, "COUNT_CAP", 31)
    auth.login(world["admin"])
    for n in range(10):
        audit.audit("outbox.retry", world["admin"], world["admin"], n=n)
    db.session.commit()
    first = client.get("/admin/auditoria").get_data(as_text=True)
    assert "Más de 31 eventos" in first and "37 eventos" not in first
    assert first.count('<li id="audit-event-') == 30 and 'href="/admin/auditoria?pagina=2"' in first
    monkeypatch.setattr(audit, "COUNT_CAP", 37)
    assert "37 eventos" in client.get("/admin/auditoria").get_data(as_text=True)


def test_coordinator_page_and_fragment_show_only_its_cetpro(client, auth, world, htmx_headers):
    a, b = world["a"], world["b"]
    auth.login(a.coordinator)
    page = client.get("/coordinador/auditoria").get_data(as_text=True)
    assert "Auditoría de CETPRO Lado A" in page and "12 eventos" in page
    assert "EstudianteA" in page and "EstudianteB" not in page and "CoordinaB" not in page
    fragment = client.get(f"/coordinador/auditoria?actor={b.coordinator.id}", headers=htmx_headers)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="audit-events"')
    assert "0 eventos" in fragment.get_data(as_text=True)
    assert 'href="/coordinador/auditoria"' in client.get("/coordinador").get_data(as_text=True)


# --- CSV -----------------------------------------------------------------------------------


def rows_of(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_takes_the_page_s_filters(client, auth, world):
    auth.login(world["admin"])
    response = client.get("/admin/auditoria.csv?accion=student.verified")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="auditoria-plataforma-')
    rows = rows_of(response)
    assert rows[0] == list(audit.CSV_HEADERS)
    assert [row[0] for row in rows[1:]] == ["2026-03-05 09:00:00", "2026-03-02 09:00:00"]  # Lima, newest first
    assert rows[1][1:8] == ["CoordinaB Apellido", "coord.b@example.pe", "Coordinador(a)", "Estudiante verificado(a)",
                            "student.verified", "Estudiante", str(world["b"].student.student.id)]
    assert rows[1][8] == "EstudianteB Apellido"


def test_coordinator_csv_holds_only_its_cetpro(client, auth, world):
    a = world["a"]
    auth.login(a.coordinator)
    response = client.get("/coordinador/auditoria.csv")
    assert 'filename="auditoria-7654321-' in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8-sig")
    assert len(rows_of(response)) == 1 + 12
    assert "EstudianteB" not in body and "coord.b@" not in body


def test_csv_neutralises_formulas(client, auth, world):
    admin = world["admin"]
    evil = factories.named(factories.student(email="evil@example.pe"), "=HYPERLINK(\"http://x\")", "+Malo")
    audit.audit("student.profile_updated", evil.student, evil, note="@SUM(1+1)")
    db.session.commit()
    auth.login(admin)
    rows = rows_of(client.get(f"/admin/auditoria.csv?actor={evil.id}"))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\") +Malo"
    assert rows[1][8] == "'=HYPERLINK(\"http://x\") +Malo"
    assert rows[1][9] == '{"note": "@SUM(1+1)"}'  # JSON starts with a brace: never a formula


def test_long_data_is_cut_on_the_page_and_whole_in_the_csv(client, auth, world):
    admin = world["admin"]
    audit.audit("roster.imported", world["a"].cetpro, world["a"].coordinator, created_ids=list(range(1000, 1400)))
    db.session.commit()
    [event] = audit.events(admin, audit.AuditFilters.from_args({"accion": "roster.imported"})).items
    assert len(event.details) == audit.DETAILS_SHOWN and event.details.endswith("…")
    assert event.action_label == "Estudiantes importados"
    auth.login(admin)
    rows = rows_of(client.get("/admin/auditoria.csv?accion=roster.imported"))
    assert rows[1][9].endswith("1398, 1399]}")


def test_coordinators_see_what_a_student_changed_in_words(client, auth, app):
    """The promise of portal/profiles/services.py: the old and new vouched facts, for the CETPRO."""
    cetpro = factories.cetpro(name="CETPRO Santa Rosa")
    coordinator = factories.coordinator(cetpro)
    user = factories.named(factories.student(cetpro, status="estudiante", verified=True), "Rosa", "Quispe")
    profile = user.student
    new_programme = factories.programme("Electrónica")
    data = profiles.data_of(profile)
    data.programme_id, data.module_ids = new_programme.id, [new_programme.modules[0].id]
    data.status, data.graduation_date = "egresado", date(2025, 3, 1)
    profiles.update_profile(profile, user, data, on=date(2025, 6, 15))

    auth.login(coordinator)
    page = client.get("/coordinador/auditoria?accion=student.profile_updated").get_data(as_text=True)
    assert "Perfil de estudiante actualizado" in page and "Estudiante #" in page and "Rosa Quispe" in page
    assert "Programa: Electricidad → Electrónica" in page
    assert "Situación: Estudiante → Egresado(a)" in page and "Fecha de egreso: — → 1 mar. 2025" in page
    assert "Estudiante volvió a «Por verificar»" in client.get("/coordinador/auditoria").get_data(as_text=True)


def test_an_actor_number_no_id_can_hold_finds_nobody(world):
    """PostgreSQL refuses to compare an integer column with 9,999,999,999: never sent."""
    assert ids(world["admin"], actor="9999999999") == []
    assert ids(world["admin"], actor="9" * 40) == []
    assert ids(world["admin"], actor="٣") == []  # an Arabic-Indic digit is no account number either
